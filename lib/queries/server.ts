// Server-side counterparts of the query options: the same keys, filled by calling the services
// directly instead of going through HTTP.
import "server-only";
import { QueryClient } from "@tanstack/react-query";
import { notFound } from "next/navigation";
import { cache } from "react";
import type { Caller } from "@/lib/auth/caller";
import { auditListQuery } from "@/lib/contract/audit";
import { AppError } from "@/lib/errors";
import { listAudit } from "@/lib/services/audit";
import { getManifestDetail } from "@/lib/services/manifests";
import { listNamespaces, listRepositories, listTags } from "@/lib/services/repositories";
import { getSyncStatus } from "@/lib/services/sync";
import { listTokens } from "@/lib/services/tokens";
import { getMe, listUsers } from "@/lib/services/users";
import {
  type AuditListLoader,
  type ManifestLoader,
  type MeLoader,
  meOptions,
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
  type TokenListLoader,
  type UserListLoader,
} from "./index";

/** The sync status, read once per server render however many parts of the page show it. */
const syncStatusOnce = cache((caller: Caller) => getSyncStatus(caller));

/** The API's loaders, run in-process as this caller (the services check the caller's permissions). */
export function serviceLoaders(caller: Caller) {
  return {
    repositories: ((query) => listRepositories(caller, query)) satisfies RepositoryListLoader,
    namespaces: ((prefix, cursor) => listNamespaces(caller, { prefix, cursor: cursor ?? undefined })) satisfies NamespaceLoader,
    tags: ((repository, query) => listTags(caller, repository, query)) satisfies TagListLoader,
    manifest: ((repository, reference) => getManifestDetail(caller, repository, reference)) satisfies ManifestLoader,
    sync: (() => syncStatusOnce(caller)) satisfies SyncStatusLoader,
    me: (() => Promise.resolve(getMe(caller))) satisfies MeLoader,
    users: (() => listUsers(caller)) satisfies UserListLoader,
    myTokens: (() => listTokens(caller)) satisfies TokenListLoader,
    audit: ((query) => listAudit(caller, auditListQuery.parse(query))) satisfies AuditListLoader,
  };
}

/** One QueryClient per request: never share server caches between users. */
export function makeServerQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // no retries while a request waits: a failed prefetch is left to the client, which retries
      queries: { ...queryClientConfig.defaultOptions.queries, retry: false },
    },
  });
}

/** Who is signed in: the header's user menu and every role-dependent control read this key. */
export function prefetchMe(qc: QueryClient, caller: Caller): Promise<void> {
  return qc.prefetchQuery(meOptions(serviceLoaders(caller).me));
}

/** The header's sync indicator and registry banner read this key on every page. */
export function prefetchSyncStatus(qc: QueryClient, caller: Caller): Promise<void> {
  return qc.prefetchQuery(syncStatusOptions(serviceLoaders(caller).sync));
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
export async function prefetchRepositoriesView(qc: QueryClient, caller: Caller, params: RepositoryListParams): Promise<void> {
  const loaders = serviceLoaders(caller);
  await Promise.all([
    qc.prefetchInfiniteQuery(repositoryListOptions(params, loaders.repositories)),
    ...namespaceAncestors(params.namespace).map((prefix) => qc.prefetchInfiniteQuery(namespaceOptions(prefix, loaders.namespaces))),
  ]);
}
