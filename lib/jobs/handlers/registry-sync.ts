import "server-only";
import { getEnv } from "../../env";
import { logger } from "../../log";
import { checkBlobPresence } from "../../services/blob-presence";
import { queueUnindexedLayers } from "../../services/layer-index";
import { runSync } from "../../services/sync";
import { enqueueLayerIndex, scheduleNextSync } from "../definitions";
import type { JobHandler } from "./types";

/** One registry sync; whatever happens, the next scheduled one is queued. */
export const syncHandler: JobHandler<"registry-sync"> = async ({ trigger }) => {
  try {
    const result = await runSync(trigger);
    // new layer and config digests (and the ones found missing before) get their one presence check
    await checkBlobPresence().catch((e: unknown) => logger.warn("blob presence check failed", { error: String(e) }));
    if (getEnv().LAYER_INDEX_BACKGROUND) await indexNewLayers();
    return result;
  } finally {
    await scheduleNextSync();
  }
};

/** Background indexing: the layers of tags the sync found that nobody has indexed yet. */
async function indexNewLayers(): Promise<void> {
  const digests = await queueUnindexedLayers();
  for (const digest of digests) await enqueueLayerIndex(digest);
  if (digests.length > 0) logger.info("queued layers for background indexing", { layers: digests.length });
}
