// Garbage collection that frees the disk, safely. One run at a time in the whole cluster (a row check under a
// transaction-scoped advisory lock when queuing, a session advisory lock while running). A real run:
//   1. untagged — deletes untagged manifests through the registry API (found in the storage root), keeping the
//      children of tagged indexes and the referrers of kept manifests; never `--delete-untagged` (distribution#3178);
//   2. garbage-collect — the configured runner (exec / docker / webhook) with its read-only/stop hooks and restart;
//   3. resync — the cache follows the registry.
// A dry run only runs `garbage-collect --dry-run` and reports what is eligible and how many bytes that is.
import "server-only";
import { stat } from "node:fs/promises";
import { AppError, errorMessage } from "@/lib/errors";
import { type Caller, SYSTEM } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { GcOverview, GcRun, GcRunItem, QueuedJob } from "../contract/gc";
import { getDb } from "../db/client";
import { withAdvisoryLock } from "../db/locks";
import { getEnv } from "../env";
import { createGcRunner, GcOutputParser, type GcPhase, type GcProgress, type GcRunner } from "../gc";
import { HeadTailLog } from "../gc/log-buffer";
import { enqueueGc } from "../jobs/definitions";
import { logger } from "../log";
import { observe } from "../metrics";
import { plural } from "../oci/size";
import { nextRun } from "../retention/schedule";
import { BLOBS_DIR, blobDataPath, resolveInRoot } from "../storage/layout";
import { repositoriesLinking } from "../storage/links";
import { measureDirectory } from "../storage/scan";
import { findUntaggedManifests } from "../storage/untagged";
import { auditActor, recordAudit } from "./audit";
import { checkBlobPresence } from "./blob-presence";
import { cachedBlobSizes } from "./blob-usage";
import { DELETE_DISABLED, registryCapabilities } from "./deletions";
import { webhookMailbox } from "./gc-callback-mailbox";
import { sharedRegistry } from "./registry";
import { runSync } from "./sync";

const FLUSH_EVERY_MS = 500;
/** Items of each list a run's API answer carries (largest first); the counts are in `progress`. */
const ITEMS_LISTED = 1000;

type GcRow = Awaited<ReturnType<ReturnType<typeof getDb>["gcRun"]["findFirstOrThrow"]>>;

function toView(r: GcRow): GcRun {
  return {
    id: r.id,
    dryRun: r.dryRun,
    status: r.status as GcRun["status"],
    phase: r.phase,
    trigger: r.trigger,
    requestedBy: r.requestedBy,
    runner: r.runner,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    progress: {
      repositoriesMarked: r.repositoriesMarked,
      blobsMarked: r.blobsMarked,
      blobsEligible: r.blobsEligible,
      manifestsEligible: r.manifestsEligible,
      blobsDeleted: r.blobsDeleted,
      manifestsDeleted: r.manifestsDeleted,
      untaggedDeleted: r.untaggedDeleted,
    },
    bytesEligible: Number(r.bytesEligible),
    bytesFreed: Number(r.bytesFreed),
    error: r.error,
  };
}

/** The runner from the environment, or null with the reason the GC page shows. */
export function configuredRunner(): GcRunner | null {
  return createGcRunner(getEnv().gcRunner, { webhookMailbox });
}

export async function gcOverview(caller: Caller): Promise<GcOverview> {
  authorize(caller, "gc:run");
  const runner = configuredRunner();
  const env = getEnv();
  const runs = await getDb().gcRun.findMany({ orderBy: { id: "desc" }, take: 50 });
  return {
    configured: runner !== null,
    runner: runner?.describe() ?? null,
    schedule: env.GC_SCHEDULE ?? null,
    storageRoot: env.REGISTRY_STORAGE_ROOT !== undefined,
    items: runs.map(toView),
  };
}

