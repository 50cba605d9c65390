// Streams one layer blob (tar, tar+gzip or tar+zstd) into LayerEntry batches without buffering file content.
// The only I/O is consuming the stream it is handed; the caller owns fetching and storing.
//
// Shape: source → (count, slice) → decompress → tar-stream extract → entries → onBatch.
// Everything is pull-driven: while onBatch is pending no entry is released, so extract stops taking writes,
// the decompressor stops being pulled and the source is not read. Memory stays flat whatever the layer size.
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { type Extract, extract as tarExtract } from "tar-stream";
import { entryFromHeader, type LayerEntry, LayerIndexError } from "./entries";

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
  compression: LayerCompression;
};

export type LayerSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

const DEFAULT_BATCH_SIZE = 1000;
// Upper bound of one write into a decompressor. Deflate expands at most ~1032×, so a 16 KiB slice yields
// ≤ 16 MiB even for a gzip bomb; zstd RLE blocks expand far more, hence its smaller slice (see zstdChunks).
const GZIP_SLICE = 16 * 1024;
const ZSTD_SLICE = 1024;
// extract's write buffer; larger than streamx's 16 KiB default so small decompressed chunks batch up.
const EXTRACT_HIGH_WATER_MARK = 256 * 1024;

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
  const { signal, maxEntries } = opts;
  throwIfAborted(signal);

  const counters: Counters = { compressed: 0, uncompressed: 0 };
  const limits: SourceLimits = { declaredBytes: opts.declaredBytes, maxBytes: opts.maxBytes };
  const { compression, chunks } = await detectCompression(readSource(source, counters, limits, signal));
  // Iterated by hand so that neither the pump nor a for-await closes it behind our back: after a tar error
  // on a compressed layer it is read on to see whether the compression is what broke (see verifyCompression).
  const tar = decompress(compression, chunks)[Symbol.asyncIterator]();

  // Pre-POSIX (v7) headers lack the "ustar" magic but still carry a checksum, which is what rejects garbage.
  // tar-stream's types omit allowUnknownFormat, hence the widened options object.
  const extractOptions: Parameters<typeof tarExtract>[0] & { allowUnknownFormat: boolean } = {
    allowUnknownFormat: true,
    highWaterMark: EXTRACT_HIGH_WATER_MARK,
  };
  const extract = tarExtract(extractOptions);
  // Errors from the source itself are passed through untouched; this tells them apart from tar-stream's.
  const upstream: Upstream = { error: undefined, decompression: null };
  const pumped = pump(tar, extract, counters, upstream, opts.maxUncompressedBytes);

  const onAbort = () => extract.destroy(abortedError(signal));
  signal?.addEventListener("abort", onAbort, { once: true });

  let entries = 0;
  let escapedPaths = 0;
  let batch: LayerEntry[] = [];
  // The entry whose body is being drained, so a stream that stops there can say where.
  let reading: Reading | null = null;
  try {
    for await (const body of extract) {
      throwIfAborted(signal);
      const header = body.header;
      // A directory never has a body in tar-stream (it parses the next header right away), and a directory
      // header with a non-zero size would leave `body` unended, so it must not be read.
      const expected = header.type === "directory" ? 0 : header.size;
      if (expected > 0) {
        reading = { name: header.name, expected, received: 0 };
        for await (const chunk of body as AsyncIterable<Uint8Array>) reading.received += chunk.byteLength;
        if (reading.received !== expected) throw truncatedInside(reading);
        reading = null;
      }

      const mapped = entryFromHeader({
        name: header.name,
        // tar-stream reports unknown typeflags as null although its types say otherwise.
        type: (header.type as string | null) ?? null,
        size: header.size,
        mode: header.mode,
        uid: paxNumber(header.pax, "uid") ?? header.uid,
        gid: paxNumber(header.pax, "gid") ?? header.gid,
        linkname: header.linkname ?? null,
      });
      if (!mapped) continue;
      if (mapped.escaped) escapedPaths++;
      entries++;
      if (maxEntries !== undefined && entries > maxEntries) {
        throw new LayerIndexError("too_many_entries", `layer has more than ${maxEntries} entries`);
      }
      batch.push(mapped.entry);
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        await opts.onBatch(full);
      }
    }
    // The tar may be complete while the compressed stream still has to prove itself (gzip CRC, zstd EOF):
    // the pump only ends extract after the decompressor ended cleanly, so waiting for it settles that.
    await pumped;
    if (batch.length > 0) await opts.onBatch(batch);
  } catch (error) {
    extract.destroy();
    const classified = classify(error, { upstreamError: upstream.error, counters, entries, reading });
    const fromTarParser = !(error instanceof LayerIndexError) && error !== upstream.error && classified instanceof LayerIndexError;
    if (compression !== "none" && fromTarParser) {
      const verdict = (async () => {
        await pumped;
        return upstream.decompression ?? (await verifyCompression(tar, counters));
      })();
      // Reading on waits for the source, which may stall: an abort must still end the call at once.
      throw (await untilAborted(signal, verdict)) ?? classified;
    }
    // Not awaited: a pending read of a stalled source must not hold up the error. Closing runs once it settles.
    tar.return?.().catch(() => {});
    throw classified;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return { entries, uncompressedBytes: counters.uncompressed, compressedBytes: counters.compressed, escapedPaths, compression };
}

