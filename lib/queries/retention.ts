// Retention policies and their runs.

import { queryOptions } from "@tanstack/react-query";
import type { RetentionPolicyView, RetentionPreview } from "@/lib/contract/retention";
import { getJson, parseJson, sendJson } from "./client";
import { queryKeys } from "./keys";
import { apiPaths } from "./paths";

export type RetentionPolicyInput = {
  name: string;
  repositoryGlob: string;
  keepLatest?: number | null;
  keepTagPattern?: string | null;
  deleteOlderThanDays?: number | null;
  keepPulledWithinDays?: number | null;
  schedule?: string | null;
  enabled: boolean;
};

export function retentionPoliciesOptions() {
  return queryOptions({
    queryKey: queryKeys.retention(),
    queryFn: ({ signal }) => getJson(apiPaths.retention, "retentionPolicyList", signal),
  });
}

export function retentionRunsOptions(id: number) {
  return queryOptions({
    queryKey: queryKeys.retentionRuns(id),
    queryFn: ({ signal }) => getJson(apiPaths.retentionRuns(id), "retentionRunList", signal),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === "queued" || r.status === "running") ? 1_000 : false),
  });
}

export async function postRetentionPreview(body: RetentionPolicyInput): Promise<RetentionPreview> {
  return parseJson(await sendJson(apiPaths.retentionPreview, "POST", body), apiPaths.retentionPreview, "retentionPreview");
}

export async function postRetentionPolicy(body: RetentionPolicyInput): Promise<RetentionPolicyView> {
  return parseJson(await sendJson(apiPaths.retention, "POST", body), apiPaths.retention, "retentionPolicyView");
}

export async function deleteRetentionPolicy(id: number): Promise<void> {
  await sendJson(apiPaths.retentionPolicy(id), "DELETE");
}

export async function postRetentionRun(id: number, dryRun: boolean): Promise<void> {
  await sendJson(apiPaths.retentionRuns(id), "POST", { dryRun });
}
