// Streams one layer blob (tar, tar+gzip or tar+zstd) into LayerEntry batches without buffering file content.
// The only I/O is consuming the stream it is handed; the caller owns fetching and storing.
//
// Shape: source → (count, slice) → decompress → TarParser (synchronous, per chunk) → entries → onBatch.
// Everything is pull-driven: the next decompressed chunk is pulled only once the batches filled by the previous
// one were taken by onBatch, so the decompressor and the source wait for the consumer. Memory stays flat
// whatever the layer size (one chunk, its read-ahead, and at most one chunk's worth of entries beyond a batch).
import { createHash, type Hash } from "node:crypto";
import { pipeline, Readable } from "node:stream";
import { createGunzip, type ZlibOptions } from "node:zlib";
import { Decompress } from "fzstd";
import { errorMessage } from "@/lib/errors";
import { type EscapedName, entryFromHeader, type LayerEntry, LayerIndexError } from "./entries";
import { TarFormatError, type TarHeader, TarParser } from "./tar-parser";

/** Escaped entries kept by name per layer: enough to show them, bounded for a hostile archive. */
const MAX_ESCAPED_NAMES = 200;

// The error lives with the types so code that only stores entries can check it without the stream machinery.
export { LayerIndexError, type LayerIndexErrorReason } from "./entries";

export type LayerCompression = "gzip" | "zstd" | "none";

export type IndexLayerOptions = {
  /** Only informative: the compression is read from the first bytes, since registries mislabel blobs. */
  mediaType?: string;
  /** Awaited before the next entry is read, so a slow consumer slows the download instead of filling memory. */
  onBatch: (entries: LayerEntry[]) => Promise<void>;
  /** Entries per onBatch call; default 1000. */
  batchSize?: number;
  /** Fails with "too_many_entries" once the layer has more entries than this. */
  maxEntries?: number;
  /** Fails with "too_large_uncompressed" once the decompressed tar stream passes this many bytes. */
  maxUncompressedBytes?: number;
  /**
   * The size the manifest declares for the blob: the source is cut off, with "larger_than_declared", as soon as it
   * yields one byte more. A pusher's number is not a promise, so it is checked on the bytes actually read.
   */
  declaredBytes?: number;
  /** Fails with "too_large" once more than this many bytes were read from the source (whatever was declared). */
  maxBytes?: number;
  /** Fails with "aborted". Pass the same signal to whatever produces `source` so the download stops too. */
  signal?: AbortSignal;
};

export type LayerIndexSummary = {
  entries: number;
  /** Bytes of the tar stream after decompression. */
  uncompressedBytes: number;
  /** Bytes read from the source (equals uncompressedBytes for a plain tar). */
  compressedBytes: number;
  /** Entries whose name (or hard-link target) was absolute or climbed above the root with "..". */
  escapedPaths: number;
  /** The first MAX_ESCAPED_NAMES of those entries, as the archive names them. */
  escapedNames: EscapedName[];
  compression: LayerCompression;
};

export type LayerSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

const DEFAULT_BATCH_SIZE = 1000;
// Upper bound of one write into a decompressor. zlib stops inflating a write once its output buffer is full
// (Node ≥ 14 checks push()'s backpressure between output chunks), so a gzip bomb in one slice expands no further
// than GUNZIP_READ_AHEAD + GUNZIP_CHUNK before the cap check sees it; the slice only sets how many thread-pool
// round trips a blob costs. fzstd has no such brake: zstd RLE blocks expand ~10^5×, hence its small slice.
const GZIP_SLICE = 64 * 1024;
const ZSTD_SLICE = 1024;
// gunzip's output chunks and how far it may run ahead of the parser. Each input slice and each output chunk is
// one round trip to the thread pool: with 16 KiB slices and 64 KiB chunks those round trips, not inflate, were
// most of the cost (254 MB tar: 0.85–1.4 s CPU; 64 KiB slices and 256 KiB chunks: 0.58–0.67 s). The read-ahead
// lets inflate (thread pool) and parse + hash (main thread) run side by side; memory stays bounded by it.
const GUNZIP_CHUNK = 256 * 1024;
const GUNZIP_READ_AHEAD = 1024 * 1024;
/**
 * Compressed bytes buffered ahead of gunzip, on both sides of the pipe. Explicit because Node 22
 * raised the streams' default from 16 KiB to 64 KiB: a failing consumer or a gzip bomb must stop
 * the download within a few slices, whatever the runtime.
 */