type Upstream = {
  /** An error of the source itself, rethrown as is. */
  error: unknown;
  /** What the decompressor reported, kept even when tar-stream had already failed on the garbage before it. */
  decompression: LayerIndexError | null;
};

/** Feeds the decompressed tar into extract, honouring its backpressure; never rejects (errors destroy extract). */
async function pump(
  tar: AsyncIterator<Uint8Array>,
  extract: Extract,
  counters: Counters,
  upstream: Upstream,
  maxUncompressedBytes: number | undefined,
): Promise<void> {
  try {
    for (let next = await tar.next(); !next.done; next = await tar.next()) {
      // Extract was destroyed by the consumer, an abort or a parse error: stop pulling; the consumer closes tar.
      if (extract.destroying) return;
      counters.uncompressed += next.value.byteLength;
      // Checked before the bytes reach the parser: a gzip bomb stops within one decompressed chunk of the cap.
      if (maxUncompressedBytes !== undefined && counters.uncompressed > maxUncompressedBytes) {
        throw new LayerIndexError("too_large_uncompressed", `layer decompresses to more than ${maxUncompressedBytes} bytes`);
      }
      if (!extract.write(next.value)) await drained(extract);
    }
    if (!extract.destroying) extract.end(null);
  } catch (error) {
    const mapped = decompressionError(error);
    if (mapped instanceof LayerIndexError) upstream.decompression = mapped;
    else upstream.error = mapped;
    extract.destroy(mapped instanceof Error ? mapped : new Error(String(mapped)));
  }
}

// How much more of a compressed blob is read, after its tar failed to parse, to check the compression.
const VERIFY_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * A corrupt gzip/zstd block often decodes into garbage before the decompressor notices (gzip only checks its
 * CRC at the end), so tar-stream fails first with what looks like "not a tar". Reading on tells the two apart:
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

function drained(extract: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      extract.off("drain", done);
      extract.off("close", done);
      resolve();
    };
    extract.on("drain", done);
    extract.on("close", done);
  });
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
      const gunzip = createGunzip();
      // pipeline destroys gunzip with any source error, so iterating gunzip surfaces both kinds of failure.
      pipeline(Readable.from(sliced(chunks, GZIP_SLICE), { objectMode: false }), gunzip, () => {});
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
  const message = error instanceof Error ? error.message : String(error);
  if (code === ZSTD_UNEXPECTED_EOF) return new LayerIndexError("truncated", `zstd stream ends early: ${message}`, { cause: error });
  return new LayerIndexError("corrupt_compression", `invalid zstd data: ${message}`, { cause: error });
}

/** zlib failures become LayerIndexErrors; anything else came from the source and is returned unchanged. */
function decompressionError(error: unknown): unknown {
  if (error instanceof LayerIndexError) return error;
  const code = typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "Z_BUF_ERROR") return new LayerIndexError("truncated", `gzip stream ends early: ${message}`, { cause: error });
  if (typeof code === "string" && code.startsWith("Z_")) {
    return new LayerIndexError("corrupt_compression", `invalid gzip data: ${message}`, { cause: error });
  }
  return error;
}

type Reading = { name: string; expected: number; received: number };

function truncatedInside(reading: Reading, cause?: unknown): LayerIndexError {
  return new LayerIndexError("truncated", `layer ends inside "${reading.name}" after ${reading.received} of ${reading.expected} bytes`, {
    cause,
  });
}

/** Turns whatever ended the loop into what the caller should see. */
function classify(
  error: unknown,
  state: { upstreamError: unknown; counters: Counters; entries: number; reading: Reading | null },
): unknown {
  if (error instanceof LayerIndexError) return error;
  if (state.upstreamError !== undefined && error === state.upstreamError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // The remaining errors come from tar-stream's parser; its messages are the only thing to go by.
  if (message === "Unexpected end of data") {
    if (state.reading) return truncatedInside(state.reading, error);
    if (state.entries === 0 && state.counters.uncompressed < 512) {
      return new LayerIndexError("not_a_tar", `${state.counters.uncompressed} bytes are too short to be a tar archive`, { cause: error });
    }
    return new LayerIndexError("truncated", "layer ends with a partial 512-byte tar block", { cause: error });
  }
  if (message.startsWith("Invalid tar header") || message === "Invalid header" || message === "Header exceeds max size") {
    return new LayerIndexError("not_a_tar", `not a tar archive (after ${state.entries} entries): ${message}`, { cause: error });
  }
  return error;
}

/** PAX records override octal header fields too small for the value (uid > 2097151, …); tar-stream applies only path, linkpath and size. */
function paxNumber(pax: unknown, key: string): number | undefined {
  if (typeof pax !== "object" || pax === null) return undefined;
  const value = (pax as Record<string, unknown>)[key];
  if (typeof value !== "string" || !/^\d{1,30}$/.test(value)) return undefined;
  return Number(value); // beyond 2^53 the entry keeps -1 (see ownerId)
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
