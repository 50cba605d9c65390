import "server-only";
import { errorMessage } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { SyncRequestResult, SyncRunSummary, SyncStatus } from "../contract/sync";
import { getDb } from "../db/client";
import { isLockHeld, withAdvisoryLock } from "../db/locks";
import { getEnv } from "../env";
import { enqueueSync, type SyncJobTrigger, syncJob } from "../jobs/definitions";
import { logger } from "../log";
import { observe } from "../metrics";
import { storageTagDigests } from "../storage/catalog";
import { createAdaptiveLimiter } from "./limit";
import { probeRegistry, recordRegistryStatus, registryClient } from "./registry";
import { type SyncCounters, syncRegistry } from "./sync-engine/engine";

/** What started a sync: the job payload's trigger (lib/jobs/definitions.ts). */
export type SyncTrigger = SyncJobTrigger;

type RunRow = Awaited<ReturnType<typeof loadRun>>;

function loadRun(id: number) {
  return getDb().syncRun.findUniqueOrThrow({ where: { id }, include: { errors: { take: 100, orderBy: { id: "asc" } } } });
}

function toSummary(run: NonNullable<RunRow>): SyncRunSummary {
  return {
    id: run.id,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    status: run.status as SyncRunSummary["status"],
    repositories: run.repositoriesDone,
    repositoriesTotal: run.repositoriesTotal,
    tags: run.tags,
    manifestsFetched: run.manifestsFetched,
    configsFetched: run.configsFetched,
    manifestHeads: run.manifestHeads,
    requests: run.requests,
    errors: run.errors.map((e) => ({ repository: e.repository, code: e.code, message: e.message })),
  };
}

/** The mounted storage root as the sync's source of tags (SYNC_FROM_STORAGE), if there is one. */
function storageSource() {
  const { REGISTRY_STORAGE_ROOT: root, SYNC_FROM_STORAGE: enabled } = getEnv();
  if (!root || !enabled) return undefined;
  return { tagDigests: (repository: string) => storageTagDigests(root, repository) };
}

/**
 * Run one sync now, unless another process or job already runs one (Postgres advisory lock).
 * Returns null when another run holds the lock.
 */
export async function runSync(trigger: SyncTrigger): Promise<SyncRunSummary | null> {
  const outcome = await withAdvisoryLock("sync", async () => {
    const db = getDb();
    // a run that was "running" when its process died never finished
    await db.syncRun.updateMany({
      where: { status: "running" },
      data: { status: "failed", finishedAt: new Date(), message: "interrupted (the process running it stopped)" },
    });
    const run = await db.syncRun.create({ data: { trigger, status: "running" } });
    const started = performance.now();
    const finished = (status: string) =>
      observe((m) => {
        m.syncDuration.observe({ status }, (performance.now() - started) / 1000);
        m.syncRegistryRequests.inc(requests);
      });
    let requests = 0;
    let reachedRegistry = false;
    // the registry's capacity, found as the run goes: wider while answers stay fast, halved on 429/503
    const concurrency = getEnv().SYNC_CONCURRENCY;
    const adaptive = createAdaptiveLimiter({ initial: concurrency, min: 1, max: Math.min(64, concurrency * 4) });
    const registry = registryClient({
      onRequest: (e) => {
        requests++;
        adaptive.observe(e.status, e.durationMs);
        if (e.status !== null) reachedRegistry = true;
      },
    });
    let lastSaved = 0;
    const save = async (c: SyncCounters, force = false) => {
      if (!force && Date.now() - lastSaved < 500) return;
      lastSaved = Date.now();
      await db.syncRun.update({ where: { id: run.id }, data: { ...c, requests } });
    };
    try {
      const result = await syncRegistry({
        db,
        registry,
        concurrency,
        requestLimiter: adaptive.limit,
        batchSize: getEnv().SYNC_TAG_BATCH,
        storage: storageSource(),
        onProgress: (c) => save(c),
      });
      await db.syncRun.update({
        where: { id: run.id },
        data: {
          ...result.counters,
          requests,
          status: result.status,
          finishedAt: new Date(),
          errors: { createMany: { data: result.errors.slice(0, 1000) } },
        },
      });
      const catalogFailed = result.errors.some((e) => e.repository === null);
      await recordRegistryStatus({
        reachable: reachedRegistry && !catalogFailed,
        checkedAt: new Date(),
        error: catalogFailed ? (result.errors.find((e) => e.repository === null)?.message ?? null) : null,
      });
      finished(result.status);
      logger.info("sync finished", { run: run.id, status: result.status, ...result.counters, requests });
    } catch (e) {
      await db.syncRun.update({
        where: { id: run.id },
        data: { status: "failed", finishedAt: new Date(), requests, message: errorMessage(e) },
      });
      finished("failed");
      logger.error("sync failed", { run: run.id, error: String(e) });
    }
    return toSummary(await loadRun(run.id));
  });
  return outcome.acquired ? outcome.result : null;
}

export async function isSyncRunning(): Promise<boolean> {
  return isLockHeld("sync");
}

/**
 * When a sync job waits in the queue, due now (a scheduled one waiting for its time does not count): the
 * header says "queued" from the click until a worker picks it up. Read from pg-boss's job table; null when
 * the queue has not been created yet.
 */
async function syncQueuedAt(): Promise<Date | null> {
  try {
    const rows = await getDb().$queryRaw<{ created: Date }[]>`
      SELECT created_on AS created FROM pgboss.job
      WHERE name = ${syncJob.name} AND state IN ('created', 'retry') AND start_after <= now()
      ORDER BY created_on LIMIT 1`;
    return rows[0]?.created ?? null;
  } catch {
    return null; // no pgboss schema yet: nothing queued
  }
}

export async function getSyncStatus(caller: Caller): Promise<SyncStatus> {
  authorize(caller, "repository:read");
  const db = getDb();
  const [running, current, lastRun, lastSuccess, probe, queuedAt] = await Promise.all([
    isSyncRunning(),
    db.syncRun.findFirst({ where: { status: "running" }, orderBy: { id: "desc" }, include: { errors: { take: 100 } } }),
    db.syncRun.findFirst({ where: { status: { not: "running" } }, orderBy: { id: "desc" }, include: { errors: { take: 100 } } }),
    db.syncRun.findFirst({ where: { status: { in: ["succeeded", "partial"] } }, orderBy: { id: "desc" } }),
    probeRegistry(),
    syncQueuedAt(),
  ]);
  const status = await db.registryStatus.findUnique({ where: { id: 1 } });
  return {
    running,
    queued: !running && queuedAt !== null,
    current: running && current ? toSummary(current) : null,
    lastRun: lastRun ? toSummary(lastRun) : null,
    lastSuccessAt: (lastSuccess?.finishedAt ?? null)?.toISOString() ?? null,
    registry: {
      reachable: probe.reachable,
      checkedAt: probe.checkedAt.toISOString(),
      lastSuccessAt: status?.lastSuccessAt?.toISOString() ?? null,
      error: probe.error,
    },
    registryUrl: new URL(getEnv().REGISTRY_URL).origin,
  };
}

/** Ask for a sync now. Starts nothing when one is already running (the caller shows it instead). */
export async function requestSync(caller: Caller): Promise<SyncRequestResult> {
  authorize(caller, "sync:run");
  if (await isSyncRunning()) return { started: false, running: true, queued: false, jobId: null };
  const jobId = await enqueueSync("manual");
  // null: a manual request already waits (the queue keeps one per trigger): still queued
  return { started: jobId !== null, running: false, queued: true, jobId };
}
