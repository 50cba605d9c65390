// The requests of the retention API (lib/services/retention/). Apart from lib/contract/retention.ts because they validate
// keep patterns with RE2 (lib/retention/tag-pattern.ts, re2js): only the routes and the retention page load them, not
// every page's bundle.
import { z } from "zod";
import { retentionPolicySchema } from "../retention/policy";

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
