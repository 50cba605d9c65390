// The registry's storage root as it is on disk (REGISTRY_STORAGE_ROOT, read-only is enough to look): usage per
// repository, orphaned blobs, leftover uploads, empty repositories, and where a manifest or blob lives. Removing an
// empty repository's folders needs the registry stopped or read-only.
//
// A scan reads every file of the root (2,600 blobs took 17 s on a network volume), so it never runs on a page
// visit: a background job (lib/jobs/handlers/storage-scan.ts) scans on demand and after each GC, stores the result
// with its time in storage_scans, and reports progress there while it runs. Pages show the last finished scan.
import "server-only";
import { AppError, errorMessage } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { QueuedJob } from "../contract/gc";
import type { LocateQuery, RemoveRepositoryBody, StorageLocation, StorageOverview } from "../contract/storage";
import { getDb } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { getEnv } from "../env";
import { enqueueStorageScan } from "../jobs/definitions";
import { logger } from "../log";
import { locateBlob, locateManifest } from "../storage/locate";
import { removeEmptyRepository } from "../storage/remove";
import { type ScanProgress, type StorageScan, scanStorage } from "../storage/scan";
import { auditActor, recordAudit } from "./audit";
import { probeRegistry } from "./registry";

/** How often a running scan writes its progress. */
const PROGRESS_EVERY_MS = 1000;

function storageRoot(): string {
  const root = getEnv().REGISTRY_STORAGE_ROOT;
  if (!root) {
    throw new AppError(
      "conflict",
      "REGISTRY_STORAGE_ROOT is not set: mount the registry's storage root (read-only is enough) and point it there",
    );
  }
  return root;
}

export type StorageScanTrigger = "manual" | "gc" | "startup";
const scanColumns = {
  id: true,
  status: true,
  trigger: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  progress: true,
  error: true,
} as const;
type ScanRow = Prisma.StorageScanGetPayload<{ select: typeof scanColumns }>;

function scanView(row: ScanRow) {
  return {
    id: row.id,
    status: row.status as "queued" | "running" | "succeeded" | "failed",
    trigger: row.trigger,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    progress: (row.progress ?? null) as ScanProgress | null,
    error: row.error,
  };
}

/** The last finished scan (with its time) and the newest scan job, which may be queued or running. */
export async function getStorageOverview(caller: Caller): Promise<StorageOverview> {
  authorize(caller, "gc:run");
  if (!getEnv().REGISTRY_STORAGE_ROOT) return { configured: false as const };
  const db = getDb();
  const [latest, done] = await Promise.all([
    db.storageScan.findFirst({ orderBy: { id: "desc" }, select: scanColumns }),
    db.storageScan.findFirst({ where: { status: "succeeded" }, orderBy: { id: "desc" } }),
  ]);
  const result = done?.result
    ? { ...(done.result as unknown as StorageScan), scannedAt: (done.finishedAt ?? done.createdAt).toISOString() }
    : null;
  return { configured: true as const, scan: latest ? scanView(latest) : null, result };
}

/**
 * Queues a scan unless one is queued or running already (checked under a transaction-scoped advisory lock, so
 * two instances never queue two). `created` says whether the caller must enqueue the job for `id`.
 */
