// The client's view of the API, one module per domain: query keys and query options (the one place where the client
// and the server agree on what a cached query is), loaders and mutations. Client-safe (server pages pass the service
// function in as `load`, so both sides fill the same key). Responses are parsed with the contract's zod schemas
// (lib/contract), which load with the first request (`loadSchemas` in ./client). This module re-exports every
// domain so `@/lib/queries` stays the one import for UI code.

// contract types UI code has always imported from here (types only: a schema here would put zod in every page)
export type { SortOrder } from "@/lib/contract/common";
export type {
  ManifestUsage,
  RelatedArtifacts,
} from "@/lib/contract/images";
export type {
  ChangedFile,
  ComparedFile,
  FileChange,
  FileEntryType,
  FileItem,
  FileList,
  FindingSeverity,
  ImageComparison,
  ImageEfficiency,
  ImageFinding,
  ImageFindings,
  ImageHistory,
  ImageLayer,
  LayerIndexRequest,
  LayerIndexStatus,
} from "@/lib/contract/layers";
export type { RepositorySort, TagSort } from "@/lib/contract/repositories";
export * from "./accounts";
export * from "./audit";
export {
  ApiRequestError,
  DEFAULT_STALE_MS,
  flattenPages,
  isApiRequestError,
  isDigestReference,
  queryClientConfig,
  type SearchParamsLike,
  shouldRetry,
} from "./client";
export * from "./deletions";
export * from "./gc";
export * from "./images";
export * from "./keys";
export * from "./layers";
export { apiPaths, encodeReference, encodeRepositoryName, pageHrefs, safeCallbackUrl, searchString, signInHref } from "./paths";
export * from "./repositories";
export * from "./retention";
export * from "./storage";
export * from "./sync";
