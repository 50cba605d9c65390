// Repositories and their tags: lists, sorts and list queries. Client-safe: zod and types only.
import { z } from "zod";
import { emptyToUndefined, limit, sortOrder } from "./common";
import { manifestKind, platform, problem, relatedCounts, relatedTo } from "./images";
import { REPOSITORY_SORTS, TAG_SORTS } from "./sorts";

export const repositorySort = z.enum(REPOSITORY_SORTS);
export const tagSort = z.enum(TAG_SORTS);
export type RepositorySort = z.infer<typeof repositorySort>;
export type TagSort = z.infer<typeof tagSort>;

export const repositoryItem = z.object({
  name: z.string(),
  tagCount: z.number().int(),
  sizeBytes: z.number(),
  updatedAt: z.string().nullable(),
  // the missing blobs any tag of the repository needs (absent on a tag list's repository totals)
  problems: z.array(problem).optional(),
});
export type RepositoryItem = z.infer<typeof repositoryItem>;

export const repositoryList = z.object({
  items: z.array(repositoryItem),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
});
export type RepositoryList = z.infer<typeof repositoryList>;

export const SHARED_LISTED = 20;

export const tagItem = z.object({
  name: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  kind: manifestKind,
  sizeBytes: z.number(),
  createdAt: z.string().nullable(),
  platforms: z.array(platform),
  // other tags of this repository that point at the same digest (deleting one by digest deletes them all on
  // registry 2.x): how many, and the first SHARED_LISTED of them in natural order
  sharedCount: z.number().int(),
  sharedWith: z.array(z.string()),
  problems: z.array(problem),
  // the config media type: a Helm chart is pulled with helm, not docker
  configMediaType: z.string().nullable(),
  // set on signature/attestation/SBOM tags: the manifest they describe
  relatedTo: relatedTo.nullable(),
  // what describes this manifest (tags of the repository, and an index's buildx attestations)
  related: relatedCounts,
});
export type TagItem = z.infer<typeof tagItem>;

export const tagList = z.object({
  // the repository's own totals (its size counts each distinct blob once), and its tags version: a number that moves
  // whenever any of its tags is added, repointed or removed (an open tags page polls it to know its pages changed)
  repository: repositoryItem.extend({ tagsVersion: z.string().regex(/^\d+$/) }),
  items: z.array(tagItem),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
});
export type TagList = z.infer<typeof tagList>;

export const repositoryListQuery = z.object({
  q: z.preprocess(emptyToUndefined, z.string().max(255).optional()),
  // list only repositories under this namespace prefix ("team/app" → "team/app/…")
  namespace: z.preprocess(emptyToUndefined, z.string().max(255).optional()),
  sort: z.preprocess(emptyToUndefined, repositorySort.default("name")),
  order: z.preprocess(emptyToUndefined, sortOrder.optional()),
  limit: z.preprocess(emptyToUndefined, limit(5000, 100)),
  // a keyset position: the last repository's name (up to 255 characters) and its sort value
  cursor: z.preprocess(emptyToUndefined, z.string().max(1024).optional()),
});
export type RepositoryListQuery = z.infer<typeof repositoryListQuery>;

export const tagListQuery = z.object({
  q: z.preprocess(emptyToUndefined, z.string().max(128).optional()),
  sort: z.preprocess(emptyToUndefined, tagSort.default("semver")),
  order: z.preprocess(emptyToUndefined, sortOrder.optional()),
  limit: z.preprocess(emptyToUndefined, limit(5000, 100)),
  // a keyset position: the last tag's name (up to 128 characters) and its sort value
  cursor: z.preprocess(emptyToUndefined, z.string().max(1024).optional()),
  // signatures, attestations and SBOMs: counted on their subject ("nested", the default) or listed as rows too
  artifacts: z.preprocess(emptyToUndefined, z.enum(["nested", "rows"]).optional()),
});
export type TagListQuery = z.infer<typeof tagListQuery>;
