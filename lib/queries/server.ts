// Server-side counterparts of the query options: the same keys, filled by calling the services
// directly instead of going through HTTP.
import "server-only";
import { QueryClient } from "@tanstack/react-query";
import { notFound } from "next/navigation";
import { AppError } from "@/lib/http/errors";
import { getManifestDetail, listNamespaces, listRepositories, listTags } from "@/lib/services/repositories";
import { getSyncStatus } from "@/lib/services/sync";
import {
  type ManifestLoader,
  type NamespaceLoader,
  namespaceAncestors,
  namespaceOptions,
  queryClientConfig,
  type RepositoryListLoader,
  type RepositoryListParams,
  repositoryListOptions,
  type SyncStatusLoader,
  syncStatusOptions,
  type TagListLoader,
} from "./index";

export const serviceLoaders = {
  repositories: ((query) => listRepositories(query)) satisfies RepositoryListLoader,
  namespaces: ((prefix) => listNamespaces(prefix)) satisfies NamespaceLoader,
  tags: ((repository, query) => listTags(repository, query)) satisfies TagListLoader,
  manifest: ((repository, reference) => getManifestDetail(repository, reference)) satisfies ManifestLoader,
  sync: (() => getSyncStatus()) satisfies SyncStatusLoader,
};

/** One QueryClient per request: never share server caches between users. */
export function makeServerQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // no retries while a request waits: a failed prefetch is left to the client, which retries
      queries: { ...queryClientConfig.defaultOptions.queries, retry: false },
    },
  });
}

/** The header's sync indicator and registry banner read this key on every page. */
export function prefetchSyncStatus(qc: QueryClient): Promise<void> {
  return qc.prefetchQuery(syncStatusOptions(serviceLoaders.sync));
}

/**
 * For a prefetch whose failure matters: a missing repository or manifest becomes the not-found page.
 * Other failures are left to the client, whose query refetches through the API and shows the error
 * with its message (error.tsx only gets a redacted message for errors thrown on the server).
 */
export function notFoundIfMissing(e: unknown): void {
  if (e instanceof AppError && e.code === "not_found") notFound();
}

/** What the repositories view shows first: the list for these params and the tree down to the selected namespace. */
export async function prefetchRepositoriesView(qc: QueryClient, params: RepositoryListParams): Promise<void> {
  await Promise.all([
    qc.prefetchInfiniteQuery(repositoryListOptions(params, serviceLoaders.repositories)),
    ...namespaceAncestors(params.namespace).map((prefix) => qc.prefetchQuery(namespaceOptions(prefix, serviceLoaders.namespaces))),
  ]);
}
