// The retention scheduler's side of the service: due policies, runs whose process died, the tick.
import "server-only";
import { errorMessage } from "@/lib/errors";
import { SYSTEM } from "../../auth/caller";
import { getDb } from "../../db/client";
import type { RetentionPolicy as PolicyRow } from "../../db/generated/client";
import { logger } from "../../log";
import { nextRun } from "../../retention/schedule";
import { runPolicy } from "./runs";

const STALE_RUNNING_MS = 6 * 3600 * 1000;
const STALE_QUEUED_MS = 24 * 3600 * 1000;

/** Enabled policies with a schedule whose next run is due. */
export async function dueRetentionPolicies(now: Date): Promise<PolicyRow[]> {
  return getDb().retentionPolicy.findMany({
    where: { enabled: true, schedule: { not: null }, nextRunAt: { lte: now } },
    orderBy: [{ nextRunAt: "asc" }, { id: "asc" }],
  });
}

/** Runs whose process died are failed, so the policy can run again. */
export async function failStaleRetentionRuns(now: Date): Promise<number> {
  const db = getDb();
  const running = await db.retentionRun.updateMany({
    where: { status: "running", startedAt: { lt: new Date(now.getTime() - STALE_RUNNING_MS) } },
    data: { status: "failed", finishedAt: now, error: "interrupted: the process running it stopped" },
  });
  const queued = await db.retentionRun.updateMany({
    where: { status: "queued", startedAt: { lt: new Date(now.getTime() - STALE_QUEUED_MS) } },
    data: { status: "failed", finishedAt: now, error: "never started: no job worker picked it up" },
  });
  return running.count + queued.count;
}

/**
 * The scheduler's tick: each due policy is claimed (its nextRunAt moved on, only if no other
 * instance moved it first) and run for real, one after the other. Missed runs are not caught up.
 */
export async function runDueRetention(now: Date): Promise<{ runs: number[] }> {
  const db = getDb();
  await failStaleRetentionRuns(now);
  const runs: number[] = [];
  for (const p of await dueRetentionPolicies(now)) {
    let next: Date | null = null;
    try {
      next = p.schedule ? nextRun(p.schedule, now) : null;
    } catch (e) {
      logger.warn("retention policy has an unusable schedule", { policy: p.name, error: errorMessage(e) });
    }
    // updatedAt given: the scheduler moving nextRunAt is not an edit of the policy
    const claimed = await db.retentionPolicy.updateMany({
      where: { id: p.id, nextRunAt: p.nextRunAt },
      data: { nextRunAt: next, updatedAt: p.updatedAt },
    });
    if (claimed.count === 0) continue;
    try {
      const run = await runPolicy(p.id, { dryRun: false, trigger: "schedule", caller: SYSTEM });
      runs.push(run.id);
      logger.info("scheduled retention run finished", { policy: p.name, run: run.id, status: run.status, manifests: run.manifestsDeleted });
    } catch (e) {
      // a manual run of it is still going: this slot is skipped
      logger.warn("scheduled retention run not started", { policy: p.name, error: errorMessage(e) });
    }
  }
  return { runs };
}
