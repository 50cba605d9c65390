// Retention policies: CRUD (policies.ts), the preview (evaluate.ts), runs, dry and real, with
// their history (runs.ts, the registry checks before deleting in apply.ts), the scheduler's due
// check (scheduler.ts), and the pull events "pulled recently" relies on (pulls.ts). What a policy
// deletes is decided by the pure evaluateRetention (lib/retention/policy.ts) over rows loaded from
// the cache; a real run evaluates again right before it deletes (that plan is stored on the run),
// then checks every planned digest against the registry itself, because the cache can be a sync behind.
export { previewPolicy } from "./evaluate";
export { createPolicy, deletePolicy, getPolicy, listPolicies, updatePolicy } from "./policies";
export { type PullEvent, type PullNotifications, pullEventSchema, pullEventsFrom, recordPulls } from "./pulls";
export { createRetentionRun, executeRetentionRun, getRun, listRuns, runPolicy, startRetentionRun } from "./runs";
export { dueRetentionPolicies, failStaleRetentionRuns, runDueRetention } from "./scheduler";
export {
  type CreateRetentionPolicyBody,
  createRetentionPolicyBody,
  type RetentionPolicyView,
  type RetentionPreview,
  type RetentionPreviewBody,
  type RetentionRepositoryOutcome,
  type RetentionRepositoryPreview,
  type RetentionRunPlan,
  type RetentionRunRepository,
  type RetentionRunStatus,
  type RetentionRunSummary,
  type RetentionRunView,
  type RetentionTrigger,
  retentionPreviewBody,
  retentionRunBody,
  retentionRunsQuery,
  type SkippedDigest,
  type UpdateRetentionPolicyBody,
  updateRetentionPolicyBody,
} from "./types";
