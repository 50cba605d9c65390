// Garbage collection runs. Client-safe: zod and types only.
import { z } from "zod";

export const gcStartBody = z.object({ dryRun: z.boolean() });
/** `POST /api/v1/gc` (202) and `POST /api/v1/storage` (202): the queued job. */
export const queuedJob = z.object({ id: z.number().int() });
export type QueuedJob = z.infer<typeof queuedJob>;

export const gcStatus = z.enum(["queued", "running", "succeeded", "failed"]);
/** A blob or manifest a GC run named: its size (null when unknown) and the repositories that last referenced it. */
export const gcRunItem = z.object({
  digest: z.string(),
  bytes: z.number().nullable(),
  kind: z.enum(["layer", "config", "manifest", "blob"]),
  repositories: z.array(z.string()),
});
export type GcRunItem = z.infer<typeof gcRunItem>;
export const gcRun = z.object({
  id: z.number().int(),
  dryRun: z.boolean(),
  status: gcStatus,
  phase: z.string().nullable(),
  trigger: z.string(),
  requestedBy: z.string().nullable(),
  runner: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: z.object({
    repositoriesMarked: z.number().int(),
    blobsMarked: z.number().int(),
    blobsEligible: z.number().int(),
    manifestsEligible: z.number().int(),
    blobsDeleted: z.number().int(),
    manifestsDeleted: z.number().int(),
    untaggedDeleted: z.number().int(),
  }),
  bytesEligible: z.number(),
  bytesFreed: z.number(),
  error: z.string().nullable(),
  log: z.string().optional(),
  // `GET /api/v1/gc/<id>` only: what the run reported as eligible and (a real run) deleted, largest first
  eligible: z.array(gcRunItem).optional(),
  deleted: z.array(gcRunItem).optional(),
});
export type GcRun = z.infer<typeof gcRun>;
export const gcOverview = z.object({
  configured: z.boolean(),
  runner: z.string().nullable(),
  schedule: z.string().nullable(),
  storageRoot: z.boolean(),
  items: z.array(gcRun),
});
export type GcOverview = z.infer<typeof gcOverview>;
