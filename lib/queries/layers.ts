// The layer file index ("Layers and files" on the manifest page) and image comparisons.

import { infiniteQueryOptions, mutationOptions, type QueryClient, queryOptions } from "@tanstack/react-query";
import type { FileList, ImageComparison, ImageLayer, LayerIndexRequest } from "@/lib/contract/layers";
import { getJson, isDigestReference, nonEmpty, parseJson, request, TAG_POINTERS_STALE_MS, withSearch } from "./client";
import { type ComparisonParams, type FileDirectory, type FileView, queryKeys } from "./keys";
import { apiPaths } from "./paths";

export function comparisonParams(input: { from: string; to: string; platform?: string | undefined }): ComparisonParams {
  return { from: input.from.trim(), to: input.to.trim(), platform: nonEmpty(input.platform) };
}

export type ComparisonLoader = (repository: string, params: ComparisonParams, signal?: AbortSignal) => Promise<ImageComparison>;

export type FilesQuery = FileDirectory & { platform: string | undefined; recursive: boolean; limit: number; cursor: string | undefined };

export const fetchImageLayers = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestLayers(repository, reference), { platform }), "imageLayerList", signal);

export const fetchFiles = (repository: string, reference: string, query: FilesQuery, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestFiles(repository, reference), { ...query, recursive: String(query.recursive) }), "fileList", signal);

export const fetchEfficiency = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestEfficiency(repository, reference), { platform }), "imageEfficiency", signal);

export const fetchHistory = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestHistory(repository, reference), { platform }), "imageHistory", signal);

export const fetchFindings = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestFindings(repository, reference), { platform }), "imageFindings", signal);

export const fetchComparison: ComparisonLoader = (repository, params, signal) =>
  getJson(withSearch(apiPaths.compare(repository), params), "imageComparison", signal);

/** Queues every layer of the image that isn't indexed yet (202); any signed-in role may. */
export async function postLayerIndex(repository: string, reference: string, platform: string | undefined): Promise<LayerIndexRequest> {
  const path = withSearch(apiPaths.manifestIndex(repository, reference), { platform });
  return parseJson(await request(path, { method: "POST", cache: "no-store" }), path, "layerIndexRequest");
}

export const LAYER_INDEX_POLL_MS = 1_000;

/** The API's largest page: a 100,000-entry layer is 20 requests. */
export const FILE_PAGE_SIZE = 5_000;

/** Something is still being read (a layer nobody queued isn't: it waits for the POST). */
export function isIndexing(layers: readonly ImageLayer[]): boolean {
  return layers.some((l) => l.index.status === "running" || (l.index.status === "pending" && l.index.queued));
}

/** The file views answer 409 until every layer is done. */
export function allLayersIndexed(layers: readonly ImageLayer[]): boolean {
  return layers.every((l) => l.index.status === "done");
}

/** Listings of an indexed digest never change; a tag may move to another image. */
function indexedImageStaleTime(reference: string): number {
  return isDigestReference(reference) ? Number.POSITIVE_INFINITY : TAG_POINTERS_STALE_MS;
}

export function imageLayersOptions(repository: string, reference: string, platform: string | undefined) {
  return queryOptions({
    queryKey: queryKeys.layers(repository, reference, platform),
    queryFn: ({ signal }) => fetchImageLayers(repository, reference, platform, signal),
    // index status moves until every layer is done; after that only a moved tag changes the answer
    staleTime: (query) => (query.state.data && allLayersIndexed(query.state.data) ? indexedImageStaleTime(reference) : 0),
    refetchInterval: (query) => (query.state.data && isIndexing(query.state.data) ? LAYER_INDEX_POLL_MS : false),
  });
}

/** Every entry of a view (recursive from the root), page by page. Enable only once every layer is indexed. */
export function fileTreeOptions(repository: string, reference: string, platform: string | undefined, view: FileView) {
  return infiniteQueryOptions({
    queryKey: queryKeys.fileTree(repository, reference, platform, view),
    queryFn: ({ pageParam, signal }) =>
      fetchFiles(
        repository,
        reference,
        { ...view, path: "", platform, recursive: true, limit: FILE_PAGE_SIZE, cursor: pageParam ?? undefined },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last: FileList) => last.nextCursor,
    staleTime: indexedImageStaleTime(reference),
  });
}

