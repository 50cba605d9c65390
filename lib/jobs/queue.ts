import "server-only";
import PgBoss from "pg-boss";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { databaseUrl } from "../db/client";
import { logger } from "../log";

/**
 * A background job's queue: its name (as stored in pg-boss), the schema its payload must satisfy, and the
 * queue's policy. Jobs run on a Postgres-backed queue (pg-boss), so several app instances share one queue.
 * The jobs themselves are listed in definitions.ts; their handlers in handlers/.
 */
export type JobSpec<N extends string = string, S extends z.ZodType = z.ZodType> = {
  name: N;
  payload: S;
  queue: Omit<PgBoss.Queue, "name">;
};

export type SendOptions = PgBoss.SendOptions;

const globalForBoss = globalThis as unknown as { layerscopeBoss?: Promise<PgBoss>; layerscopeBossClosed?: boolean };

export function getBoss(): Promise<PgBoss> {
  // after a final stop (the process is shutting down) nothing may start a new queue connection
  if (globalForBoss.layerscopeBossClosed)
    return Promise.reject(new AppError("unavailable", "the job queue is stopped: this instance is shutting down"));
  globalForBoss.layerscopeBoss ??= (async () => {
    const boss = new PgBoss({ connectionString: databaseUrl(), schema: "pgboss", max: 4, application_name: "layerscope-jobs" });
    boss.on("error", (err: unknown) => logger.error("job queue error", { error: String(err) }));
    await boss.start();
    return boss;
  })();
  return globalForBoss.layerscopeBoss;
}

export interface StopBossOptions {
  /** How long running jobs may take to finish; past it they are failed, and so retried by the queue's retry policy. */
  timeoutMs?: number;
  /** The process is shutting down: refuse to start the queue again afterwards. */
  final?: boolean;
}

/**
 * Stops fetching jobs, waits for the running ones (up to `timeoutMs`), fails what is still running so that
 * another instance (or the next start) retries it, then closes the queue's connections. While it waits,
 * finishing jobs can still enqueue (a sync schedules the next one).
 */
export async function stopBoss(opts: StopBossOptions = {}): Promise<void> {
  if (opts.final) globalForBoss.layerscopeBossClosed = true;
  const pending = globalForBoss.layerscopeBoss;
  if (!pending) return;
  const boss = await pending.catch(() => undefined);
  if (boss) await boss.stop({ graceful: true, timeout: opts.timeoutMs ?? 5000 });
  if (globalForBoss.layerscopeBoss === pending) globalForBoss.layerscopeBoss = undefined;
}

// one creation per queue and process: concurrent first enqueues (a burst of webhooks) would
// otherwise race in pg-boss's createQueue, which Postgres answers with a deadlock
const ensured = new Map<string, Promise<void>>();

function ensureQueue(boss: PgBoss, job: JobSpec): Promise<void> {
  let pending = ensured.get(job.name);
  if (!pending) {
    pending = (async () => {
      if (await boss.getQueue(job.name)) return;
      try {
        await boss.createQueue(job.name, { name: job.name, ...job.queue });
      } catch (e) {
        // another instance created it between our check and create
        if (!(await boss.getQueue(job.name))) throw e;
      }
    })();
    ensured.set(job.name, pending);
    pending.catch(() => ensured.delete(job.name));
  }
  return pending;
}

/** Send a job; returns the job id, or null when the queue policy refused a duplicate. Callers use definitions.ts's enqueue. */
export async function send<S extends z.ZodType>(
  job: JobSpec<string, S>,
  payload: z.infer<S>,
  options: SendOptions = {},
): Promise<string | null> {
  const data = job.payload.parse(payload) as object;
  const boss = await getBoss();
  await ensureQueue(boss, job);
  return boss.send(job.name, data, options);
}

/** Start consuming a job's queue in this process with the given handler. */
export async function consume<S extends z.ZodType>(
  job: JobSpec<string, S>,
  handler: (payload: z.infer<S>, job: { id: string }) => Promise<unknown>,
): Promise<void> {
  const boss = await getBoss();
  await ensureQueue(boss, job);
  await boss.work<unknown>(job.name, { batchSize: 1, pollingIntervalSeconds: 2 }, async (jobs) => {
    for (const j of jobs) {
      const parsed = job.payload.safeParse(j.data);
      if (!parsed.success) {
        // a malformed payload is dropped with a log line instead of being retried forever
        logger.error("job payload rejected", { job: job.name, id: j.id, issues: parsed.error.issues.length });
        continue;
      }
      await handler(parsed.data, { id: j.id });
    }
  });
}
