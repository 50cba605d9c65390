// Garbage collection runs.

import { queryOptions } from "@tanstack/react-query";
import type { GcOverview } from "@/lib/contract/gc";
import { GC_POLL_MS, getJson, isActive, parseJson, sendJson } from "./client";
import { queryKeys } from "./keys";
import { apiPaths } from "./paths";

export function gcOverviewOptions(
  load: (signal?: AbortSignal) => Promise<GcOverview> = (signal) => getJson(apiPaths.gc, "gcOverview", signal),
) {
  return queryOptions({
    queryKey: queryKeys.gc(),
    queryFn: ({ signal }) => load(signal),
    refetchInterval: (q) => (q.state.data?.items.some((r) => isActive(r.status)) ? GC_POLL_MS * 2 : false),
  });
}

/** One run with its log; polled while it is queued or running. */
export function gcRunOptions(id: number) {
  return queryOptions({
    queryKey: queryKeys.gcRun(id),
    queryFn: ({ signal }) => getJson(apiPaths.gcRun(id), "gcRun", signal),
    refetchInterval: (q) => (q.state.data === undefined || isActive(q.state.data.status) ? GC_POLL_MS : false),
  });
}

/** 202 {id}; 409 while another run is queued or running. */
export async function postGc(dryRun: boolean): Promise<{ id: number }> {
  return parseJson(await sendJson(apiPaths.gc, "POST", { dryRun }), apiPaths.gc, "queuedJob");
}
