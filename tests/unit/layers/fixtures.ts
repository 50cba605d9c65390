// Real layer blobs built in memory: tar-stream's pack() for the tar, zlib for gzip, the zstd CLI (when the
// machine has it) or hand-made raw-block frames for zstd.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { type Header, pack } from "tar-stream";
import type { LayerEntry } from "../../../lib/layers/entries";
import { type IndexLayerOptions, indexLayerStream, type LayerIndexSummary, type LayerSource } from "../../../lib/layers/tar-index";

export type TarItem = {
  name: string;
  type?: Header["type"];
  content?: string | Uint8Array;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
  /** PAX records for the entry (e.g. a uid/gid too big for the octal header field). */
  pax?: Record<string, string>;
};

export async function makeTar(items: Iterable<TarItem>): Promise<Buffer> {
  const archive = pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of archive as AsyncIterable<Uint8Array>) chunks.push(chunk);
  })();
  for (const item of items) {
    const body = typeof item.content === "string" ? Buffer.from(item.content) : (item.content ?? Buffer.alloc(0));
    const { content: _, ...header } = item;
    await new Promise<void>((resolve, reject) => {
      archive.entry({ ...header, size: body.byteLength }, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  archive.finalize();
  await collected;
  return Buffer.concat(chunks);
}

export const gzip = (tar: Uint8Array): Buffer => gzipSync(tar);

export const ZSTD_BIN = "/usr/bin/zstd";
export const hasZstd = existsSync(ZSTD_BIN);

export function zstdCli(data: Uint8Array): Buffer {
  const run = spawnSync(ZSTD_BIN, ["-q", "-c", "-3"], { input: data, maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(`zstd failed: ${run.stderr.toString()}`);
  return run.stdout;
}

/**
 * A valid zstd frame made of raw (stored) blocks, written by hand from RFC 8878 so the zstd path is tested
 * even where the zstd CLI is missing: magic, a header with a 128 KiB window and no content size, then blocks.
 */
export function zstdRawFrame(data: Uint8Array, blockSize = 64 * 1024): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])];
  let offset = 0;
  do {
    const block = data.subarray(offset, offset + blockSize);
    offset += block.byteLength;
    const last = offset >= data.byteLength ? 1 : 0;
    const header = (block.byteLength << 3) | last; // block type 0 = raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), Buffer.from(block));
  } while (offset < data.byteLength);
  return Buffer.concat(parts);
}

/** Feeds a buffer in fixed-size chunks, the way a network body arrives. */
export async function* chunked(data: Uint8Array, size = 7919): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += size) yield data.subarray(offset, offset + size);
}

export type Indexed = LayerIndexSummary & { list: LayerEntry[]; batchSizes: number[] };

export async function indexAll(source: LayerSource | Uint8Array, opts: Partial<IndexLayerOptions> = {}): Promise<Indexed> {
  const list: LayerEntry[] = [];
  const batchSizes: number[] = [];
  const summary = await indexLayerStream(source instanceof Uint8Array ? chunked(source) : source, {
    ...opts,
    onBatch: async (batch) => {
      batchSizes.push(batch.length);
      list.push(...batch);
      await opts.onBatch?.(batch);
    },
  });
  return { ...summary, list, batchSizes };
}

/** A LayerEntry with the defaults tests rarely care about. */
export function entry(path: string, fields: Partial<LayerEntry> = {}): LayerEntry {
  const type = fields.type ?? "file";
  return {
    path,
    type,
    size: 0,
    mode: type === "dir" ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    linkTarget: null,
    whiteout: false,
    opaque: false,
    ...fields,
  };
}

export const file = (path: string, size: number, fields: Partial<LayerEntry> = {}) => entry(path, { size, ...fields });
export const dir = (path: string, fields: Partial<LayerEntry> = {}) => entry(path, { type: "dir", ...fields });
export const whiteout = (path: string) => entry(path, { type: "other", mode: 0o644, whiteout: true });
export const opaque = (path: string) => entry(path, { type: "dir", opaque: true });
