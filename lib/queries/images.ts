// One image's manifest, its blob usage and its related artifacts.

import { queryOptions } from "@tanstack/react-query";
import type { ManifestDetail } from "@/lib/contract/images";
import { getJson, isDigestReference, TAG_POINTERS_STALE_MS } from "./client";
import { queryKeys } from "./keys";
import { apiPaths } from "./paths";

export type ManifestLoader = (repository: string, reference: string, signal?: AbortSignal) => Promise<ManifestDetail>;

export const fetchManifest: ManifestLoader = (repository, reference, signal) =>
  getJson(apiPaths.manifest(repository, reference), "manifestDetail", signal);

export function manifestOptions(repository: string, reference: string, load: ManifestLoader = fetchManifest) {
  return queryOptions({
    queryKey: queryKeys.manifest(repository, reference),
    queryFn: ({ signal }) => load(repository, reference, signal),
    // A digest names immutable content; a tag may be moved to another digest at any time.
    staleTime: isDigestReference(reference) ? Number.POSITIVE_INFINITY : TAG_POINTERS_STALE_MS,
  });
}

export const fetchManifestUsage = (repository: string, reference: string, signal?: AbortSignal) =>
  getJson(apiPaths.manifestUsage(repository, reference), "manifestUsage", signal);

export const fetchRelatedArtifacts = (repository: string, reference: string, signal?: AbortSignal) =>
  getJson(apiPaths.manifestRelated(repository, reference), "relatedArtifacts", signal);

/** Sharing changes whenever any tag moves, so this is never cached for long. */
export function manifestUsageOptions(repository: string, reference: string) {
  return queryOptions({
    queryKey: queryKeys.usage(repository, reference),
    queryFn: ({ signal }) => fetchManifestUsage(repository, reference, signal),
    staleTime: TAG_POINTERS_STALE_MS,
  });
}

export function relatedArtifactsOptions(repository: string, reference: string) {
  return queryOptions({
    queryKey: queryKeys.related(repository, reference),
    queryFn: ({ signal }) => fetchRelatedArtifacts(repository, reference, signal),
    staleTime: TAG_POINTERS_STALE_MS,
  });
}
