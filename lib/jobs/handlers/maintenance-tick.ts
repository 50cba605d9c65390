import "server-only";
import { errorMessage } from "@/lib/errors";
import { logger } from "../../log";
import { queueScheduledGc } from "../../services/gc";
import { runDueRetention } from "../../services/retention";
import { enqueueGc, scheduleRetentionTick } from "../definitions";
import type { JobHandler } from "./types";

/** Runs the retention policies (and GC_SCHEDULE) that are due; whatever happens, the next tick is queued. */
export const maintenanceTickHandler: JobHandler<"maintenance-tick"> = async () => {
  try {
    const now = new Date();
    // GC_SCHEDULE rides on the same tick
    const gc = await queueScheduledGc(now).catch((e: unknown) => {
      logger.error("scheduled garbage collection failed to queue", { error: errorMessage(e) });
      return null;
    });
    if (gc !== null) await enqueueGc(gc);
    return await runDueRetention(now);
  } catch (e) {
    logger.error("retention tick failed", { error: errorMessage(e) });
    return null;
  } finally {
    await scheduleRetentionTick();
  }
};