const SOURCE_READ_AHEAD = 16 * 1024;
const EMPTY_SHA256 = `sha256:${createHash("sha256").digest("hex")}`;

type Counters = { compressed: number; uncompressed: number };

/**
 * Indexes one layer blob. Source errors (e.g. a failed download) are rethrown as they are; problems with the
 * blob itself become a LayerIndexError:
 * - corrupt_compression: the gzip/zstd data does not decode;
 * - truncated: the compressed stream or the tar ends in the middle (an entry body shorter than its header
 *   says, or a final partial 512-byte block). A tar that stops cleanly after an entry but lacks the two
 *   zero end blocks is accepted, like Go's archive/tar does: nothing distinguishes it from a complete one;
 * - not_a_tar: a header fails its checksum, or the stream is too short to hold one;
 * - larger_than_declared: the source yields more bytes than `declaredBytes` (read no further);
 * - too_large, too_large_uncompressed, too_many_entries: past `maxBytes` (bytes read), `maxUncompressedBytes`
 *   (decompressed bytes) or `maxEntries`;
 * - aborted.
 * An empty source is an empty layer: 0 entries, no error.
 */
export async function indexLayerStream(source: LayerSource, opts: IndexLayerOptions): Promise<LayerIndexSummary> {
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  const { signal, maxEntries, maxUncompressedBytes } = opts;
  throwIfAborted(signal);

  const counters: Counters = { compressed: 0, uncompressed: 0 };
  const limits: SourceLimits = { declaredBytes: opts.declaredBytes, maxBytes: opts.maxBytes };
  const { compression, chunks } = await detectCompression(readSource(source, counters, limits, signal));
  // Iterated by hand so that no for-await closes it behind our back: after a tar error on a compressed layer
  // it is read on to see whether the compression is what broke (see verifyCompression).
  const tar = decompress(compression, chunks)[Symbol.asyncIterator]();

  // A pending read of a stalled source is abandoned at once when the signal fires.
  let abandon: ((error: LayerIndexError) => void) | null = null;
  const onAbort = () => abandon?.(abortedError(signal));
  signal?.addEventListener("abort", onAbort, { once: true });
  const nextChunk = (): Promise<IteratorResult<Uint8Array>> => {
    if (!signal) return tar.next();
    return new Promise((resolve, reject) => {
      abandon = reject;
      tar.next().then(resolve, reject);
    });
  };

  let entries = 0;
  let escapedPaths = 0;
  const escapedNames: EscapedName[] = [];
  let batch: LayerEntry[] = [];
  // Full batches found while parsing one chunk, handed to onBatch (one at a time) before the next chunk is read.
  const ready: LayerEntry[][] = [];
  // The current member: its header, and the hash of a regular file's bytes as they stream past (same pass).
  let member: TarHeader | null = null;
  let isFile = false;
  let hash: Hash | null = null;

  const parser = new TarParser({
    onHeader(header) {
      member = header;
      isFile = header.type === "file" || header.type === "contiguous-file";
      hash = isFile && header.size > 0 ? createHash("sha256") : null;
    },
    onData(chunk) {
      hash?.update(chunk);
    },
    onEnd() {
      const header = member as TarHeader | null;
      if (!header) return;
      const mapped = entryFromHeader(header);
      if (!mapped) return;
      // Whiteouts and opaque markers are names, not files: their (empty) bodies are no content.
      const isContent = mapped.entry.type === "file" && !mapped.entry.whiteout;
      if (isContent) mapped.entry.contentDigest = hash ? `sha256:${(hash as Hash).digest("hex")}` : EMPTY_SHA256;
      else mapped.entry.contentDigest = null;
      if (mapped.escaped) {
        escapedPaths++;
        if (escapedNames.length < MAX_ESCAPED_NAMES) {
          escapedNames.push({
            path: mapped.entry.path,
            name: mapped.name,
            ...(mapped.linkName !== null ? { linkName: mapped.linkName } : {}),
          });
        }
      }
      entries++;
      if (maxEntries !== undefined && entries > maxEntries) {
        throw new LayerIndexError("too_many_entries", `layer has more than ${maxEntries} entries`);
      }
      batch.push(mapped.entry);
      if (batch.length >= batchSize) {
        ready.push(batch);
        batch = [];
      }
    },
  });

  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await nextChunk();
      } catch (error) {
        throw new FromUpstream(error);
      }
      throwIfAborted(signal);
      if (next.done) break;
      counters.uncompressed += next.value.byteLength;
      // Checked before the bytes reach the parser: a gzip bomb stops within one decompressed chunk of the cap.
      if (maxUncompressedBytes !== undefined && counters.uncompressed > maxUncompressedBytes) {
        throw new LayerIndexError("too_large_uncompressed", `layer decompresses to more than ${maxUncompressedBytes} bytes`);
      }
      parser.write(next.value);
      // Awaited before the next chunk is pulled: a slow consumer slows the download instead of filling memory.
      while (ready.length > 0) {
        await opts.onBatch(ready.shift() as LayerEntry[]);
        throwIfAborted(signal);
      }
    }
    // The compressed stream has ended cleanly (gzip CRC and zstd EOF checked): now the tar must end on a boundary.
    parser.end();
    if (batch.length > 0) await opts.onBatch(batch);
  } catch (caught) {
    if (caught instanceof FromUpstream) {
      // The source's own errors unchanged, decompression failures as LayerIndexErrors.
      throw decompressionError(caught.error);
    }
    if (caught instanceof TarFormatError) {
      const classified = new LayerIndexError(caught.reason, caught.message, { cause: caught });
      if (compression !== "none") {
        // Reading on waits for the source, which may stall: an abort must still end the call at once.
        throw (await untilAborted(signal, verifyCompression(tar, counters))) ?? classified;
      }
      tar.return?.().catch(() => {});
      throw classified;
    }
    // Not awaited: a pending read of a stalled source must not hold up the error. Closing runs once it settles.
    tar.return?.().catch(() => {});
    throw caught;
  } finally {
    abandon = null;
    signal?.removeEventListener("abort", onAbort);
  }
  return {
    entries,
    uncompressedBytes: counters.uncompressed,
    compressedBytes: counters.compressed,
    escapedPaths,
    escapedNames,
    compression,
  };
}

