// Retention policies, their runs and previews, and the requests that make them (lib/services/retention/). Client-safe:
// zod and types only.
import { z } from "zod";
import { retentionPolicySchema } from "../retention/policy";

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

// ---- requests ----------------------------------------------------------------------------------

const shape = retentionPolicySchema.shape;

/** A new policy. Strict: a misspelt rule must not silently turn into "no such rule" on a policy that deletes. */
export const createRetentionPolicyBody = retentionPolicySchema.extend({ enabled: shape.enabled.default(true) }).strict();
export type CreateRetentionPolicyBody = z.infer<typeof createRetentionPolicyBody>;

/** A partial change; null clears an optional rule (or the schedule). */
export const updateRetentionPolicyBody = z
  .object({
    name: shape.name.optional(),
    repositoryGlob: shape.repositoryGlob.optional(),
    keepLatest: shape.keepLatest.unwrap().nullable().optional(),
    keepTagPattern: shape.keepTagPattern.unwrap().nullable().optional(),
    deleteOlderThanDays: shape.deleteOlderThanDays.unwrap().nullable().optional(),
    keepPulledWithinDays: shape.keepPulledWithinDays.unwrap().nullable().optional(),
    schedule: shape.schedule,
    enabled: shape.enabled.optional(),
  })
  .strict();
export type UpdateRetentionPolicyBody = z.infer<typeof updateRetentionPolicyBody>;

/** The rules of a policy being edited (name, schedule and enabled may come along and are ignored). */
export const retentionPreviewBody = retentionPolicySchema
  .extend({ name: shape.name.optional(), enabled: shape.enabled.optional() })
  .strict();
export type RetentionPreviewBody = z.infer<typeof retentionPreviewBody>;

export const retentionRunBody = z.object({ dryRun: z.boolean() }).strict();

export const retentionRunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
