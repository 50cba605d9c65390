// Repositories, namespaces and tags: list parameters (normalized so that the server page and the client build
// identical keys), loaders and query options.

import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import type { SortOrder } from "@/lib/contract/common";
import type { NamespaceList } from "@/lib/contract/namespaces";
import type { RepositoryList, RepositoryListQuery, RepositorySort, TagList, TagListQuery, TagSort } from "@/lib/contract/repositories";
import { oneOf, REPOSITORY_SORTS, SORT_ORDERS, TAG_SORTS } from "@/lib/contract/sorts";
import { getJson, nonEmpty, readParam, type SearchParamsLike, TAG_POINTERS_STALE_MS, withSearch } from "./client";
import { queryKeys, type RepositoryListParams, type TagListParams } from "./keys";
import { apiPaths } from "./paths";

export const REPOSITORY_PAGE_SIZE = 500;

export const TAG_PAGE_SIZE = 1000;

/**
 * The first page of a list is small: it is what the server renders into the page, and a screen shows about 20 rows.
 * Its size is what the page costs to send, parse and hydrate (1,000 tags made the page's HTML 1 MB); the list loads
 * the bigger pages behind it while the user scrolls.
 */
export const FIRST_PAGE_SIZE = 50;

/** Names read naturally A→Z; sizes, dates and counts are most useful biggest/newest first. */
export function defaultRepositoryOrder(sort: RepositorySort): SortOrder {
  return sort === "name" ? "asc" : "desc";
}

export function defaultTagOrder(sort: TagSort): SortOrder {
  return sort === "name" ? "asc" : "desc";
}

export function repositoryListParams(input: Partial<RepositoryListParams> = {}): RepositoryListParams {
  const sort = input.sort ?? "name";
  return {
    q: nonEmpty(input.q),
    namespace: nonEmpty(input.namespace)?.replace(/^\/+|\/+$/g, "") || undefined,
    sort,
    order: input.order ?? defaultRepositoryOrder(sort),
  };
}

export function tagListParams(input: Partial<TagListParams> = {}): TagListParams {
  const sort = input.sort ?? "semver";
  return { q: nonEmpty(input.q), sort, order: input.order ?? defaultTagOrder(sort), artifacts: input.artifacts ?? "nested" };
}

export function repositoryListParamsFromSearch(sp: SearchParamsLike): RepositoryListParams {
  return repositoryListParams({
    q: readParam(sp, "q"),
    namespace: readParam(sp, "namespace"),
    sort: oneOf(REPOSITORY_SORTS, readParam(sp, "sort")),
    order: oneOf(SORT_ORDERS, readParam(sp, "order")),
  });
}

export function tagListParamsFromSearch(sp: SearchParamsLike): TagListParams {
  return tagListParams({
    q: readParam(sp, "q"),
    sort: oneOf(TAG_SORTS, readParam(sp, "sort")),
    order: oneOf(SORT_ORDERS, readParam(sp, "order")),
    artifacts: readParam(sp, "artifacts") === "rows" ? "rows" : undefined,
  });
}

/** The service-layer query for one page of a repository list. */
export function repositoryListQueryFor(params: RepositoryListParams, cursor: string | null): RepositoryListQuery {
  return { ...params, limit: cursor ? REPOSITORY_PAGE_SIZE : FIRST_PAGE_SIZE, cursor: cursor ?? undefined };
}

export function tagListQueryFor(params: TagListParams, cursor: string | null): TagListQuery {
  return { ...params, limit: cursor ? TAG_PAGE_SIZE : FIRST_PAGE_SIZE, cursor: cursor ?? undefined };
}

/** "a/b/c" → ["", "a", "a/b"]: the prefixes whose children are listed to show namespace "a/b/c" in the tree. */
export function namespaceAncestors(namespace: string | undefined): string[] {
  if (!namespace) return [""];
  const parts = namespace.split("/");
  return parts.map((_, i) => parts.slice(0, i).join("/"));
}

export type RepositoryListLoader = (query: RepositoryListQuery, signal?: AbortSignal) => Promise<RepositoryList>;

export type NamespaceLoader = (prefix: string, cursor: string | null, signal?: AbortSignal) => Promise<NamespaceList>;

export type TagListLoader = (repository: string, query: TagListQuery, signal?: AbortSignal) => Promise<TagList>;

export const fetchRepositories: RepositoryListLoader = (query, signal) =>
  getJson(withSearch(apiPaths.repositories, query), "repositoryList", signal);

export const fetchNamespaces: NamespaceLoader = (prefix, cursor, signal) =>
  getJson(withSearch(apiPaths.namespaces, { prefix, cursor: cursor ?? undefined }), "namespaceList", signal);

export const fetchTags: TagListLoader = (repository, query, signal) =>
  getJson(withSearch(apiPaths.tags(repository), query), "tagList", signal);

export function repositoryListOptions(params: RepositoryListParams, load: RepositoryListLoader = fetchRepositories) {
  return infiniteQueryOptions({
    queryKey: queryKeys.repositories(params),
    queryFn: ({ pageParam, signal }) => load(repositoryListQueryFor(params, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: RepositoryList) => last.nextCursor,
    staleTime: TAG_POINTERS_STALE_MS,
  });
}

/** One level of the namespace tree, in pages (a namespace may hold thousands of children). */
export function namespaceOptions(prefix: string, load: NamespaceLoader = fetchNamespaces) {
  return infiniteQueryOptions({
    queryKey: queryKeys.namespaces(prefix),
    queryFn: ({ pageParam, signal }) => load(prefix, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: NamespaceList) => last.nextCursor,
    staleTime: 60_000,
  });
}

/** How often an open tags page asks whether its repository's tags changed. */
export const TAG_LIVE_REFRESH_MS = 5_000;

export function tagListOptions(repository: string, params: TagListParams, load: TagListLoader = fetchTags) {
  return infiniteQueryOptions({
    queryKey: queryKeys.tags(repository, params),
    queryFn: ({ pageParam, signal }) => load(repository, tagListQueryFor(params, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: TagList) => last.nextCursor,
    staleTime: TAG_POINTERS_STALE_MS,
  });
}

/**
 * The repository's tags version, polled by an open tags page (paused while the tab is hidden): registry
 * notifications reach the cache within a second, and the page reloads its pages when the version moves past theirs
 * (`tagsChangedSince`). Polling the list itself refetched every loaded page every five seconds: eleven requests
 * after scrolling through 10,000 tags. This is one request for one tag.
 */
export function tagsVersionOptions(repository: string, load: TagListLoader = fetchTags) {
  return queryOptions({
    queryKey: queryKeys.tagsVersion(repository),
    queryFn: async ({ signal }) =>
      (await load(repository, { sort: "name", order: "asc", limit: 1, artifacts: "rows" }, signal)).repository.tagsVersion,
    refetchInterval: TAG_LIVE_REFRESH_MS,
    // seeded with the loaded pages' version, the first poll comes one interval after them
    staleTime: TAG_LIVE_REFRESH_MS,
  });
}

/** Whether the polled version is newer than the one the loaded pages were read at (never when either is unknown). */
export function tagsChangedSince(loaded: string | undefined, polled: string | undefined): boolean {
  return loaded !== undefined && polled !== undefined && BigInt(polled) > BigInt(loaded);
}
