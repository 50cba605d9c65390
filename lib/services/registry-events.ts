// Registry notifications applied as events: the webhook stores pushes and deletes (idempotent by
// the registry's event id) and answers at once; the drain applies them in bounded batches, in
// event order, fetching a manifest only when its digest is new to the cache. The periodic full
// sync stays as the safety net for events that never arrived.
import "server-only";
import { createHash } from "node:crypto";
import { getDb } from "../db/client";
import { withAdvisoryLock } from "../db/locks";
import { logger } from "../log";
import { observe } from "../metrics";
import { MANIFEST_MEDIA_TYPES } from "../oci/media-types";
import { RegistryError } from "../registry/errors";
import { createLimiter } from "./limit";
import { sharedRegistry } from "./registry";
import { planEventBatch, type StoredEvent, tagKey } from "./sync-engine/event-plan";
import { createManifestCache } from "./sync-engine/manifest-cache";
import { cachedManifestDigests, refreshRepositoryAggregates } from "./sync-engine/store";

/** Events applied per transaction. */
export const EVENT_BATCH = 500;
/** Applied events and per-tag marks are kept this long (the registry's retries end well before). */
const KEEP_MS = 24 * 3600 * 1000;

export type IncomingEvent = {
  id?: string | undefined;
  timestamp?: string | undefined;
  action: string;
  target?:
    | { mediaType?: string | undefined; repository?: string | undefined; digest?: string | undefined; tag?: string | undefined }
    | undefined;
};

/** Store the pushes and deletes of an envelope; returns how many were new. */
export async function storeRegistryEvents(events: readonly IncomingEvent[], received = new Date()): Promise<number> {
  const rows = events.flatMap((e) => {
    const t = e.target;
    if ((e.action !== "push" && e.action !== "delete") || !t?.repository) return [];
    const at = e.timestamp ? new Date(e.timestamp) : received;
    const occurredAt = Number.isNaN(at.getTime()) ? received : at;
    // without an id (not sent by distribution, but allowed) the event's content identifies it
    const id =
      e.id ??
      `sha256:${createHash("sha256")
        .update(JSON.stringify([e.action, e.timestamp, t]))
        .digest("hex")}`;
    return [
      {
        id,
        action: e.action,
        repository: t.repository,
        tag: t.tag ?? null,
        digest: t.digest ?? null,
        mediaType: t.mediaType ?? null,
        occurredAt,
      },
    ];
  });
  let stored = 0;
  const db = getDb();
  for (let i = 0; i < rows.length; i += 1000) {
    stored += (await db.registryEvent.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true })).count;
  }
  return stored;
}

type Row = { repository: string; tag: string };

