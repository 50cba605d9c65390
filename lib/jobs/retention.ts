import "server-only";
import { z } from "zod";
import { errorMessage } from "@/lib/errors";
import { logger } from "../log";
import { queueScheduledGc } from "../services/gc";
import { executeRetentionRun, runDueRetention } from "../services/retention";
import { enqueueGc } from "./gc";
import { defineJob, enqueue } from "./queue";

/**
 * One retention run whose row exists already (createRetentionRun). executeRetentionRun claims the
 * row, so a retried or duplicated job never runs it twice; its failures end up on the row.
 */
export const retentionJob = defineJob({
  name: "retention-run",
  payload: z.object({ runId: z.number().int().positive() }),
  queue: { policy: "standard", retryLimit: 0, expireInSeconds: 6 * 3600 },
  handler: ({ runId }) => executeRetentionRun(runId),
});

export function enqueueRetentionRun(runId: number): Promise<string | null> {
  return enqueue(retentionJob, { runId });
}

const TICK_SECONDS = 60;

/**
 * The retention scheduler: every minute, runs the policies whose nextRunAt has come. Queue policy
 * "stately" keeps one waiting tick; each tick queues the next, so the interval is kept by the queue.
 */
export const retentionTickJob = defineJob({
  name: "maintenance-tick",
  payload: z.object({}),
  queue: { policy: "stately", retryLimit: 1, retryDelay: TICK_SECONDS, expireInSeconds: 6 * 3600 },
  handler: async () => {
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
  },
});

/** Queue the next tick (deduplicated: at most one waits). Call once when the workers start. */
export function scheduleRetentionTick(delaySeconds = TICK_SECONDS): Promise<string | null> {
  return enqueue(retentionTickJob, {}, { singletonKey: "tick", startAfter: delaySeconds });
}
