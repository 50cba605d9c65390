import "server-only";
import { z } from "zod";
import { createStorageScan, executeStorageScan, type StorageScanTrigger } from "../services/storage";
import { defineJob, enqueue } from "./queue";

/** One scan of REGISTRY_STORAGE_ROOT (the row exists already); at most one is queued or running at a time. */
export const storageScanJob = defineJob({
  name: "storage-scan",
  payload: z.object({ id: z.number().int().positive() }),
  queue: { policy: "standard", retryLimit: 0, expireInSeconds: 6 * 3600 },
  handler: ({ id }) => executeStorageScan(id),
});

/** Queues a scan (or joins the one queued or running); returns its id. */
export async function queueStorageScan(trigger: StorageScanTrigger): Promise<number> {
  const { id, created } = await createStorageScan(trigger);
  if (created) await enqueue(storageScanJob, { id });
  return id;
}