async function applyBatch(batch: StoredEvent[]): Promise<void> {
  const db = getDb();
  const registry = sharedRegistry();
  const cache = createManifestCache({ db, registry, counters: { manifestsFetched: 0, configsFetched: 0 }, limit: createLimiter(4) });

  // manifests of pushed tags: fetched only when the digest is new to the cache
  const pushed = batch.filter((e) => e.action === "push" && e.tag !== null && e.digest !== null);
  const wanted = [...new Set(pushed.map((e) => e.digest as string))];
  const available = await cachedManifestDigests(db, wanted);
  const fetchFrom = new Map<string, string>();
  for (const e of pushed) if (!available.has(e.digest as string)) fetchFrom.set(e.digest as string, e.repository);
  await Promise.all(
    [...fetchFrom].map(async ([digest, repository]) => {
      try {
        await cache.ensureManifest(repository, digest);
        available.add(digest);
      } catch (e) {
        // an unreachable registry leaves the batch for later; a manifest deleted since is skipped
        if (e instanceof RegistryError && (e.kind === "unreachable" || e.kind === "timeout")) throw e;
        logger.warn("registry event: manifest not stored", { repository, digest, error: String(e) });
      }
    }),
  );

  const tagPairs: Row[] = batch.filter((e) => e.tag !== null).map((e) => ({ repository: e.repository, tag: e.tag as string }));
  const digestDeletes = batch.filter((e) => e.action === "delete" && e.tag === null && e.digest !== null);
  const marks = new Map<string, number>();
  const cachedTags = new Map<string, string>();
  if (tagPairs.length) {
    const repos = tagPairs.map((p) => p.repository);
    const tags = tagPairs.map((p) => p.tag);
    const markRows = await db.$queryRaw<{ repository: string; tag: string; occurred_at: Date }[]>`
      SELECT m.repository, m.tag, m.occurred_at FROM tag_event_marks m
      JOIN unnest(${repos}::text[], ${tags}::text[]) AS x(repository, tag) ON m.repository = x.repository AND m.tag = x.tag`;
    for (const m of markRows) marks.set(tagKey(m.repository, m.tag), m.occurred_at.getTime());
    const tagRows = await db.$queryRaw<{ repository: string; tag: string; digest: string }[]>`
      SELECT r.name AS repository, t.name AS tag, t.digest FROM tags t
      JOIN repositories r ON r.id = t.repository_id
      JOIN unnest(${repos}::text[], ${tags}::text[]) AS x(repository, tag) ON r.name = x.repository AND t.name = x.tag`;
    for (const t of tagRows) cachedTags.set(tagKey(t.repository, t.tag), t.digest);
  }
  if (digestDeletes.length) {
    const repos = digestDeletes.map((e) => e.repository);
    const digests = digestDeletes.map((e) => e.digest as string);
    const tagRows = await db.$queryRaw<{ repository: string; tag: string; digest: string; occurred_at: Date | null }[]>`
      SELECT r.name AS repository, t.name AS tag, t.digest, m.occurred_at FROM tags t
      JOIN repositories r ON r.id = t.repository_id
      JOIN unnest(${repos}::text[], ${digests}::text[]) AS x(repository, digest) ON r.name = x.repository AND t.digest = x.digest
      LEFT JOIN tag_event_marks m ON m.repository = r.name AND m.tag = t.name`;
    for (const t of tagRows) {
      cachedTags.set(tagKey(t.repository, t.tag), t.digest);
      if (t.occurred_at) marks.set(tagKey(t.repository, t.tag), t.occurred_at.getTime());
    }
  }

  const plan = planEventBatch({
    events: batch,
    marks,
    cachedTags,
    manifestAvailable: (digest) => available.has(digest),
    isManifestMediaType: (mediaType) => MANIFEST_MEDIA_TYPES.includes(mediaType),
  });

  const newRepositories = [...new Set(plan.upserts.map((u) => u.repository))];
  const ids = [...plan.outcomes.keys()];
  const at = (ms: number) => new Date(ms).toISOString();
  await db.$transaction([
    db.repository.createMany({ data: newRepositories.map((name) => ({ name })), skipDuplicates: true }),
    db.$executeRaw`
      INSERT INTO tags (repository_id, name, digest, changed_at)
      SELECT r.id, x.tag, x.digest, (now() AT TIME ZONE 'UTC')::timestamp(3)
      FROM unnest(${plan.upserts.map((u) => u.repository)}::text[], ${plan.upserts.map((u) => u.tag)}::text[],
                  ${plan.upserts.map((u) => u.digest)}::text[]) AS x(repository, tag, digest)
      JOIN repositories r ON r.name = x.repository
      ON CONFLICT (repository_id, name) DO UPDATE SET digest = EXCLUDED.digest, changed_at = EXCLUDED.changed_at
      WHERE tags.digest <> EXCLUDED.digest`,
    db.$executeRaw`
      DELETE FROM tags t USING repositories r,
        unnest(${plan.deletes.map((d) => d.repository)}::text[], ${plan.deletes.map((d) => d.tag)}::text[]) AS x(repository, tag)
      WHERE t.repository_id = r.id AND r.name = x.repository AND t.name = x.tag`,
    db.$executeRaw`
      INSERT INTO tag_event_marks (repository, tag, occurred_at)
      SELECT x.repository, x.tag, (x.at::timestamptz AT TIME ZONE 'UTC')::timestamp(3)
      FROM unnest(${plan.marks.map((m) => m.repository)}::text[], ${plan.marks.map((m) => m.tag)}::text[],
                  ${plan.marks.map((m) => at(m.occurredAt))}::text[]) AS x(repository, tag, at)
      ON CONFLICT (repository, tag) DO UPDATE SET occurred_at = GREATEST(tag_event_marks.occurred_at, EXCLUDED.occurred_at)`,
    db.$executeRaw`
      UPDATE registry_events e SET applied_at = (now() AT TIME ZONE 'UTC')::timestamp(3), outcome = x.outcome
      FROM unnest(${ids}::text[], ${ids.map((id) => plan.outcomes.get(id) ?? null)}::text[]) AS x(id, outcome)
      WHERE e.id = x.id`,
  ]);
  const appliedAt = Date.now();
  observe((m) => {
    for (const e of batch) {
      m.eventsApplied.inc({ action: e.action });
      m.eventLag.observe(Math.max(0, appliedAt - e.occurredAt) / 1000);
    }
  });
  if (plan.repositories.size === 0) return;
  const touched = await db.repository.findMany({ where: { name: { in: [...plan.repositories] } }, select: { id: true } });
  for (const r of touched) await refreshRepositoryAggregates(db, r.id);
}

export type DrainResult = { applied: number; batches: number };

/**
 * Apply every stored, unapplied event, oldest first, in batches of `batchSize`. One drain runs at
 * a time across instances (advisory lock); returns null when another holds it (that one, or the
 * queued fallback job, picks up what was stored meanwhile).
 */
export async function drainRegistryEvents(batchSize = EVENT_BATCH): Promise<DrainResult | null> {
  const outcome = await withAdvisoryLock("events", async () => {
    const db = getDb();
    let applied = 0;
    let batches = 0;
    for (;;) {
      const rows = await db.registryEvent.findMany({
        where: { appliedAt: null },
        orderBy: [{ occurredAt: "asc" }, { receivedAt: "asc" }, { id: "asc" }],
        take: batchSize,
      });
      if (rows.length === 0) break;
      await applyBatch(
        rows.map((r) => ({
          id: r.id,
          action: r.action === "delete" ? "delete" : "push",
          repository: r.repository,
          tag: r.tag,
          digest: r.digest,
          mediaType: r.mediaType,
          occurredAt: r.occurredAt.getTime(),
        })),
      );
      applied += rows.length;
      batches++;
    }
    const before = new Date(Date.now() - KEEP_MS);
    await db.registryEvent.deleteMany({ where: { appliedAt: { lt: before } } });
    await db.tagEventMark.deleteMany({ where: { occurredAt: { lt: before } } });
    return { applied, batches };
  });
  return outcome.acquired ? outcome.result : null;
}
