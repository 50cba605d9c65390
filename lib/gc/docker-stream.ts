// Demultiplexes the Docker Engine API's attach/exec stream (non-TTY). Pure: no I/O.
// Each frame: [stream type: 0 stdin, 1 stdout, 2 stderr][0 0 0][payload size, uint32 big-endian][payload].
// Frames arrive split and merged at arbitrary chunk boundaries.

export type DockerStreamType = "stdin" | "stdout" | "stderr";

const HEADER_SIZE = 8;
const STREAM_TYPES: Readonly<Record<number, DockerStreamType>> = { 0: "stdin", 1: "stdout", 2: "stderr" };

export class DockerStreamError extends Error {
  override name = "DockerStreamError";
}

export class DockerStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: DockerStreamType, payload: Buffer) => void) {}

  push(chunk: Uint8Array): void {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (this.pending.length - offset >= HEADER_SIZE) {
      const typeByte = this.pending.readUInt8(offset);
      const stream = STREAM_TYPES[typeByte];
      if (stream === undefined || this.pending.readUInt8(offset + 1) !== 0 || this.pending.readUInt16BE(offset + 2) !== 0) {
        // A TTY exec (or a proxy rewriting the body) sends raw bytes: refuse rather than emit garbage.
        throw new DockerStreamError(
          `not a multiplexed stream: unexpected frame header ${this.pending.subarray(offset, offset + HEADER_SIZE).toString("hex")}`,
        );
      }
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_SIZE < size) break;
      const start = offset + HEADER_SIZE;
      this.onFrame(stream, this.pending.subarray(start, start + size));
      offset = start + size;
    }
    this.pending = offset === 0 ? this.pending : this.pending.subarray(offset);
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.pending.length > 0) {
      throw new DockerStreamError(`stream ended inside a frame (${this.pending.length} bytes left over)`);
    }
  }
}

/** Builds one frame; for tests and fakes. */
export function dockerFrame(stream: DockerStreamType, payload: string | Buffer): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt8(stream === "stdin" ? 0 : stream === "stdout" ? 1 : 2, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}