export async function getGcRun(caller: Caller, id: number): Promise<GcRun> {
  authorize(caller, "gc:run");
  const db = getDb();
  const row = await db.gcRun.findUnique({ where: { id } });
  if (!row) throw new AppError("not_found", `no garbage collection run ${id}`);
  const items = async (action: "eligible" | "deleted"): Promise<GcRunItem[]> =>
    (
      await db.gcRunItem.findMany({
        where: { runId: id, action },
        orderBy: [{ bytes: { sort: "desc", nulls: "last" } }, { digest: "asc" }],
        take: ITEMS_LISTED,
      })
    ).map((i) => ({
      digest: i.digest,
      bytes: i.bytes === null ? null : Number(i.bytes),
      kind: i.kind as GcRunItem["kind"],
      repositories: i.repositories,
    }));
  const [eligible, deleted] = await Promise.all([items("eligible"), items("deleted")]);
  return { ...toView(row), log: row.log, eligible, deleted };
}

/** What the cache knows a blob as: a manifest, a layer, a config, or nothing (a blob it never saw). */
async function cachedKinds(digests: readonly string[]): Promise<Map<string, GcRunItem["kind"]>> {
  const out = new Map<string, GcRunItem["kind"]>();
  if (digests.length === 0) return out;
  const rows = await getDb().$queryRaw<{ digest: string; kind: GcRunItem["kind"] }[]>`
    SELECT d.digest,
      CASE WHEN EXISTS (SELECT 1 FROM manifests m WHERE m.digest = d.digest) THEN 'manifest'
           WHEN EXISTS (SELECT 1 FROM manifest_layers ml WHERE ml.blob_digest = d.digest) THEN 'layer'
           WHEN EXISTS (SELECT 1 FROM manifests m WHERE m.config_digest = d.digest) THEN 'config'
           ELSE 'blob' END AS kind
    FROM unnest(${digests as string[]}::text[]) AS d(digest)`;
  for (const r of rows) out.set(r.digest, r.kind);
  return out;
}

/** Repositories whose tags (in the cache) still reach each digest: the fallback without a storage root. */
async function cachedRepositories(digests: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (digests.length === 0) return out;
  const rows = await getDb().$queryRaw<{ blob: string; repositories: string[] }[]>`
    WITH RECURSIVE up(blob, digest) AS (
      SELECT d, d FROM unnest(${digests as string[]}::text[]) AS d
      UNION SELECT ml.blob_digest, ml.manifest_digest FROM manifest_layers ml WHERE ml.blob_digest = ANY(${digests as string[]}::text[])
      UNION SELECT m.config_digest, m.digest FROM manifests m WHERE m.config_digest = ANY(${digests as string[]}::text[])
      UNION SELECT up.blob, ic.index_digest FROM up JOIN index_children ic ON ic.child_digest = up.digest
    )
    SELECT up.blob, array_agg(DISTINCT r.name ORDER BY r.name) AS repositories
    FROM up JOIN tags t ON t.digest = up.digest JOIN repositories r ON r.id = t.repository_id GROUP BY up.blob`;
  for (const r of rows) out.set(r.blob, r.repositories);
  return out;
}

/**
 * Stores what a run reported: every eligible blob and manifest, and the blobs a real run deleted, with size,
 * kind and the repositories that last referenced them (their links in the storage root, else the cache).
 * `linking` comes from the storage root: GC deletes blob data, not the links to it.
 */
