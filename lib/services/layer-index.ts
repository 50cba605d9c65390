// Indexing a layer blob: stream it from the registry, list its tar entries into Postgres in
// batches, never write layer content anywhere. Runs as the layer-index job; one blob at a time.
import "server-only";
import { Readable } from "node:stream";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { type LayerEntry, LayerIndexError } from "../layers/entries";
import { indexLayerStream } from "../layers/tar-index";
import { logger } from "../log";
import { RegistryError } from "../registry/errors";
import { sharedRegistry } from "./registry";

const PROGRESS_EVERY_MS = 500;
// a "running" row this old belongs to a process that died mid-index
const STALE_RUNNING_MS = 60 * 60 * 1000;

function failureReason(e: unknown): string {
  if (e instanceof LayerIndexError) return `${e.reason}: ${e.message}`;
  if (e instanceof RegistryError) return `registry: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Layer blobs the index is waiting for, ready for the job: a row per digest (pending unless known). */
export async function markLayersPending(
  layers: { digest: string; mediaType: string; sizeBytes: number }[],
  repository: string,
): Promise<string[]> {
  const db = getDb();
  const max = getEnv().LAYER_INDEX_MAX_BYTES;
  const queue: string[] = [];
  for (const l of layers) {
    const row = await db.layerIndex.findUnique({ where: { digest: l.digest } });
    const stale = row?.status === "running" && Date.now() - row.updatedAt.getTime() > STALE_RUNNING_MS;
    if (row && row.status !== "failed" && !stale) {
      if (row.status === "pending") queue.push(l.digest);
      continue;
    }
    const tooBig = l.sizeBytes > max;
    const data = {
      status: tooBig ? "skipped" : "pending",
      error: tooBig ? `larger than LAYER_INDEX_MAX_BYTES (${l.sizeBytes} > ${max} bytes): not indexed` : null,
      mediaType: l.mediaType,
      compressedBytes: BigInt(l.sizeBytes),
      repository,
      bytesRead: 0n,
    };
    await db.layerIndex.upsert({
      where: { digest: l.digest },
      create: { digest: l.digest, ...data },
      update: { ...data, queuedAt: new Date() },
    });
    if (!tooBig) queue.push(l.digest);
  }
  return queue;
}

/** The job's work for one blob. Failures are recorded on the row (with a reason); they never throw. */
export async function indexLayerBlob(digest: string): Promise<void> {
  const db = getDb();
  const claimed = await db.layerIndex.updateMany({
    where: { digest, status: "pending" },
    data: { status: "running", startedAt: new Date(), error: null },
  });
  if (claimed.count === 0) return; // done, skipped, or another worker has it
  const row = await db.layerIndex.findUniqueOrThrow({ where: { digest } });
  const started = Date.now();
  let bytesRead = 0;
  let lastProgress = 0;
  let seq = 0;
  try {
    await db.layerFile.deleteMany({ where: { digest } }); // rows of an earlier failed attempt
    const { body } = await sharedRegistry().openBlob(row.repository, digest);
    const counted = Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>).on("data", (chunk: Buffer) => {
      bytesRead += chunk.length;
    });
    const result = await indexLayerStream(counted, {
      mediaType: row.mediaType,
      onBatch: async (entries: LayerEntry[]) => {
        await db.layerFile.createMany({
          data: entries.map((e) => ({
            digest,
            seq: seq++,
            path: e.path,
            type: e.type,
            size: BigInt(e.size),
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            linkTarget: e.linkTarget,
            whiteout: e.whiteout,
            opaque: e.opaque,
          })),
        });
        if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
          lastProgress = Date.now();
          await db.layerIndex.update({ where: { digest }, data: { bytesRead: BigInt(bytesRead) } });
        }
      },
    });
    await db.layerIndex.update({
      where: { digest },
      data: {
        status: "done",
        finishedAt: new Date(),
        bytesRead: BigInt(result.compressedBytes),
        uncompressedBytes: BigInt(result.uncompressedBytes),
        fileCount: result.entries,
        escapedPaths: result.escapedPaths,
        compression: result.compression,
      },
    });
    logger.info("layer indexed", { digest, entries: result.entries, ms: Date.now() - started });
  } catch (e) {
    const reason = failureReason(e);
    logger.warn("layer index failed", { digest, reason });
    await db.layerFile.deleteMany({ where: { digest } });
    await db.layerIndex.update({ where: { digest }, data: { status: "failed", error: reason.slice(0, 1000), finishedAt: new Date() } });
  }
}
