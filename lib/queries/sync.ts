// Sync status, starting a sync, and what a finished sync makes stale.

import { mutationOptions, type QueryClient, queryOptions } from "@tanstack/react-query";
import type { SyncStatus } from "@/lib/contract/sync";
import { ApiRequestError, getJson, isDigestReference, request } from "./client";
import { queryKeys } from "./keys";
import { apiPaths } from "./paths";

export type SyncStatusLoader = (signal?: AbortSignal) => Promise<SyncStatus>;

export const fetchSyncStatus: SyncStatusLoader = (signal) => getJson(apiPaths.sync, "syncStatus", signal);

/** Starts a sync run (202). A run already in progress answers 409, which is fine: it's running. */
export async function triggerSync(): Promise<void> {
  try {
    await request(apiPaths.sync, { method: "POST" });
  } catch (e) {
    if (e instanceof ApiRequestError && e.code === "conflict") return;
    throw e;
  }
}

export const SYNC_POLL_RUNNING_MS = 2_000;

export const SYNC_POLL_IDLE_MS = 15_000;

export const SYNC_POLL_QUEUED_MS = 1_000;

export function syncStatusOptions(load: SyncStatusLoader = fetchSyncStatus) {
  return queryOptions({
    queryKey: queryKeys.sync(),
    queryFn: ({ signal }) => load(signal),
    staleTime: 1_000,
    // a queued run starts within a worker's poll: ask often until it has, then follow its progress
    refetchInterval: (query) =>
      query.state.data?.queued ? SYNC_POLL_QUEUED_MS : query.state.data?.running ? SYNC_POLL_RUNNING_MS : SYNC_POLL_IDLE_MS,
  });
}

export function triggerSyncOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["sync", "trigger"],
    mutationFn: triggerSync,
    // "queued" at once, before the request returns; the server's status takes over from there
    onMutate: () => {
      queryClient.setQueryData(queryKeys.sync(), (prev: SyncStatus | undefined) =>
        prev && !prev.running ? { ...prev, queued: true } : prev,
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.sync() }),
  });
}

/**
 * After a sync run finished, everything that points at digests may have moved. Manifests fetched
 * by digest stay: their content cannot change.
 */
export function invalidateSyncedData(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: queryKeys.roots.repositories }),
    queryClient.invalidateQueries({ queryKey: queryKeys.roots.namespaces }),
    queryClient.invalidateQueries({ queryKey: queryKeys.roots.tags }),
    queryClient.invalidateQueries({
      queryKey: queryKeys.roots.manifests,
      predicate: (q) => {
        const reference = q.queryKey[2];
        return typeof reference !== "string" || !isDigestReference(reference);
      },
    }),
  ]).then(() => undefined);
}
