import "server-only";
import { z } from "zod";
import { getEnv } from "../env";
import { logger } from "../log";
import { checkBlobPresence } from "../services/blob-presence";
import { queueUnindexedLayers } from "../services/layer-index";
import { runSync } from "../services/sync";
import { enqueueLayerIndex } from "./layer-index";
import { defineJob, enqueue } from "./queue";

/**
 * The registry sync. Queue policy "stately" keeps at most one waiting job per key (startup,
 * manual, schedule); the advisory lock inside runSync keeps runs exclusive across instances.
 * Each run schedules the next one, so the interval is kept by the queue, not by a timer.
 */
export const syncJob = defineJob({
  name: "registry-sync",
  payload: z.object({ trigger: z.enum(["startup", "schedule", "manual", "notification"]) }),
  queue: { policy: "stately", retryLimit: 1, expireInSeconds: 3600 },
  handler: async ({ trigger }) => {
    try {
      const result = await runSync(trigger);
      // new layer and config digests (and the ones found missing before) get their one presence check
      await checkBlobPresence().catch((e: unknown) => logger.warn("blob presence check failed", { error: String(e) }));
      if (getEnv().LAYER_INDEX_BACKGROUND) await indexNewLayers();
      return result;
    } finally {
      await scheduleNextSync();
    }
  },
});

/** Background indexing: the layers of tags the sync found that nobody has indexed yet. */
async function indexNewLayers(): Promise<void> {
  const digests = await queueUnindexedLayers();
  for (const digest of digests) await enqueueLayerIndex(digest);
  if (digests.length > 0) logger.info("queued layers for background indexing", { layers: digests.length });
}

/** Enqueue the next scheduled run (deduplicated: at most one waits). */
export async function scheduleNextSync(): Promise<string | null> {
  const interval = getEnv().SYNC_INTERVAL_SECONDS;
  if (interval <= 0) return null;
  return enqueue(syncJob, { trigger: "schedule" }, { singletonKey: "schedule", startAfter: interval });
}

export function enqueueSync(trigger: "startup" | "manual"): Promise<string | null> {
  return enqueue(syncJob, { trigger }, { singletonKey: trigger });
}
