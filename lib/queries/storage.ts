// The storage view (REGISTRY_STORAGE_ROOT).

import { queryOptions } from "@tanstack/react-query";
import type { StorageLocation, StorageOverview } from "@/lib/contract/storage";
import { GC_POLL_MS, getJson, isActive, parseJson, sendJson } from "./client";
import { queryKeys } from "./keys";
import { apiPaths } from "./paths";

export function storageOptions(
  load: (signal?: AbortSignal) => Promise<StorageOverview> = (signal) => getJson(apiPaths.storage, "storageOverview", signal),
) {
  return queryOptions({
    queryKey: queryKeys.storage(),
    queryFn: ({ signal }) => load(signal),
    // the scan runs in the background: poll its progress while it is queued or running
    refetchInterval: (q) => {
      const data = q.state.data;
      return data?.configured && data.scan && isActive(data.scan.status) ? GC_POLL_MS : false;
    },
  });
}

/** 202 {id}: queues a storage scan (or returns the one queued or running). */
export async function rescanStorage(): Promise<{ id: number }> {
  return parseJson(await sendJson(apiPaths.storage, "POST"), apiPaths.storage, "queuedJob");
}

/** Where a blob (and, with a repository, a manifest) lives in the storage root. */
export function storageLocationOptions(digest: string, repository: string | undefined) {
  return queryOptions({
    queryKey: queryKeys.storageLocation(digest, repository),
    queryFn: ({ signal }): Promise<StorageLocation> => getJson(apiPaths.storageLocate(digest, repository), "storageLocation", signal),
    retry: false,
  });
}

/** Removes an empty repository's folders; the admin states the registry is read-only or stopped. */
export async function removeStorageRepository(repository: string, registryReadOnly: boolean): Promise<void> {
  await sendJson(apiPaths.storageRepositories, "DELETE", { repository, registryReadOnly });
}
