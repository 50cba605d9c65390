// A small synchronous tar reader: decompressed chunks in, header and body callbacks out. Pure: no I/O.
//
// It replaces tar-stream on the indexing path, where tar-stream's per-entry streams and callbacks cost more CPU
// than inflating the layer. Nothing is buffered but one 512-byte header that straddles two chunks and the
// bodies of GNU long-name and PAX records (at most MAX_LONG_HEADER bytes each); file bodies are handed on as
// subarrays of the chunk they arrived in.
//
// Formats: v7, ustar (name prefix), GNU (long names 'L', long link targets 'K', base-256 numbers) and PAX
// (per-entry 'x' and global 'g' records: path, linkpath, size, uid, gid). Like Go's archive/tar, which is what
// Docker extracts layers with: header-only types (hard/symbolic links, devices, directories, FIFOs) have no body
// whatever their size field says, both checksum flavours (unsigned and historic signed) are accepted, and
// all-zero blocks are skipped.

/** tar-stream's names for the typeflags, which entryFromHeader maps; null for anything else (sparse, volume…). */
export type TarEntryType = "file" | "link" | "symlink" | "character-device" | "block-device" | "directory" | "fifo" | "contiguous-file";

export type TarHeader = {
  /** After GNU long names and PAX `path`; a ustar prefix is joined with "/". As written: not normalised. */
  name: string;
  type: TarEntryType | null;
  /** Bytes of body that follow (0 for header-only types). */
  size: number;
  mode: number;
  /** NaN when the field is not a number (PAX ids above 2^53 too): entryFromHeader stores -1 then. */
  uid: number;
  gid: number;
  linkname: string | null;
};

export type TarFormatReason = "not_a_tar" | "truncated";

/** The bytes are not a well-formed tar; the indexer turns it into a LayerIndexError with its context. */
export class TarFormatError extends Error {
  override name = "TarFormatError";
  constructor(
    readonly reason: TarFormatReason,
    message: string,
  ) {
    super(message);
  }
}

export type TarCallbacks = {
  /** A member's header; its body (if any) follows through onData, then onEnd. */
  onHeader(header: TarHeader): void;
  onData(chunk: Uint8Array): void;
  onEnd(): void;
};

const BLOCK = 512;
/** GNU long names and PAX records longer than this are not a layer anyone built on purpose. */
export const MAX_LONG_HEADER = 1024 * 1024;

enum State {
  Header,
  Body,
  Padding,
  Long,
}

type LongKind = "gnu-name" | "gnu-link" | "pax" | "pax-global";

type Pax = { path?: string; linkpath?: string; size?: number; uid?: number; gid?: number };

const HEADER_ONLY = new Set<TarEntryType | null>(["link", "symlink", "character-device", "block-device", "directory", "fifo"]);

export class TarParser {
  private state = State.Header;
  private readonly block = new Uint8Array(BLOCK);
  private blockFill = 0;
  private remaining = 0;
  private padding = 0;
  private longKind: LongKind = "pax";
  private longParts: Uint8Array[] = [];
  private longSize = 0;
  private gnuName: string | null = null;
  private gnuLink: string | null = null;
  private pax: Pax | null = null;
  private paxGlobal: Pax | null = null;
  private current: TarHeader | null = null;
  private received = 0;
  /** Headers of members seen (long-name and PAX records not counted). */
  members = 0;
  /** Bytes written so far. */
  bytes = 0;

  constructor(private readonly callbacks: TarCallbacks) {}