export async function createStorageScan(trigger: StorageScanTrigger): Promise<{ id: number; created: boolean }> {
  storageRoot();
  return getDb().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7273404)`;
    const active = await tx.storageScan.findFirst({ where: { status: { in: ["queued", "running"] } }, orderBy: { id: "asc" } });
    if (active) return { id: active.id, created: false };
    const row = await tx.storageScan.create({ data: { status: "queued", trigger } });
    return { id: row.id, created: true };
  });
}

/** Queues a scan (or joins the one queued or running); returns its id. */
export async function queueStorageScan(trigger: StorageScanTrigger): Promise<number> {
  const { id, created } = await createStorageScan(trigger);
  if (created) await enqueueStorageScan(id);
  return id;
}

/** The scan a user asked for, queued in the background (or the one already queued or running). */
export async function requestStorageScan(caller: Caller): Promise<QueuedJob> {
  authorize(caller, "gc:run");
  return { id: await queueStorageScan("manual") };
}

/** The job: scans the root, writing progress while it walks and the result at the end. Never throws for a scan failure. */
export async function executeStorageScan(id: number): Promise<void> {
  const db = getDb();
  const claimed = await db.storageScan.updateMany({ where: { id, status: "queued" }, data: { status: "running", startedAt: new Date() } });
  if (claimed.count === 0) return;
  let lastWrite = 0;
  let writing: Promise<unknown> = Promise.resolve();
  try {
    const scan = await scanStorage(storageRoot(), {
      onProgress: (progress) => {
        const now = Date.now();
        if (now - lastWrite < PROGRESS_EVERY_MS && progress.phase !== "done") return;
        lastWrite = now;
        writing = writing
          .then(() => db.storageScan.update({ where: { id }, data: { progress: progress as unknown as Prisma.InputJsonValue } }))
          .catch(() => undefined);
      },
    });
    await writing;
    await db.storageScan.update({
      where: { id },
      data: { status: "succeeded", finishedAt: new Date(), result: scan as unknown as Prisma.InputJsonValue },
    });
    // older results are history nobody reads: keep the last few
    await db.storageScan.deleteMany({ where: { status: { in: ["succeeded", "failed"] }, id: { lt: id - 10 } } });
  } catch (e) {
    await writing;
    const message = errorMessage(e);
    logger.warn("storage scan failed", { id, error: message.slice(0, 500) });
    await db.storageScan.update({ where: { id }, data: { status: "failed", finishedAt: new Date(), error: message.slice(0, 4000) } });
  }
}

/** Scans left queued or running by a process that stopped are failed at start-up, so a new one can be queued. */
export async function failAbandonedStorageScans(): Promise<void> {
  await getDb().storageScan.updateMany({
    where: { status: { in: ["queued", "running"] } },
    data: { status: "failed", finishedAt: new Date(), error: "the process running it stopped" },
  });
}

/**
 * Where a manifest (with a repository) or a blob lives on disk, and whether the next garbage collection
 * deletes the blob: that takes every manifest in the root, so it comes from the last scan (with its time).
 */
export async function locateOnDisk(caller: Caller, q: LocateQuery): Promise<StorageLocation> {
  authorize(caller, "gc:run");
  const root = storageRoot();
  const blob = await locateBlob(root, q.digest);
  const manifest = q.repository ? await locateManifest(root, q.repository, q.digest) : null;
  const last = await getDb().storageScan.findFirst({
    where: { status: "succeeded" },
    orderBy: { id: "desc" },
    select: { id: true, finishedAt: true },
  });
  let gc: { orphan: boolean; scannedAt: string } | null = null;
  if (last) {
    const hit = await getDb().$queryRaw<{ orphan: boolean }[]>`
      SELECT (result -> 'orphanedBlobs') @> ${JSON.stringify([{ digest: q.digest }])}::jsonb AS orphan FROM storage_scans WHERE id = ${last.id}`;
    gc = { orphan: hit[0]?.orphan === true, scannedAt: (last.finishedAt ?? new Date()).toISOString() };
  }
  return { blob: { ...blob, gc }, manifest };
}

export async function removeEmptyRepositoryFolders(caller: Caller, body: RemoveRepositoryBody, ip: string | null) {
  authorize(caller, "gc:run");
  const root = storageRoot();
  // a registry that answers and was not declared read-only could be writing into the folder right now
  const stopped = !(await probeRegistry()).reachable;
  try {
    const result = await removeEmptyRepository(root, body.repository, { registryWritable: !(stopped || body.registryReadOnly) });
    await recordAudit({
      actor: auditActor(caller),
      action: "storage.remove-repository",
      target: body.repository,
      result: "success",
      ip,
      details: { removed: result.removed, bytes: result.bytes, registryStopped: stopped },
    });
    return result;
  } catch (e) {
    await recordAudit({
      actor: auditActor(caller),
      action: "storage.remove-repository",
      target: body.repository,
      result: "failure",
      ip,
      details: { error: errorMessage(e) },
    });
    throw e;
  }
}
