import { retentionRunBody, retentionRunsQuery } from "@/lib/contract/retention-requests";
import { idParam, json, route } from "@/lib/http/route";
import { listRuns, startRetentionRun } from "@/lib/services/retention";

export const dynamic = "force-dynamic";

// newest first, each with the plan it evaluated and what happened per repository
export const GET = route({ auth: "editor", params: idParam, query: retentionRunsQuery }, ({ caller, params, query }) =>
  listRuns(caller, params.id, query.limit),
);

// 202 {id}; 409 {error: {details: {id}}} while a run of this policy is queued or running
export const POST = route({ auth: "admin", params: idParam, body: retentionRunBody }, async ({ caller, params, body, ip }) =>
  json(await startRetentionRun(caller, params.id, { dryRun: body.dryRun, trigger: "manual" }, ip), 202),
);
