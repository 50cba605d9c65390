// Indexing a layer blob: stream it from the registry, list its tar entries into Postgres in
// batches, never write layer content anywhere. Runs as the layer-index job; one blob at a time.
import "server-only";
import { errorMessage } from "@/lib/errors";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { type LayerEntry, LayerIndexError, LIMIT_REASONS } from "../layers/entries";
import { indexLayerStream } from "../layers/tar-index";
import { logger } from "../log";
import { observe } from "../metrics";
import { RegistryError } from "../registry/errors";
import { sharedRegistry } from "./registry";

const PROGRESS_EVERY_MS = 500;
// entries per INSERT: fewer, larger statements (the indexer's default is 1000)
const INSERT_BATCH = 5000;
// a "running" row this old belongs to a process that died mid-index
const STALE_RUNNING_MS = 60 * 60 * 1000;

function failureReason(e: unknown): string {
  if (e instanceof LayerIndexError) return `${e.reason}: ${e.message}`;
  if (e instanceof RegistryError) return `registry: ${e.message}`;
  return errorMessage(e);
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
  queued.push(...(await layersWithoutContentDigests(BACKGROUND_BATCH)));
  return queued;
}

// a layer whose digest refresh failed (blob gone, registry down) is tried again after this long
const REFRESH_RETRY_MS = 24 * 60 * 60 * 1000;

/**
 * Layers of tagged images indexed before content digests were recorded (done, but their files have none):
 * the layer-index job re-reads them in the background (refreshContentDigests). At most `limit`.
 */
export async function layersWithoutContentDigests(limit: number): Promise<string[]> {
  const retryBefore = new Date(Date.now() - REFRESH_RETRY_MS);
  const rows = await getDb().$queryRaw<{ digest: string }[]>`
    WITH RECURSIVE reach(digest) AS (
      SELECT t.digest FROM tags t
      UNION
      SELECT ic.child_digest FROM index_children ic JOIN reach ON ic.index_digest = reach.digest WHERE NOT ic.attestation
    )
    SELECT DISTINCT li.digest
    FROM reach
    JOIN manifest_layers ml ON ml.manifest_digest = reach.digest
    JOIN layer_indexes li ON li.digest = ml.blob_digest
    WHERE li.status = 'done' AND NOT li.content_digests
      AND (li.refresh_started_at IS NULL OR li.refresh_started_at < ${retryBefore})
    ORDER BY li.digest
    LIMIT ${limit}`;
  return rows.map((r) => r.digest);
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
  if (claimed.count === 0) {
    // done (perhaps without content digests: then refresh them), skipped, or another worker has it
    await refreshContentDigests(digest);
    return;
  }
  const row = await db.layerIndex.findUniqueOrThrow({ where: { digest } });
  const env = getEnv();
  const started = Date.now();
  let bytesRead = 0;
  let lastProgress = 0;
  let seq = 0;
  let inserting: Promise<unknown> = Promise.resolve();
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
      batchSize: INSERT_BATCH,
      onBatch: async (entries: LayerEntry[]) => {
        // one statement per batch with the rows as one JSON parameter: Prisma walks every element of
        // array parameters (11 arrays of 5,000: ~0.25 s CPU per 20,000 rows warm, ~0.8 s in a fresh process),
        // while one string passes straight through and Postgres parses it natively. Pipelined: the parser goes on with the next batch while Postgres
        // writes this one (at most one insert in flight, so at most two batches in memory).
        const first = seq;
        seq += entries.length;
        const previous = inserting;
        inserting = db.$executeRaw`
          INSERT INTO layer_files (digest, seq, path, type, size, mode, uid, gid, link_target, whiteout, opaque, content_digest)
          SELECT ${digest}, r.s, r.p, r.t, r.z, r.m, r.u, r.g, r.l, r.w, r.o, r.c
          FROM jsonb_to_recordset(${batchJson(entries, first)}::jsonb)
            AS r(s int, p text, t text, z bigint, m int, u bigint, g bigint, l text, w boolean, o boolean, c text)`;
        inserting.catch(() => {}); // awaited below or after the stream; never an unhandled rejection
        await previous;
        if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
          lastProgress = Date.now();
          await db.layerIndex.update({ where: { digest }, data: { bytesRead: BigInt(bytesRead) } });
        }
      },
    });
    await inserting;
    await db.layerIndex.update({
      where: { digest },
      data: {
        status: "done",
        finishedAt: new Date(),
        bytesRead: BigInt(result.compressedBytes),
        uncompressedBytes: BigInt(result.uncompressedBytes),
        fileCount: result.entries,
        escapedPaths: result.escapedPaths,
        escapedNames: result.escapedNames,
        compression: result.compression,
        contentDigests: true,
      },
    });
    observe((m) => {
      m.layersIndexed.inc({ result: "done" });
      m.layerIndexBytes.inc(result.compressedBytes);
      m.layerIndexDuration.observe((Date.now() - started) / 1000);
    });
    logger.info("layer indexed", { digest, entries: result.entries, ms: Date.now() - started });
  } catch (e) {
    const reason = failureReason(e);
    // a limit of this instance (entries, decompressed bytes, bytes read) is not the blob's fault: skipped, and
    // not re-queued by a viewer's retry; a blob longer than declared, corrupt or missing has failed
    const status = e instanceof LayerIndexError && LIMIT_REASONS.has(e.reason) ? "skipped" : "failed";
    observe((m) => {
      m.layersIndexed.inc({ result: status });
      m.layerIndexBytes.inc(bytesRead);
    });
    logger.warn("layer index failed", { digest, reason, status });
    await inserting.catch(() => {}); // an insert still in flight must land before its rows are removed
    await db.layerFile.deleteMany({ where: { digest } });
    await db.layerIndex.update({
      where: { digest },
      data: { status, error: reason.slice(0, 1000), finishedAt: new Date(), bytesRead: BigInt(bytesRead) },
    });
  }
}

