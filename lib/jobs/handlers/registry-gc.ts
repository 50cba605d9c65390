import "server-only";
import { getEnv } from "../../env";
import { logger } from "../../log";
import { executeGcRun } from "../../services/gc";
import { queueStorageScan } from "../../services/storage";
import type { JobHandler } from "./types";

export const gcHandler: JobHandler<"registry-gc"> = async ({ id }) => {
  await executeGcRun(id);
  // what the storage view shows changed: scan again in the background
  if (getEnv().REGISTRY_STORAGE_ROOT) {
    await queueStorageScan("gc").catch((e: unknown) => logger.warn("could not queue a storage scan after GC", { error: String(e) }));
  }
};