/** Wraps what reading the decompressed stream threw, so it is not mistaken for a parser or consumer error. */
class FromUpstream {
  constructor(readonly error: unknown) {}
}

// How much more of a compressed blob is read, after its tar failed to parse, to check the compression.
const VERIFY_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * A corrupt gzip/zstd block often decodes into garbage before the decompressor notices (gzip only checks its
 * CRC at the end), so the tar parser fails first with what looks like "not a tar". Reading on tells the two apart:
 * a decompression error found here is the real cause. Returns null when the compressed stream looks sound.
 */
async function verifyCompression(tar: AsyncIterator<Uint8Array>, counters: Counters): Promise<LayerIndexError | null> {
  const stopAt = counters.compressed + VERIFY_LIMIT_BYTES;
  try {
    for (let next = await tar.next(); !next.done; next = await tar.next()) {
      if (counters.compressed > stopAt) break;
    }
  } catch (error) {
    const mapped = decompressionError(error);
    if (mapped instanceof LayerIndexError) return mapped;
  } finally {
    tar.return?.().catch(() => {});
  }
  return null;
}

type SourceLimits = { declaredBytes: number | undefined; maxBytes: number | undefined };

async function* readSource(
  source: LayerSource,
  counters: Counters,
  limits: SourceLimits,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    throwIfAborted(signal);
    if (typeof chunk === "string") throw new TypeError("layer source yielded a string: read it as bytes (no encoding)");
    counters.compressed += chunk.byteLength;
    // Before the chunk is passed on: nothing past the declared size (or the limit) is ever decompressed or parsed.
    if (limits.declaredBytes !== undefined && counters.compressed > limits.declaredBytes) {
      throw new LayerIndexError("larger_than_declared", `blob larger than its declared size of ${limits.declaredBytes} bytes`);
    }
    if (limits.maxBytes !== undefined && counters.compressed > limits.maxBytes) {
      throw new LayerIndexError("too_large", `blob larger than LAYER_INDEX_MAX_BYTES (${limits.maxBytes} bytes)`);
    }
    if (chunk.byteLength > 0) yield chunk;
  }
}