async function storeGcItems(id: number, progress: GcProgress, sizes: Map<string, number>, linking: Map<string, string[]>) {
  const db = getDb();
  const lists: { action: "eligible" | "deleted"; digests: string[]; manifests: boolean }[] = [
    { action: "eligible", digests: [...new Set(progress.eligibleBlobs)], manifests: false },
    { action: "eligible", digests: [...new Set(progress.eligibleManifests)], manifests: true },
    { action: "deleted", digests: [...new Set(progress.deletedBlobs)], manifests: false },
  ];
  const all = [...new Set(lists.flatMap((l) => l.digests))];
  const [kinds, cached] = await Promise.all([cachedKinds(all), cachedRepositories(all)]);
  const seen = new Set<string>();
  const rows = lists.flatMap((l) =>
    l.digests
      .filter((digest) => {
        const key = `${l.action} ${digest}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((digest) => ({
        runId: id,
        action: l.action,
        digest,
        kind: l.manifests ? "manifest" : (kinds.get(digest) ?? "blob"),
        bytes: sizes.has(digest) ? BigInt(sizes.get(digest) as number) : null,
        repositories: linking.get(digest) ?? cached.get(digest) ?? [],
      })),
  );
  for (let i = 0; i < rows.length; i += 1000) await db.gcRunItem.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true });
}

/**
 * Queues a run unless one is queued or running (anywhere: the check runs under an advisory transaction lock).
 * Returns the new run's id; the caller enqueues the job.
 */
export async function createGcRun(caller: Caller, dryRun: boolean, trigger: "manual" | "schedule", ip: string | null) {
  authorize(caller, "gc:run");
  const runner = configuredRunner();
  if (!runner) {
    throw new AppError(
      "conflict",
      "Garbage collection is not configured: set GC_RUNNER=exec|docker|webhook (see docs/registry-setup.md#garbage-collection)",
    );
  }
  const db = getDb();
  const outcome = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7273403)`;
    const active = await tx.gcRun.findFirst({ where: { status: { in: ["queued", "running"] } }, orderBy: { id: "asc" } });
    if (active) return { conflict: active.id } as const;
    const row = await tx.gcRun.create({
      data: {
        dryRun,
        status: "queued",
        trigger,
        runner: runner.describe(),
        requestedBy: caller.kind === "user" ? caller.username : caller.kind,
      },
    });
    return { id: row.id } as const;
  });
  if ("conflict" in outcome) {
    throw new AppError("conflict", `garbage collection run ${outcome.conflict} is already queued or running`, { id: outcome.conflict });
  }
  await recordAudit({
    actor: auditActor(caller),
    action: dryRun ? "gc.dry-run.start" : "gc.start",
    target: `gc/${outcome.id}`,
    result: "success",
    ip,
    details: { id: outcome.id, runner: runner.describe(), trigger },
  });
  return { id: outcome.id };
}

/** A run an admin asked for: created (see createGcRun) and queued for the job worker. */
export async function startGcRun(caller: Caller, dryRun: boolean, ip: string | null): Promise<QueuedJob> {
  const run = await createGcRun(caller, dryRun, "manual", ip);
  await enqueueGc(run.id);
  return run;
}

/** Sizes of blobs by digest: from the storage root when mounted, else from the cache (layers, configs, manifests). */
async function blobSizes(digests: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (digests.length === 0) return sizes;
  const root = getEnv().REGISTRY_STORAGE_ROOT;
  if (root) {
    for (const d of digests) {
      try {
        sizes.set(d, (await stat(resolveInRoot(root, blobDataPath(d)))).size);
      } catch {
        // gone already, or not a sha256 blob: fall back to the cache below
      }
    }
  }
  const missing = digests.filter((d) => !sizes.has(d));
  for (const [d, bytes] of await cachedBlobSizes(getDb(), missing)) sizes.set(d, bytes);
  return sizes;
}

async function blobsDirBytes(): Promise<number | null> {
  const root = getEnv().REGISTRY_STORAGE_ROOT;
  if (!root) return null;
  try {
    return (await measureDirectory(resolveInRoot(root, BLOBS_DIR))).bytes;
  } catch {
    return null;
  }
}

/** The job: runs run `id` to the end, recording progress and log as it goes. Never throws for a GC failure. */
export async function executeGcRun(id: number): Promise<void> {
  const db = getDb();
  const outcome = await withAdvisoryLock("gc", async () => {
    const row = await db.gcRun.findUnique({ where: { id } });
    if (row?.status !== "queued") return;
    const runner = configuredRunner();
    const log = new HeadTailLog();
    let progress: GcProgress | null = null;
    let phase = "starting";
    let lastFlush = 0;
    const parser = new GcOutputParser();
    const append = (line: string) => log.push(line);
    const flush = async (force = false) => {
      if (!force && Date.now() - lastFlush < FLUSH_EVERY_MS) return;
      lastFlush = Date.now();
      const p = progress ?? parser.snapshot();
      await db.gcRun.update({
        where: { id },
        data: {
          phase,
          log: log.text(),
          repositoriesMarked: p.repositoriesMarked,
          blobsMarked: p.blobsMarked,
          blobsEligible: p.blobsEligible,
          manifestsEligible: p.manifestsEligible,
          blobsDeleted: p.blobsDeleted,
          manifestsDeleted: p.manifestsDeleted,
        },
      });
    };
    const setPhase = async (p: string) => {
      phase = p;
      append(`── ${p}`);
      await flush(true);
    };
    await db.gcRun.update({ where: { id }, data: { status: "running", startedAt: new Date(), phase } });

    try {
      if (!runner) throw new Error("garbage collection is not configured (GC_RUNNER)");
      const before = row.dryRun ? null : await blobsDirBytes();

      if (!row.dryRun) {
        // a registry that refuses deletes has nothing GC may free (and the untagged phase would fail half-way)
        const anyRepository = await db.repository.findFirst({ orderBy: { name: "asc" }, select: { name: true } });
        if (anyRepository && (await registryCapabilities(anyRepository.name)).deleteEnabled === false) throw new Error(DELETE_DISABLED);
        await setPhase("untagged");
        const root = getEnv().REGISTRY_STORAGE_ROOT;
        if (!root) {
          append("REGISTRY_STORAGE_ROOT is not set: untagged manifests cannot be listed, so only blobs no manifest references are freed");
        } else {
          const untagged = await findUntaggedManifests(root);
          append(`${plural(untagged.length, "untagged manifest")} to delete through the registry API`);
          let deleted = 0;
          for (const u of untagged) {
            try {
              await sharedRegistry().deleteManifest(u.repository, u.digest);
              deleted++;
              append(`deleted untagged ${u.repository}@${u.digest}`);
            } catch (e) {
              append(`could not delete untagged ${u.repository}@${u.digest}: ${errorMessage(e)}`);
            }
          }
          await db.gcRun.update({ where: { id }, data: { untaggedDeleted: deleted } });
        }
      }

      await setPhase(row.dryRun ? "garbage-collect (dry run)" : "garbage-collect");
      const result = await runner.run({
        dryRun: row.dryRun,
        onLine: (line, stream) => {
          parser.push(line, stream);
          append(line);
          void flush().catch(() => undefined);
        },
        onPhase: (p: GcPhase) => {
          phase = p;
          append(`── ${p}`);
        },
      });
      progress = parser.snapshot();
      // after a real run the deleted blobs are gone from disk: their sizes then come from the cache (an estimate);
      // what a real run freed is measured on disk below
      const eligible = await blobSizes(progress.eligibleBlobs);
      const bytesEligible = [...eligible.values()].reduce((s, b) => s + b, 0);
      const listed = [...new Set([...progress.eligibleBlobs, ...progress.eligibleManifests, ...progress.deletedBlobs])];
      const root = getEnv().REGISTRY_STORAGE_ROOT;
      const linking = root ? await repositoriesLinking(root, listed).catch(() => new Map<string, string[]>()) : new Map<string, string[]>();
      const sizes = new Map([...(await blobSizes(listed.filter((d) => !eligible.has(d)))), ...eligible]);
      await storeGcItems(id, progress, sizes, linking);
      if (result.exitCode !== 0) throw new Error(result.error ?? `garbage-collect failed in ${result.failedPhase ?? "a phase"}`);
      if (progress.failure) throw new Error(progress.failure);

      let bytesFreed = 0;
      if (!row.dryRun) {
        const after = await blobsDirBytes();
        bytesFreed = before !== null && after !== null ? Math.max(0, before - after) : bytesEligible;
        await setPhase("resync");
        await runSync("manual").catch((e: unknown) => append(`resync failed: ${errorMessage(e)}`));
        // GC deletes what no manifest references; a manifest the cache still has may have lost a blob with it
        const presence = await checkBlobPresence({ all: true }).catch((e: unknown) => {
          append(`blob presence check failed: ${errorMessage(e)}`);
          return null;
        });
        if (presence && presence.missing > 0)
          append(`${plural(presence.missing, "blob")} that cached manifests need ${presence.missing === 1 ? "is" : "are"} missing`);
      }
      phase = "done";
      await flush(true);
      await db.gcRun.update({
        where: { id },
        data: { status: "succeeded", finishedAt: new Date(), bytesEligible: BigInt(bytesEligible), bytesFreed: BigInt(bytesFreed) },
      });
      observe((m) => {
        m.gcRuns.inc({ status: row.dryRun ? "dry-run" : "succeeded" });
        m.gcBytesFreed.inc(bytesFreed);
      });
      await recordAudit({
        actor: { id: null, name: row.requestedBy ?? "system" },
        action: row.dryRun ? "gc.dry-run" : "gc.run",
        target: `gc/${id}`,
        result: "success",
        details: { id, blobsEligible: progress.blobsEligible, blobsDeleted: progress.blobsDeleted, bytesEligible, bytesFreed },
      });
    } catch (e) {
      const message = errorMessage(e);
      append(`failed: ${message}`);
      logger.warn("garbage collection failed", { id, error: message.slice(0, 500) });
      await flush(true).catch(() => undefined);
      await db.gcRun.update({ where: { id }, data: { status: "failed", finishedAt: new Date(), error: message.slice(0, 4000) } });
      observe((m) => m.gcRuns.inc({ status: "failed" }));
      await recordAudit({
        actor: { id: null, name: row.requestedBy ?? "system" },
        action: row.dryRun ? "gc.dry-run" : "gc.run",
        target: `gc/${id}`,
        result: "failure",
        details: { id, error: message.slice(0, 1000) },
      }).catch(() => undefined);
    }
  });
  if (!outcome.acquired) {
    // another instance holds the GC lock: this run waits for the next attempt of its job
    throw new Error(`garbage collection ${id}: another run holds the lock`);
  }
}

/** Runs left "running" by a process that died are failed at start-up (their lock went with the process). */
export async function failAbandonedGcRuns(): Promise<void> {
  // while another instance holds the lock, its "running" row is alive: leave it
  await withAdvisoryLock("gc", () =>
    getDb().gcRun.updateMany({
      where: { status: "running" },
      data: { status: "failed", finishedAt: new Date(), error: "the process running it stopped" },
    }),
  );
}

/**
 * GC_SCHEDULE: queues a real run when the schedule's next time after the last scheduled run (or after this
 * process started, the first time) has passed. Returns the queued run's id, or null.
 */
const startedAt = new Date();
export async function queueScheduledGc(now: Date): Promise<number | null> {
  const schedule = getEnv().GC_SCHEDULE;
  if (!schedule || !configuredRunner()) return null;
  const last = await getDb().gcRun.findFirst({ where: { trigger: "schedule" }, orderBy: { id: "desc" } });
  if (nextRun(schedule, last?.createdAt ?? startedAt) > now) return null;
  try {
    return (await createGcRun(SYSTEM, false, "schedule", null)).id;
  } catch (e) {
    if (e instanceof AppError && e.code === "conflict") return null; // one is running: the next tick tries again
    throw e;
  }
}
