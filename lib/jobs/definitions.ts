import "server-only";
import { z } from "zod";
import { getEnv } from "../env";
import { type JobSpec, type SendOptions, send } from "./queue";

/**
 * Every background job: its name as stored in pg-boss (never rename one: queued jobs keep it), the schema of
 * its payload, and its queue policy. Whoever enqueues (services, handlers, the worker) imports this module;
 * the handlers live in handlers/ and are looked up by name when the worker starts (handlers/index.ts).
 */
function defineJob<const N extends string, S extends z.ZodType>(spec: JobSpec<N, S>): JobSpec<N, S> {
  return spec;
}

/**
 * The registry sync. Queue policy "stately" keeps at most one waiting job per key (startup, manual,
 * schedule); the advisory lock inside runSync keeps runs exclusive across instances. Each run schedules
 * the next one, so the interval is kept by the queue, not by a timer.
 */
export const syncJob = defineJob({
  name: "registry-sync",
  payload: z.object({ trigger: z.enum(["startup", "schedule", "manual", "notification"]) }),
  queue: { policy: "stately", retryLimit: 1, expireInSeconds: 3600 },
});

/**
 * Index one layer blob's tar entries. One job per blob digest at a time (singletonKey): blobs are
 * shared between images, and their index is written once.
 */
export const layerIndexJob = defineJob({
  name: "layer-index",
  payload: z.object({ digest: z.string().regex(/^sha256:[a-f0-9]{64}$/) }),
  queue: { policy: "stately", retryLimit: 0, expireInSeconds: 3600 },
});

/**
 * The fallback for the webhook's in-process drain: applies stored registry events that the
 * process receiving them did not (it stopped, or another instance held the drain at the time).
 */
export const registryEventsJob = defineJob({
  name: "registry-events",
  payload: z.object({}),
  queue: { policy: "stately", retryLimit: 5, retryDelay: 2, expireInSeconds: 900 },
});

/**
 * One garbage collection run (the row exists already, created by createGcRun). The GC advisory lock inside
 * executeGcRun keeps runs exclusive across instances; a run that finds the lock held is retried later.
 */
export const gcJob = defineJob({
  name: "registry-gc",
  payload: z.object({ id: z.number().int().positive() }),
  queue: { policy: "standard", retryLimit: 20, retryDelay: 30, expireInSeconds: 12 * 3600 },
});

/** One scan of REGISTRY_STORAGE_ROOT (the row exists already); at most one is queued or running at a time. */
export const storageScanJob = defineJob({
  name: "storage-scan",
  payload: z.object({ id: z.number().int().positive() }),
  queue: { policy: "standard", retryLimit: 0, expireInSeconds: 6 * 3600 },
});

/**
 * One retention run whose row exists already (createRetentionRun). executeRetentionRun claims the
 * row, so a retried or duplicated job never runs it twice; its failures end up on the row.
 */
export const retentionJob = defineJob({
  name: "retention-run",
  payload: z.object({ runId: z.number().int().positive() }),
  queue: { policy: "standard", retryLimit: 0, expireInSeconds: 6 * 3600 },
});

const TICK_SECONDS = 60;

/**
 * The maintenance scheduler: every minute, runs the retention policies whose nextRunAt has come (and
 * GC_SCHEDULE). Queue policy "stately" keeps one waiting tick; each tick queues the next, so the interval
 * is kept by the queue.
 */
export const retentionTickJob = defineJob({
  name: "maintenance-tick",
  payload: z.object({}),
  queue: { policy: "stately", retryLimit: 1, retryDelay: TICK_SECONDS, expireInSeconds: 6 * 3600 },
});

/** Every job by name, in the order the worker starts consuming them. */
export const jobs = {
  [syncJob.name]: syncJob,
  [layerIndexJob.name]: layerIndexJob,
  [registryEventsJob.name]: registryEventsJob,
  [gcJob.name]: gcJob,
  [storageScanJob.name]: storageScanJob,
  [retentionJob.name]: retentionJob,
  [retentionTickJob.name]: retentionTickJob,
} as const;

export type Jobs = typeof jobs;
export type JobName = keyof Jobs;
export type JobPayload<N extends JobName> = z.infer<Jobs[N]["payload"]>;
export const jobNames = Object.keys(jobs) as JobName[];

/** Enqueue a job by name; returns the job id, or null when the queue policy refused a duplicate. */
export function enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options: SendOptions = {}): Promise<string | null> {
  return send(jobs[name] as JobSpec<N, Jobs[N]["payload"]>, payload, options);
}

export type SyncJobTrigger = JobPayload<"registry-sync">["trigger"];

export function enqueueSync(trigger: "startup" | "manual"): Promise<string | null> {
  return enqueue("registry-sync", { trigger }, { singletonKey: trigger });
}

/** Enqueue the next scheduled sync (deduplicated: at most one waits). */
export async function scheduleNextSync(): Promise<string | null> {
  const interval = getEnv().SYNC_INTERVAL_SECONDS;
  if (interval <= 0) return null;
  return enqueue("registry-sync", { trigger: "schedule" }, { singletonKey: "schedule", startAfter: interval });
}

export function enqueueLayerIndex(digest: string): Promise<string | null> {
  return enqueue("layer-index", { digest }, { singletonKey: digest });
}

/** At most one waiting drain; it starts a moment later so that a burst of envelopes shares it. */
export function enqueueRegistryEventsDrain(): Promise<string | null> {
  return enqueue("registry-events", {}, { singletonKey: "drain", startAfter: 2 });
}

export function enqueueGc(id: number): Promise<string | null> {
  return enqueue("registry-gc", { id });
}

export function enqueueStorageScan(id: number): Promise<string | null> {
  return enqueue("storage-scan", { id });
}

export function enqueueRetentionRun(runId: number): Promise<string | null> {
  return enqueue("retention-run", { runId });
}

/** Queue the next maintenance tick (deduplicated: at most one waits). Called when the workers start and by each tick. */
export function scheduleRetentionTick(delaySeconds = TICK_SECONDS): Promise<string | null> {
  return enqueue("maintenance-tick", {}, { singletonKey: "tick", startAfter: delaySeconds });
}