/** Reads just enough of the stream to see its magic number, then hands back the whole stream. */
async function detectCompression(
  input: AsyncGenerator<Uint8Array>,
): Promise<{ compression: LayerCompression; chunks: AsyncIterable<Uint8Array> }> {
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 4) {
    const next = await input.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.byteLength;
  }
  const first = Buffer.concat(head);
  let compression: LayerCompression = "none";
  if (first[0] === 0x1f && first[1] === 0x8b) compression = "gzip";
  else if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) compression = "zstd";
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield* head;
    yield* input;
  }
  return { compression, chunks: replay() };
}

function decompress(compression: LayerCompression, chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  switch (compression) {
    case "none":
      return chunks;
    case "gzip": {
      // zlib passes the options on to its Transform, whose readableHighWaterMark is the read-ahead.
      const gunzip = createGunzip({
        chunkSize: GUNZIP_CHUNK,
        readableHighWaterMark: GUNZIP_READ_AHEAD,
        writableHighWaterMark: SOURCE_READ_AHEAD,
      } as ZlibOptions);
      // pipeline destroys gunzip with any source error, so iterating gunzip surfaces both kinds of failure.
      pipeline(Readable.from(sliced(chunks, GZIP_SLICE), { objectMode: false, highWaterMark: SOURCE_READ_AHEAD }), gunzip, () => {});
      return gunzip;
    }
    case "zstd":
      return zstdChunks(chunks);
  }
}

async function* sliced(chunks: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let offset = 0; offset < chunk.byteLength; offset += size) yield chunk.subarray(offset, offset + size);
  }
}

/**
 * fzstd's streaming Decompress as a pull-based generator rather than a Transform: a Transform must push all
 * output of a written chunk at once, whereas here the next slice is decompressed only after the consumer took
 * the previous slice's blocks. A 1 KiB slice bounds one step to ~256 blocks of ≤ 128 KiB even for all-zero RLE
 * data. Small slices cost little: fzstd collects a partial block's pieces and joins them once (measured:
 * 1 KiB slices were as fast as 64 KiB ones).
 */
async function* zstdChunks(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const zstd = new Decompress((data) => {
    if (data.byteLength > 0) out.push(data);
  });
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      zstd.push(chunk, final);
    } catch (error) {
      throw zstdError(error);
    }
  };
  for await (const chunk of sliced(chunks, ZSTD_SLICE)) {
    push(chunk, false);
    yield* out.splice(0);
  }
  push(new Uint8Array(0), true);
  yield* out.splice(0);
}

// fzstd's ZstdErrorCode.UnexpectedEOF: the data stopped in the middle of a frame.
const ZSTD_UNEXPECTED_EOF = 5;

function zstdError(error: unknown): LayerIndexError {
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const message = errorMessage(error);
  if (code === ZSTD_UNEXPECTED_EOF) return new LayerIndexError("truncated", `zstd stream ends early: ${message}`, { cause: error });
  return new LayerIndexError("corrupt_compression", `invalid zstd data: ${message}`, { cause: error });
}

/** zlib failures become LayerIndexErrors; anything else came from the source and is returned unchanged. */
function decompressionError(error: unknown): unknown {
  if (error instanceof LayerIndexError) return error;
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const message = errorMessage(error);
  if (code === "Z_BUF_ERROR") return new LayerIndexError("truncated", `gzip stream ends early: ${message}`, { cause: error });
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new LayerIndexError("corrupt_compression", `invalid gzip data: ${message}`, { cause: error });
  }
  return error;
}

function abortedError(signal: AbortSignal | undefined): LayerIndexError {
  return new LayerIndexError("aborted", "layer indexing was aborted", { cause: signal?.reason });
}

function untilAborted<T>(signal: AbortSignal | undefined, work: Promise<T>): Promise<T | LayerIndexError> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(abortedError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(abortedError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}
