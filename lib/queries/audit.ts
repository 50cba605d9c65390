// The audit log.

import { queryOptions } from "@tanstack/react-query";
import type { AuditList } from "@/lib/contract/audit";
import { getJson, nonEmpty, withSearch } from "./client";
import { type AuditListParams, queryKeys } from "./keys";
import { apiPaths } from "./paths";

export function auditListParams(input: Partial<AuditListParams> = {}): AuditListParams {
  return { action: nonEmpty(input.action), actor: nonEmpty(input.actor), limit: input.limit ?? 100 };
}

/** The users page's "Recent sign-ins". */
export const RECENT_SIGN_INS = auditListParams({ action: "login", limit: 20 });

export type AuditListLoader = (query: AuditListParams & { cursor?: string }, signal?: AbortSignal) => Promise<AuditList>;

export const fetchAudit: AuditListLoader = (query, signal) => getJson(withSearch(apiPaths.audit, query), "auditList", signal);

/** The first page of the audit log for these params (admins only). */
export function auditListOptions(params: AuditListParams, load: AuditListLoader = fetchAudit) {
  return queryOptions({ queryKey: queryKeys.audit(params), queryFn: ({ signal }) => load(params, signal), staleTime: 10_000 });
}