/**
 * One batch of rows as a JSON array for jsonb_to_recordset. Paths are valid UTF-16 (the tar parser decodes with
 * replacement characters), so JSON.stringify escapes only what JSON must; sizes and ids are safe integers.
 */
function batchJson(entries: LayerEntry[], first: number): string {
  return JSON.stringify(
    entries.map((e, i) => ({
      s: first + i,
      p: e.path,
      t: e.type,
      z: e.size,
      m: e.mode,
      u: e.uid,
      g: e.gid,
      l: e.linkTarget,
      w: e.whiteout,
      o: e.opaque,
      c: e.contentDigest ?? null,
    })),
  );
}

/** The stored rows are not what the blob lists (the parser changed since): only a full re-index will do. */
class RowsDiffer extends Error {}

/**
 * Adds content digests to the rows of a layer indexed before they were recorded, reading the blob once more
 * with the same streaming indexer. The rows stay in place (and the layer "done") throughout, so every view
 * keeps working; each batch's file rows get their digests in one UPDATE. Should the blob's entries no longer
 * match the rows, the layer is indexed from scratch instead. Other failures leave it as it was, to be tried
 * again a day later (refreshStartedAt).
 */
export async function refreshContentDigests(digest: string): Promise<void> {
  const db = getDb();
  const now = new Date();
  const claimed = await db.layerIndex.updateMany({
    where: {
      digest,
      status: "done",
      contentDigests: false,
      OR: [{ refreshStartedAt: null }, { refreshStartedAt: { lt: new Date(now.getTime() - STALE_RUNNING_MS) } }],
    },
    data: { refreshStartedAt: now },
  });
  if (claimed.count === 0) return;
  const row = await db.layerIndex.findUniqueOrThrow({ where: { digest } });
  const env = getEnv();
  const started = Date.now();
  let seq = 0;
  try {
    const { body } = await sharedRegistry().openBlob(row.repository, digest);
    const result = await indexLayerStream(body as unknown as AsyncIterable<Uint8Array>, {
      mediaType: row.mediaType,
      declaredBytes: Number(row.compressedBytes),
      maxBytes: env.LAYER_INDEX_MAX_BYTES,
      maxUncompressedBytes: env.LAYER_INDEX_MAX_UNCOMPRESSED_BYTES,
      maxEntries: env.LAYER_INDEX_MAX_ENTRIES,
      onBatch: async (entries: LayerEntry[]) => {
        const first = seq;
        seq += entries.length;
        const files = entries.flatMap((e, i) => (e.type === "file" && e.contentDigest ? [{ seq: first + i, e }] : []));
        if (files.length === 0) return;
        const updated = await db.$executeRaw`
          UPDATE layer_files f SET content_digest = u.content_digest
          FROM unnest(
            ${files.map((f) => f.seq)}::int[],
            ${files.map((f) => f.e.path)}::text[],
            ${files.map((f) => f.e.contentDigest)}::text[]
          ) AS u(seq, path, content_digest)
          WHERE f.digest = ${digest} AND f.seq = u.seq AND f.path = u.path AND f.type = 'file'`;
        if (updated !== files.length) throw new RowsDiffer(`${files.length - updated} of ${files.length} files have no matching row`);
      },
    });
    if (result.entries !== row.fileCount) throw new RowsDiffer(`${result.entries} entries, ${row.fileCount} rows`);
    await db.layerIndex.update({ where: { digest }, data: { contentDigests: true } });
    logger.info("layer content digests recorded", { digest, entries: result.entries, ms: Date.now() - started });
  } catch (e) {
    if (!(e instanceof RowsDiffer)) {
      logger.warn("layer content digests not recorded", { digest, reason: failureReason(e) });
      return;
    }
    logger.warn("layer rows differ from its blob: indexing it again", { digest, reason: e.message });
    await db.layerIndex.update({ where: { digest }, data: { status: "pending", queuedAt: new Date() } });
    await indexLayerBlob(digest);
  }
}
