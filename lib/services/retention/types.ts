// The retention service's request bodies (parsed by the routes) and the views it returns.
import { z } from "zod";
import type { RetentionPolicyView, RetentionPreview, RetentionRunSummary } from "../../contract/retention";
import type { RetentionRules, TagDecision } from "../../retention/policy";

// ---- request bodies: in the contract (lib/contract/retention.ts), re-exported for the service's own use ----

export {
  type CreateRetentionPolicyBody,
  createRetentionPolicyBody,
  type RetentionPreviewBody,
  retentionPreviewBody,
  retentionRunBody,
  retentionRunsQuery,
  type UpdateRetentionPolicyBody,
  updateRetentionPolicyBody,
} from "../../contract/retention-requests";

// ---- views ----------------------------------------------------------------------------------

export type RetentionRunStatus = RetentionRunSummary["status"];
export type RetentionTrigger = "manual" | "schedule";
export type { RetentionPolicyView, RetentionPreview, RetentionRunSummary };
export type RetentionRepositoryPreview = RetentionPreview["repositories"][number];

export type SkippedDigest = { digest: string; reason: string };

/** What happened to one repository's planned deletes in a real run. */
export type RetentionRepositoryOutcome = {
  deleted: string[];
  skipped: SkippedDigest[];
  failed: { reference: string; error: string }[];
  tagsDeleted: number;
  bytesFreed: number;
};

export type RetentionRunRepository = {
  name: string;
  deleteTags: TagDecision[];
  deleteDigests: string[];
  keepTagCount: number;
  bytesFreed: number;
  outcome?: RetentionRepositoryOutcome;
};

export const requestedBySchema = z.object({ id: z.number().int().nullable(), name: z.string(), ip: z.string().nullable() });
export type RequestedBy = z.infer<typeof requestedBySchema>;

/** The plan stored on a run: who asked, then (once evaluated) what the policy deletes and what happened. */
export type RetentionRunPlan = {
  requestedBy: RequestedBy;
  evaluatedAt?: string;
  rules?: RetentionRules;
  pullEventsKnown?: boolean;
  warnings?: string[];
  repositories?: RetentionRunRepository[];
  totals?: RetentionPreview["totals"];
};

export type RetentionRunView = RetentionRunSummary & { policyName: string; plan: RetentionRunPlan | null };
