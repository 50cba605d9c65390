import "server-only";
import { logger } from "../log";
import { failAbandonedGcRuns } from "../services/gc";
import { failAbandonedStorageScans } from "../services/storage";
import { enqueueSync, type JobName, jobNames, jobs, scheduleNextSync, scheduleRetentionTick } from "./definitions";
import { handlers } from "./handlers";
import { consume, stopBoss } from "./queue";
import { setWorkerState, workerState } from "./state";

export { type WorkerState, workerState } from "./state";

const globalForWorker = globalThis as unknown as { layerscopeWorker?: Promise<void> };

/** Start consuming one job's queue in this process, with the handler registered under its name. */
export function work<N extends JobName>(job: { name: N }): Promise<void> {
  return consume(jobs[job.name], handlers[job.name] as Parameters<typeof consume>[1]);
}

// before a queue is consumed again: what a stopped process left "running" is marked failed
const recoverBeforeWork: Partial<Record<JobName, () => Promise<void>>> = {
  "registry-gc": failAbandonedGcRuns,
  "storage-scan": failAbandonedStorageScans,
};

/**
 * On shutdown: stop taking jobs, let running ones finish for up to `timeoutMs` (the rest are failed and so
 * retried by another instance or the next start), close the queue for good.
 */
export async function stopWorkers(timeoutMs: number): Promise<void> {
  if (workerState() !== undefined) setWorkerState("stopping");
  await globalForWorker.layerscopeWorker?.catch(() => undefined);
  await stopBoss({ timeoutMs, final: true });
  if (workerState() !== undefined) setWorkerState("stopped");
}

/** Start this process's job workers and queue the start-up sync. Idempotent. */
export function startWorkers(): Promise<void> {
  if (globalForWorker.layerscopeWorker) return globalForWorker.layerscopeWorker;
  setWorkerState("starting");
  globalForWorker.layerscopeWorker = (async () => {
    for (const name of jobNames) {
      await recoverBeforeWork[name]?.();
      await work({ name });
    }
    await scheduleRetentionTick();
    await enqueueSync("startup");
    await scheduleNextSync();
    setWorkerState("running");
    logger.info("job workers started", { queues: jobNames });
  })().catch((e: unknown) => {
    globalForWorker.layerscopeWorker = undefined;
    setWorkerState("failed");
    logger.error("job workers failed to start", { error: String(e) });
    throw e;
  });
  return globalForWorker.layerscopeWorker;
}
