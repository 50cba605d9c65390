// Sync status and runs. Client-safe: zod and types only.
import { z } from "zod";

export const syncRunSummary = z.object({
  id: z.number().int(),
  trigger: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.enum(["running", "succeeded", "partial", "failed"]),
  repositories: z.number().int(),
  repositoriesTotal: z.number().int(),
  tags: z.number().int(),
  manifestsFetched: z.number().int(),
  configsFetched: z.number().int(),
  manifestHeads: z.number().int(),
  requests: z.number().int(),
  errors: z.array(z.object({ repository: z.string().nullable(), code: z.string(), message: z.string() })),
});
export type SyncRunSummary = z.infer<typeof syncRunSummary>;

export const registryState = z.object({
  reachable: z.boolean().nullable(),
  checkedAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  error: z.string().nullable(),
});

export const syncStatus = z.object({
  running: z.boolean(),
  // a sync was asked for and waits for a worker (shown as "queued" until it starts)
  queued: z.boolean().default(false),
  // the run in progress, if any (progress bar)
  current: syncRunSummary.nullable(),
  // the last finished run
  lastRun: syncRunSummary.nullable(),
  // when the cache was last filled by a run that reached the registry
  lastSuccessAt: z.string().nullable(),
  registry: registryState,
  registryUrl: z.string(),
});
export type SyncStatus = z.infer<typeof syncStatus>;

// POST /api/v1/sync: whether a run was queued now (false while one runs, or a manual request already waits)
export const syncRequestResult = z.object({
  started: z.boolean(),
  running: z.boolean(),
  queued: z.boolean(),
  jobId: z.string().nullable(),
});
export type SyncRequestResult = z.infer<typeof syncRequestResult>;
