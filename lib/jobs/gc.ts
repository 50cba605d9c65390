import "server-only";
import { z } from "zod";
import { getEnv } from "../env";
import { logger } from "../log";
import { executeGcRun } from "../services/gc";
import { defineJob, enqueue } from "./queue";
import { queueStorageScan } from "./storage-scan";

/**
 * One garbage collection run (the row exists already, created by createGcRun). The GC advisory lock inside
 * executeGcRun keeps runs exclusive across instances; a run that finds the lock held is retried later.
 */
export const gcJob = defineJob({
  name: "registry-gc",
  payload: z.object({ id: z.number().int().positive() }),
  queue: { policy: "standard", retryLimit: 20, retryDelay: 30, expireInSeconds: 12 * 3600 },
  handler: async ({ id }) => {
    await executeGcRun(id);
    // what the storage view shows changed: scan again in the background
    if (getEnv().REGISTRY_STORAGE_ROOT) {
      await queueStorageScan("gc").catch((e: unknown) => logger.warn("could not queue a storage scan after GC", { error: String(e) }));
    }
  },
});

export function enqueueGc(id: number): Promise<string | null> {
  return enqueue(gcJob, { id });
}