  write(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    const length = chunk.byteLength;
    let offset = 0;
    while (offset < length) {
      switch (this.state) {
        case State.Body: {
          const n = Math.min(this.remaining, length - offset);
          this.callbacks.onData(chunk.subarray(offset, offset + n));
          this.remaining -= n;
          this.received += n;
          offset += n;
          if (this.remaining === 0) this.endMember();
          break;
        }
        case State.Padding: {
          const n = Math.min(this.padding, length - offset);
          this.padding -= n;
          offset += n;
          if (this.padding === 0) this.state = State.Header;
          break;
        }
        case State.Long: {
          const n = Math.min(this.remaining, length - offset);
          // Copied: the chunk may be reused by whoever produced it once this call returns.
          this.longParts.push(chunk.slice(offset, offset + n));
          this.remaining -= n;
          offset += n;
          if (this.remaining === 0) this.endLong();
          break;
        }
        case State.Header: {
          if (this.blockFill === 0 && length - offset >= BLOCK) {
            this.header(chunk, offset);
            offset += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.blockFill, length - offset);
            this.block.set(chunk.subarray(offset, offset + n), this.blockFill);
            this.blockFill += n;
            offset += n;
            if (this.blockFill === BLOCK) {
              this.blockFill = 0;
              this.header(this.block, 0);
            }
          }
          break;
        }
      }
    }
  }

  /** The input has ended: throws unless it ended on a member boundary. */
  end(): void {
    switch (this.state) {
      case State.Header:
        if (this.blockFill === 0) return;
        if (this.members === 0 && this.bytes < BLOCK) {
          throw new TarFormatError("not_a_tar", `${this.bytes} bytes are too short to be a tar archive`);
        }
        throw new TarFormatError("truncated", "layer ends with a partial 512-byte tar block");
      case State.Body:
        throw new TarFormatError(
          "truncated",
          `layer ends inside "${this.current?.name ?? ""}" after ${this.received} of ${this.received + this.remaining} bytes`,
        );
      case State.Padding:
        throw new TarFormatError("truncated", "layer ends with a partial 512-byte tar block");
      case State.Long:
        throw new TarFormatError("truncated", "layer ends inside a long-name or PAX header");
    }
  }

  private header(buf: Uint8Array, at: number): void {
    const sum = checksums(buf, at);
    if (sum.zero) return; // an end-of-archive block (or padding after it): skipped, like tar-stream and Go
    const stored = octal(buf, at + 148, 8);
    if (stored !== sum.unsigned && stored !== sum.signed) throw this.notATar("invalid tar header checksum");

    const flag = buf[at + 156] ?? 0;
    const size = number(buf, at + 124, 12);
    const isPaxOrLong = flag === 0x4c || flag === 0x4b || flag === 0x78 || flag === 0x67; // L K x g
    if (isPaxOrLong) {
      if (!Number.isSafeInteger(size) || size < 0) throw this.notATar("invalid size in a long-name or PAX header");
      if (size > MAX_LONG_HEADER) throw this.notATar(`long-name or PAX header of ${size} bytes (limit ${MAX_LONG_HEADER})`);
      this.longKind = flag === 0x4c ? "gnu-name" : flag === 0x4b ? "gnu-link" : flag === 0x78 ? "pax" : "pax-global";
      this.longParts = [];
      this.longSize = size;
      this.remaining = size;
      this.padding = pad(size);
      if (size === 0) this.endLong();
      else this.state = State.Long;
      return;
    }

    let type = typeOf(flag);
    let name = text(buf, at, 100);
    const magic = ustarMagic(buf, at);
    if (magic === "ustar" && buf[at + 345] !== 0) name = `${text(buf, at + 345, 155)}/${name}`;
    let linkname = buf[at + 157] === 0 ? null : text(buf, at + 157, 100);
    const mode = number(buf, at + 100, 8);
    let uid = number(buf, at + 108, 8);
    let gid = number(buf, at + 116, 8);
    let headerSize = size;

    if (this.gnuName !== null) name = this.gnuName;
    if (this.gnuLink !== null) linkname = this.gnuLink;
    const pax = this.pax ?? this.paxGlobal;
    if (pax) {
      if (pax.path) name = pax.path;
      if (pax.linkpath) linkname = pax.linkpath;
      if (pax.size !== undefined) headerSize = pax.size;
      if (pax.uid !== undefined) uid = pax.uid;
      if (pax.gid !== undefined) gid = pax.gid;
    }
    this.gnuName = null;
    this.gnuLink = null;
    this.pax = null;

    if (!Number.isSafeInteger(headerSize) || headerSize < 0) throw this.notATar(`invalid size in the header of "${name}"`);
    // v7 archives mark directories with a trailing slash only.
    if (type === "file" && (flag === 0 || flag === 0x30) && name.endsWith("/")) type = "directory";
    const bodySize = HEADER_ONLY.has(type) ? 0 : headerSize;

    this.members++;
    const header: TarHeader = { name, type, size: headerSize, mode: Number.isFinite(mode) ? mode : 0, uid, gid, linkname };
    this.current = header;
    this.received = 0;
    this.callbacks.onHeader(header);
    this.remaining = bodySize;
    this.padding = pad(bodySize);
    if (bodySize === 0) this.endMember();
    else this.state = State.Body;
  }

  private notATar(problem: string): TarFormatError {
    return new TarFormatError("not_a_tar", `not a tar archive (after ${this.members} entries): ${problem}`);
  }

  private endMember(): void {
    this.callbacks.onEnd();
    this.current = null;
    this.state = this.padding > 0 ? State.Padding : State.Header;
  }

  private endLong(): void {
    const data = this.longParts.length === 1 ? (this.longParts[0] as Uint8Array) : concat(this.longParts, this.longSize);
    this.longParts = [];
    switch (this.longKind) {
      case "gnu-name":
        this.gnuName = text(data, 0, data.byteLength);
        break;
      case "gnu-link":
        this.gnuLink = text(data, 0, data.byteLength);
        break;
      case "pax":
        this.pax = { ...this.paxGlobal, ...parsePax(data) };
        break;
      case "pax-global":
        this.paxGlobal = { ...this.paxGlobal, ...parsePax(data) };
        break;
    }
    this.state = this.padding > 0 ? State.Padding : State.Header;
  }
}

