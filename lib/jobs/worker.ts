import "server-only";
import { logger } from "../log";
import { failAbandonedGcRuns } from "../services/gc";
import { failAbandonedStorageScans } from "../services/storage";
import { gcJob } from "./gc";
import { layerIndexJob } from "./layer-index";
import { stopBoss, work } from "./queue";
import { registryEventsJob } from "./registry-events";
import { retentionJob, retentionTickJob, scheduleRetentionTick } from "./retention";
import { storageScanJob } from "./storage-scan";
import { enqueueSync, scheduleNextSync, syncJob } from "./sync";

export type WorkerState = "starting" | "running" | "failed" | "stopping" | "stopped";

const globalForWorker = globalThis as unknown as { layerscopeWorker?: Promise<void>; layerscopeWorkerState?: WorkerState };

/** This process's job workers: undefined when they were never started here (LAYERSCOPE_WORKERS=false). */
export function workerState(): WorkerState | undefined {
  return globalForWorker.layerscopeWorkerState;
}

/**
 * On shutdown: stop taking jobs, let running ones finish for up to `timeoutMs` (the rest are failed and so
 * retried by another instance or the next start), close the queue for good.
 */
export async function stopWorkers(timeoutMs: number): Promise<void> {
  if (globalForWorker.layerscopeWorkerState !== undefined) globalForWorker.layerscopeWorkerState = "stopping";
  await globalForWorker.layerscopeWorker?.catch(() => undefined);
  await stopBoss({ timeoutMs, final: true });
  if (globalForWorker.layerscopeWorkerState !== undefined) globalForWorker.layerscopeWorkerState = "stopped";
}

/** Start this process's job workers and queue the start-up sync. Idempotent. */
export function startWorkers(): Promise<void> {
  if (globalForWorker.layerscopeWorker) return globalForWorker.layerscopeWorker;
  globalForWorker.layerscopeWorkerState = "starting";
  globalForWorker.layerscopeWorker = (async () => {
    await work(syncJob);
    await work(layerIndexJob);
    await work(registryEventsJob);
    await failAbandonedGcRuns();
    await work(gcJob);
    await failAbandonedStorageScans();
    await work(storageScanJob);
    await work(retentionJob);
    await work(retentionTickJob);
    await scheduleRetentionTick();
    await enqueueSync("startup");
    await scheduleNextSync();
    globalForWorker.layerscopeWorkerState = "running";
    logger.info("job workers started", {
      queues: [
        syncJob.name,
        registryEventsJob.name,
        layerIndexJob.name,
        gcJob.name,
        storageScanJob.name,
        retentionJob.name,
        retentionTickJob.name,
      ],
    });
  })().catch((e: unknown) => {
    globalForWorker.layerscopeWorker = undefined;
    globalForWorker.layerscopeWorkerState = "failed";
    logger.error("job workers failed to start", { error: String(e) });
    throw e;
  });
  return globalForWorker.layerscopeWorker;
}
