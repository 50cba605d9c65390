// Retention policies, their runs and previews (lib/services/retention/). Client-safe: zod and types only. The requests
// that make them are in retention-requests.ts.
import { z } from "zod";

export const retentionRunSummary = z.object({
  id: z.number().int(),
  policyId: z.number().int(),
  dryRun: z.boolean(),
  trigger: z.string(),
  status: z.enum(["queued", "running", "succeeded", "failed"]),
  requestedBy: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  tagsDeleted: z.number(),
  manifestsDeleted: z.number(),
  bytesFreed: z.number(),
  error: z.string().nullable(),
});
export const retentionPolicyView = z.object({
  id: z.number().int(),
  name: z.string(),
  repositoryGlob: z.string(),
  keepLatest: z.number().nullable(),
  keepTagPattern: z.string().nullable(),
  deleteOlderThanDays: z.number().nullable(),
  keepPulledWithinDays: z.number().nullable(),
  schedule: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  nextRunAt: z.string().nullable(),
  lastRun: retentionRunSummary.nullable(),
});
export type RetentionPolicyView = z.infer<typeof retentionPolicyView>;
export const retentionPolicyList = z.object({ items: z.array(retentionPolicyView) });
export const tagDecision = z.object({ tag: z.string(), digest: z.string(), reasons: z.array(z.string()) });
export const retentionPreview = z.object({
  evaluatedAt: z.string(),
  repositories: z.array(
    z.object({
      name: z.string(),
      deleteTags: z.array(tagDecision),
      keepTags: z.array(tagDecision),
      deleteDigests: z.array(z.string()),
      bytesFreed: z.number(),
    }),
  ),
  totals: z.object({ repositories: z.number(), tags: z.number(), digests: z.number(), bytesFreed: z.number() }),
  pullEventsKnown: z.boolean(),
  warnings: z.array(z.string()),
});
export type RetentionPreview = z.infer<typeof retentionPreview>;
export const retentionRunList = z.object({ items: z.array(retentionRunSummary) });
export type RetentionRunSummary = z.infer<typeof retentionRunSummary>;