/** The immediate children of one directory (directories carry the bytes under them). */
export function fileDirectoryOptions(repository: string, reference: string, platform: string | undefined, directory: FileDirectory) {
  return queryOptions({
    queryKey: queryKeys.fileDirectory(repository, reference, platform, directory),
    queryFn: ({ signal }) =>
      fetchFiles(repository, reference, { ...directory, platform, recursive: false, limit: FILE_PAGE_SIZE, cursor: undefined }, signal),
    staleTime: indexedImageStaleTime(reference),
  });
}

export function efficiencyOptions(repository: string, reference: string, platform: string | undefined) {
  return queryOptions({
    queryKey: queryKeys.efficiency(repository, reference, platform),
    queryFn: ({ signal }) => fetchEfficiency(repository, reference, platform, signal),
    staleTime: indexedImageStaleTime(reference),
  });
}

/** Best-practice findings; like the file views, they answer 409 until every layer is indexed. */
export function findingsOptions(repository: string, reference: string, platform: string | undefined) {
  return queryOptions({
    queryKey: queryKeys.findings(repository, reference, platform),
    queryFn: ({ signal }) => fetchFindings(repository, reference, platform, signal),
    staleTime: indexedImageStaleTime(reference),
  });
}

/** The config's history: immutable for a digest. */
export function historyOptions(repository: string, reference: string, platform: string | undefined) {
  return queryOptions({
    queryKey: queryKeys.history(repository, reference, platform),
    queryFn: ({ signal }) => fetchHistory(repository, reference, platform, signal),
    staleTime: indexedImageStaleTime(reference),
  });
}

export const COMPARISON_INDEX_POLL_MS = 2_000;

/**
 * Two images side by side. The file lists fill once both are indexed: with `pollUntilIndexed` (set once
 * indexing was asked for) the query refetches until then.
 */
export function comparisonOptions(
  repository: string,
  params: ComparisonParams,
  { pollUntilIndexed = false, load = fetchComparison }: { pollUntilIndexed?: boolean; load?: ComparisonLoader } = {},
) {
  const immutable = isDigestReference(params.from) && isDigestReference(params.to);
  return queryOptions({
    queryKey: queryKeys.comparison(repository, params),
    queryFn: ({ signal }) => load(repository, params, signal),
    staleTime: (query) => (query.state.data?.files.indexed ? (immutable ? Number.POSITIVE_INFINITY : TAG_POINTERS_STALE_MS) : 0),
    refetchInterval: (query) =>
      pollUntilIndexed && query.state.data && !query.state.data.files.indexed ? COMPARISON_INDEX_POLL_MS : false,
  });
}

export function indexLayersOptions(queryClient: QueryClient, repository: string, reference: string, platform: string | undefined) {
  return mutationOptions({
    mutationKey: ["layers", "index", repository, reference, platform ?? null],
    mutationFn: () => postLayerIndex(repository, reference, platform),
    // the answer carries the layers' new status: polling starts without waiting for a refetch
    onSuccess: (res) => queryClient.setQueryData(queryKeys.layers(repository, reference, platform), res.layers),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [...queryKeys.roots.layers, repository, reference] }),
  });
}

/** Queues the index of both images of a comparison; the layer queries poll from the answers' status. */
export function indexComparisonOptions(queryClient: QueryClient, repository: string, params: ComparisonParams) {
  return mutationOptions({
    mutationKey: ["comparisons", "index", repository, params],
    mutationFn: () =>
      Promise.all([postLayerIndex(repository, params.from, params.platform), postLayerIndex(repository, params.to, params.platform)]),
    onSuccess: ([from, to]) => {
      queryClient.setQueryData(queryKeys.layers(repository, params.from, params.platform), from.layers);
      queryClient.setQueryData(queryKeys.layers(repository, params.to, params.platform), to.layers);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.comparison(repository, params) }),
  });
}
