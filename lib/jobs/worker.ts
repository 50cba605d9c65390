import "server-only";
import { logger } from "../log";
import { failAbandonedGcRuns } from "../services/gc";
import { gcJob } from "./gc";
import { layerIndexJob } from "./layer-index";
import { work } from "./queue";
import { registryEventsJob } from "./registry-events";
import { retentionJob, retentionTickJob, scheduleRetentionTick } from "./retention";
import { enqueueSync, scheduleNextSync, syncJob } from "./sync";

const globalForWorker = globalThis as unknown as { layerscopeWorker?: Promise<void> };

/** Start this process's job workers and queue the start-up sync. Idempotent. */
export function startWorkers(): Promise<void> {
  globalForWorker.layerscopeWorker ??= (async () => {
    await work(syncJob);
    await work(layerIndexJob);
    await work(registryEventsJob);
    await failAbandonedGcRuns();
    await work(gcJob);
    await work(retentionJob);
    await work(retentionTickJob);
    await scheduleRetentionTick();
    await enqueueSync("startup");
    await scheduleNextSync();
    logger.info("job workers started", {
      queues: [syncJob.name, registryEventsJob.name, layerIndexJob.name, gcJob.name, retentionJob.name, retentionTickJob.name],
    });
  })().catch((e: unknown) => {
    globalForWorker.layerscopeWorker = undefined;
    logger.error("job workers failed to start", { error: String(e) });
    throw e;
  });
  return globalForWorker.layerscopeWorker;
}
