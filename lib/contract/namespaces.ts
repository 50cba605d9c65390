// The namespace tree of the repositories page. Client-safe: zod and types only.
import { z } from "zod";
import { emptyToUndefined } from "./common";

// Namespace tree for the repositories page: the direct children of a namespace prefix.
export const namespaceNode = z.object({ path: z.string(), repositoryCount: z.number().int(), isRepository: z.boolean() });
export const namespaceList = z.object({
  prefix: z.string(),
  // repositories at or below the prefix (every repository for the root)
  repositoryCount: z.number().int(),
  items: z.array(namespaceNode),
  nextCursor: z.string().nullable(),
});
export type NamespaceList = z.infer<typeof namespaceList>;
/** Children per page of a namespace level, unless the request asks for another count. */
export const NAMESPACE_PAGE = 200;
export const namespaceListQuery = z.object({
  prefix: z.string().max(255).default(""),
  limit: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1000).optional()),
  // the last path of the previous page
  cursor: z.preprocess(emptyToUndefined, z.string().max(255).optional()),
});
export type NamespaceListQuery = z.infer<typeof namespaceListQuery>;