function pad(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** Sums of the header with its checksum field read as spaces, unsigned and as historic signed chars. */
function checksums(buf: Uint8Array, at: number): { unsigned: number; signed: number; zero: boolean } {
  let unsigned = 0;
  let signed = 0;
  let any = 0;
  for (let i = at; i < at + BLOCK; i++) {
    const b = i >= at + 148 && i < at + 156 ? 0x20 : (buf[i] as number);
    any |= buf[i] as number;
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  return { unsigned, signed, zero: any === 0 };
}

/** An octal field (leading spaces/NULs allowed, ended by a space or NUL); NaN if it holds anything else. */
function octal(buf: Uint8Array, at: number, length: number): number {
  let i = at;
  const end = at + length;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i] as number;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return Number.NaN;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  // Anything after the terminator must be terminators too: "12\0x" is not a number.
  for (; i < end; i++) if (buf[i] !== 0x20 && buf[i] !== 0) return Number.NaN;
  return digits === 0 ? 0 : value;
}

/** A numeric field: octal, or GNU base-256 when the first byte's high bit is set (negative → NaN). */
function number(buf: Uint8Array, at: number, length: number): number {
  const first = buf[at] as number;
  if ((first & 0x80) === 0) return octal(buf, at, length);
  if (first === 0xff) return Number.NaN; // negative
  let value = first & 0x7f;
  for (let i = at + 1; i < at + length; i++) {
    value = value * 256 + (buf[i] as number);
    if (value > Number.MAX_SAFE_INTEGER) return Number.NaN;
  }
  return value;
}

const decoder = new TextDecoder("utf-8");

/** A NUL-terminated UTF-8 field (invalid bytes become U+FFFD, as tar-stream did). */
function text(buf: Uint8Array, at: number, length: number): string {
  let end = at;
  const limit = at + length;
  while (end < limit && buf[end] !== 0) end++;
  return decoder.decode(buf.subarray(at, end));
}

function ustarMagic(buf: Uint8Array, at: number): "ustar" | "gnu" | null {
  const m = at + 257;
  if (buf[m] !== 0x75 || buf[m + 1] !== 0x73 || buf[m + 2] !== 0x74 || buf[m + 3] !== 0x61 || buf[m + 4] !== 0x72) return null;
  if (buf[m + 5] === 0) return "ustar";
  if (buf[m + 5] === 0x20) return "gnu";
  return null;
}

function typeOf(flag: number): TarEntryType | null {
  switch (flag) {
    case 0:
    case 0x30:
      return "file";
    case 0x31:
      return "link";
    case 0x32:
      return "symlink";
    case 0x33:
      return "character-device";
    case 0x34:
      return "block-device";
    case 0x35:
      return "directory";
    case 0x36:
      return "fifo";
    case 0x37:
      return "contiguous-file";
    default:
      return null;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * PAX records: "<length> <key>=<value>\n", length counting the whole record in bytes. A malformed record
 * makes the header not a tar (Go rejects it too); unknown keys are ignored, and so are ids that are not whole
 * numbers (the octal field stays).
 */
export function parsePax(data: Uint8Array): Pax {
  const pax: Pax = {};
  let offset = 0;
  while (offset < data.byteLength) {
    if (data[offset] === 0) break; // NUL padding after the last record
    let space = offset;
    let length = 0;
    while (space < data.byteLength && data[space] !== 0x20) {
      const c = data[space] as number;
      if (c < 0x30 || c > 0x39 || space - offset > 10) throw new TarFormatError("not_a_tar", "malformed PAX record length");
      length = length * 10 + (c - 0x30);
      space++;
    }
    const end = offset + length;
    if (space === offset || space >= end || end > data.byteLength || data[end - 1] !== 0x0a) {
      throw new TarFormatError("not_a_tar", "malformed PAX record");
    }
    const record = decoder.decode(data.subarray(space + 1, end - 1));
    const eq = record.indexOf("=");
    if (eq <= 0) throw new TarFormatError("not_a_tar", "malformed PAX record");
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    switch (key) {
      case "path":
        if (value !== "") pax.path = value;
        break;
      case "linkpath":
        if (value !== "") pax.linkpath = value;
        break;
      case "size": {
        if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
          throw new TarFormatError("not_a_tar", `invalid PAX size ${JSON.stringify(value.slice(0, 40))}`);
        }
        pax.size = Number(value);
        break;
      }
      case "uid":
      case "gid":
        // beyond 2^53 the entry keeps -1 (see ownerId); a malformed id is ignored
        if (/^\d{1,30}$/.test(value)) pax[key] = Number(value);
        break;
    }
    offset = end;
  }
  return pax;
}
