import "server-only";
import { z } from "zod";
import { executeGcRun } from "../services/gc";
import { defineJob, enqueue } from "./queue";

/**
 * One garbage collection run (the row exists already, created by createGcRun). The GC advisory lock inside
 * executeGcRun keeps runs exclusive across instances; a run that finds the lock held is retried later.
 */
export const gcJob = defineJob({
  name: "registry-gc",
  payload: z.object({ id: z.number().int().positive() }),
  queue: { policy: "standard", retryLimit: 20, retryDelay: 30, expireInSeconds: 12 * 3600 },
  handler: ({ id }) => executeGcRun(id),
});

export function enqueueGc(id: number): Promise<string | null> {
  return enqueue(gcJob, { id });
}
