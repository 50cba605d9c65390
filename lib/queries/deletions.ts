// Deleting tags and manifests.

import type { QueryClient } from "@tanstack/react-query";
import type { DeletionPreview, DeletionResult } from "@/lib/contract/deletions";
import { parseJson, sendJson } from "./client";
import { queryKeys } from "./keys";
import { apiPaths } from "./paths";

export type DeletionInput = {
  repository: string;
  tags?: string[];
  digests?: string[];
  tagFilter?: string;
  allTags?: boolean;
};

/** What a delete would remove; changes nothing. */
export async function postDeletionPreview(body: DeletionInput): Promise<DeletionPreview> {
  return parseJson(await sendJson(apiPaths.deletionPreview, "POST", body), apiPaths.deletionPreview, "deletionPreview");
}

/** Deletes once `confirmTags` equals the preview's tags (409 with a fresh preview otherwise). */
export async function postDeletion(body: DeletionInput & { confirmTags: string[] }): Promise<DeletionResult> {
  return parseJson(await sendJson(apiPaths.deletions, "POST", body), apiPaths.deletions, "deletionResult");
}

/** After a delete every listing that may show the removed tags is stale. */
export function invalidateAfterDelete(queryClient: QueryClient): Promise<void> {
  return Promise.all(
    [
      queryKeys.roots.repositories,
      queryKeys.roots.namespaces,
      queryKeys.roots.tags,
      queryKeys.roots.manifests,
      queryKeys.roots.usage,
      queryKeys.roots.related,
    ].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
  ).then(() => undefined);
}
