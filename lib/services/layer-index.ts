// Indexing a layer blob: stream it from the registry, list its tar entries into Postgres in
// batches, never write layer content anywhere. Runs as the layer-index job; one blob at a time.
import "server-only";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { type LayerEntry, LayerIndexError, LIMIT_REASONS } from "../layers/entries";
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

const BACKGROUND_BATCH = 2000;

/**
 * After a sync: queue every layer of a tagged image (index children included, attestations not) that
 * has no index row yet, so new tags are inspected before anyone opens them. Returns the digests to enqueue.
 */
export async function queueUnindexedLayers(): Promise<string[]> {
  const rows = await getDb().$queryRaw<{ digest: string; media_type: string; size_bytes: bigint; repository: string }[]>`
    WITH RECURSIVE reach(digest, repository) AS (
      SELECT t.digest, r.name FROM tags t JOIN repositories r ON r.id = t.repository_id
      UNION
      SELECT ic.child_digest, reach.repository FROM index_children ic JOIN reach ON ic.index_digest = reach.digest WHERE NOT ic.attestation
    )
    SELECT DISTINCT ON (ml.blob_digest) ml.blob_digest AS digest, ml.media_type, ml.size_bytes, reach.repository
    FROM reach
    JOIN manifests m ON m.digest = reach.digest AND m.kind = 'image'
    JOIN manifest_layers ml ON ml.manifest_digest = m.digest
    WHERE NOT EXISTS (SELECT 1 FROM layer_indexes li WHERE li.digest = ml.blob_digest)
    ORDER BY ml.blob_digest, reach.repository
    LIMIT ${BACKGROUND_BATCH}`;
  const byRepository = new Map<string, { digest: string; mediaType: string; sizeBytes: number }[]>();
  for (const r of rows) {
    const list = byRepository.get(r.repository) ?? [];
    list.push({ digest: r.digest, mediaType: r.media_type, sizeBytes: Number(r.size_bytes) });
    byRepository.set(r.repository, list);
  }
  const queued: string[] = [];
  for (const [repository, layers] of byRepository) queued.push(...(await markLayersPending(layers, repository)));
  return queued;
}

/** A failed layer a caller asked to re-queue again too soon. */
export type RefusedRequeue = { digest: string; retryAfterSeconds: number };

export type MarkPendingOptions = {
  /**
   * Re-queue a failed (or stale running) layer at most once per this many seconds, counted in Postgres so it
   * holds across instances; layers refused are added to `refused`. Without it (background jobs) no limit.
   */
  retryWindowSeconds?: number;
  refused?: RefusedRequeue[];
};

/** Layer blobs the index is waiting for, ready for the job: a row per digest (pending unless known). */
export async function markLayersPending(
  layers: { digest: string; mediaType: string; sizeBytes: number }[],
  repository: string,
  opts: MarkPendingOptions = {},
): Promise<string[]> {
  const db = getDb();
  const max = getEnv().LAYER_INDEX_MAX_BYTES;
  const queue: string[] = [];
  const known = new Map(
    (await db.layerIndex.findMany({ where: { digest: { in: layers.map((l) => l.digest) } } })).map((r) => [r.digest, r]),
  );
  for (const l of layers) {
    const row = known.get(l.digest);
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
    if (row && opts.retryWindowSeconds !== undefined && opts.retryWindowSeconds > 0) {
      // One conditional UPDATE: of two instances re-queueing at once, Postgres lets exactly one through.
      const now = new Date();
      const cutoff = new Date(now.getTime() - opts.retryWindowSeconds * 1000);
      const requeued = await db.layerIndex.updateMany({
        where: { digest: l.digest, status: row.status, OR: [{ requeuedAt: null }, { requeuedAt: { lt: cutoff } }] },
        data: { ...data, queuedAt: now, requeuedAt: now },
      });
      if (requeued.count === 0) {
        const current = await db.layerIndex.findUnique({ where: { digest: l.digest } });
        if (current?.status === "pending") queue.push(l.digest); // someone else re-queued it just now
        const last = current?.requeuedAt?.getTime() ?? now.getTime();
        const retryAfterSeconds = Math.max(1, Math.ceil((last + opts.retryWindowSeconds * 1000 - now.getTime()) / 1000));
        opts.refused?.push({ digest: l.digest, retryAfterSeconds });
        continue;
      }
      known.set(l.digest, { ...row, ...data, queuedAt: now, requeuedAt: now });
      if (!tooBig) queue.push(l.digest);
      continue;
    }
    const saved = await db.layerIndex.upsert({
      where: { digest: l.digest },
      create: { digest: l.digest, ...data },
      update: { ...data, queuedAt: new Date() },
    });
    known.set(l.digest, saved); // a blob listed twice in one image is not reset by its second listing
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
  const env = getEnv();
  const started = Date.now();
  let bytesRead = 0;
  let lastProgress = 0;
  let seq = 0;
  try {
    await db.layerFile.deleteMany({ where: { digest } }); // rows of an earlier failed attempt
    const { body } = await sharedRegistry().openBlob(row.repository, digest);
    // counted on the way through, pulled chunk by chunk (the indexer's backpressure reaches the socket); when
    // the indexer stops early the loop's return cancels the body, so the rest is never downloaded
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        bytesRead += chunk.byteLength;
        yield chunk;
      }
    }
    const result = await indexLayerStream(counted(), {
      mediaType: row.mediaType,
      // the manifest's number, checked on the bytes read: a blob may not be longer than it said
      declaredBytes: Number(row.compressedBytes),
      maxBytes: env.LAYER_INDEX_MAX_BYTES,
      maxUncompressedBytes: env.LAYER_INDEX_MAX_UNCOMPRESSED_BYTES,
      maxEntries: env.LAYER_INDEX_MAX_ENTRIES,
      onBatch: async (entries: LayerEntry[]) => {
        // one statement per batch with a column array each (unnest): far cheaper than binding
        // eleven parameters per row
        const first = seq;
        seq += entries.length;
        await db.$executeRaw`
          INSERT INTO layer_files (digest, seq, path, type, size, mode, uid, gid, link_target, whiteout, opaque)
          SELECT ${digest}, * FROM unnest(
            ${entries.map((_, i) => first + i)}::int[],
            ${entries.map((e) => e.path)}::text[],
            ${entries.map((e) => e.type)}::text[],
            ${entries.map((e) => e.size)}::bigint[],
            ${entries.map((e) => e.mode)}::int[],
            ${entries.map((e) => e.uid)}::bigint[],
            ${entries.map((e) => e.gid)}::bigint[],
            ${entries.map((e) => e.linkTarget)}::text[],
            ${entries.map((e) => e.whiteout)}::boolean[],
            ${entries.map((e) => e.opaque)}::boolean[]
          )`;
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
    // a limit of this instance (entries, decompressed bytes, bytes read) is not the blob's fault: skipped, and
    // not re-queued by a viewer's retry; a blob longer than declared, corrupt or missing has failed
    const status = e instanceof LayerIndexError && LIMIT_REASONS.has(e.reason) ? "skipped" : "failed";
    logger.warn("layer index failed", { digest, reason, status });
    await db.layerFile.deleteMany({ where: { digest } });
    await db.layerIndex.update({
      where: { digest },
      data: { status, error: reason.slice(0, 1000), finishedAt: new Date(), bytesRead: BigInt(bytesRead) },
    });
  }
}
