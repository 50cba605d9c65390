// Query keys and query options: the one place where the client and the server agree on what a
// cached query is. Client-safe (server pages pass the service function in as `load`, so both sides
// fill the same key). Responses are parsed with the API contract's zod schemas.
import { type InfiniteData, infiniteQueryOptions, mutationOptions, type QueryClient, queryOptions } from "@tanstack/react-query";
import { z } from "zod";
import {
  type AuditList,
  apiError,
  auditList,
  type CreatedToken,
  type changePasswordBody,
  createdToken,
  type createTokenBody,
  type createUserBody,
  type DeletionPreview,
  type DeletionResult,
  deletionPreview,
  deletionResult,
  type GcOverview,
  type GcRun,
  gcOverview,
  gcRun,
  type ManifestDetail,
  type Me,
  manifestDetail,
  me,
  type NamespaceList,
  namespaceList,
  type PasswordChanged,
  passwordChanged,
  type RepositoryList,
  type RepositoryListQuery,
  type RetentionPolicyView,
  type RetentionPreview,
  repositoryList,
  repositorySort,
  retentionPolicyList,
  retentionPolicyView,
  retentionPreview,
  retentionRunList,
  type SetupStatus,
  type StorageLocation,
  type StorageOverview,
  type SyncStatus,
  type setupBody,
  setupStatus,
  sortOrder,
  storageLocation,
  storageOverview,
  syncStatus,
  type TagList,
  type TagListQuery,
  type TokenList,
  tagList,
  tagSort,
  tokenList,
  type UpdatedUser,
  type UserItem,
  type UserList,
  updatedUser,
  type updateUserBody,
  userItem,
  userList,
} from "@/lib/services/api-types";
import { apiPaths } from "./paths";

export { apiPaths, encodeReference, encodeRepositoryName, pageHrefs, safeCallbackUrl, searchString, signInHref } from "./paths";

export type RepositorySort = z.infer<typeof repositorySort>;
export type TagSort = z.infer<typeof tagSort>;
export type SortOrder = z.infer<typeof sortOrder>;

// ---------------------------------------------------------------------------------------------
// Errors

/** A failed API call: the HTTP status and the `{ error: { code, message } }` body (status 0: no response). */
export class ApiRequestError extends Error {
  override name = "ApiRequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isApiRequestError(e: unknown): e is ApiRequestError {
  return e instanceof ApiRequestError;
}

/** Client errors (4xx) won't change on retry; everything else gets two more tries. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

// ---------------------------------------------------------------------------------------------
// Fetching

type SearchValue = string | number | undefined | null;

function withSearch(path: string, search: Record<string, SearchValue>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(search)) {
    if (v !== undefined && v !== null && v !== "") sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

async function readError(res: Response): Promise<ApiRequestError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON (a proxy's error page, say): fall back to the status line
  }
  const parsed = apiError.safeParse(body);
  if (parsed.success) return new ApiRequestError(res.status, parsed.data.error.code, parsed.data.error.message);
  return new ApiRequestError(res.status, `http_${res.status}`, `${res.status} ${res.statusText || "request failed"}`);
}

async function request(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { accept: "application/json", ...init.headers } });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiRequestError(0, "network_error", "Could not reach the Layerscope server");
  }
  if (!res.ok) throw await readError(res);
  return res;
}

/** A state-changing call with a JSON body. Same-origin fetches send Origin, which the API checks. */
function sendJson(path: string, method: "POST" | "PATCH" | "DELETE", body?: unknown): Promise<Response> {
  return request(path, {
    method,
    cache: "no-store",
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
}

async function parseJson<S extends z.ZodType>(res: Response, path: string, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) {
    throw new ApiRequestError(res.status, "invalid_response", `Unexpected response from ${path.split("?")[0]}`);
  }
  return parsed.data;
}

async function getJson<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
  return parseJson(await request(path, { signal, cache: "no-store" }), path, schema);
}

// ---------------------------------------------------------------------------------------------
// The layer file index ("Layers and files" on the manifest page): client-side parsers of its API.

export const layerIndexStatus = z.enum(["pending", "running", "done", "failed", "skipped"]);
export type LayerIndexStatus = z.infer<typeof layerIndexStatus>;

export const imageLayer = z.object({
  digest: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number(),
  uncompressedBytes: z.number().nullable(),
  fileCount: z.number().int().nullable(),
  createdBy: z.string().nullable(),
  emptyLayer: z.boolean().nullable(),
  index: z.object({
    status: layerIndexStatus,
    error: z.string().nullable(),
    bytesRead: z.number(),
    // false: nobody has asked to index this layer yet
    queued: z.boolean(),
  }),
});
export type ImageLayer = z.infer<typeof imageLayer>;
export const imageLayerList = z.array(imageLayer);

export const manifestUsage = z.object({
  digest: z.string(),
  tags: z.array(z.string()),
  totalBytes: z.number(),
  uniqueBytes: z.number(),
  blobs: z.array(
    z.object({
      digest: z.string(),
      kind: z.enum(["layer", "config", "manifest"]),
      bytes: z.number(),
      otherTags: z.number().int(),
      otherRepositories: z.number().int(),
      unique: z.boolean(),
    }),
  ),
});
export type ManifestUsage = z.infer<typeof manifestUsage>;

export const relatedArtifacts = z.object({
  digest: z.string(),
  referrersApi: z.enum(["supported", "unsupported", "error"]),
  items: z.array(
    z.object({
      digest: z.string(),
      relation: z.enum(["signature", "attestation", "sbom", "artifact"]),
      sources: z.array(z.enum(["referrers-api", "subject", "cosign-tag", "index"])),
      mediaType: z.string(),
      artifactType: z.string().nullable(),
      sizeBytes: z.number(),
      tags: z.array(z.string()),
      describes: z.string(),
    }),
  ),
});
export type RelatedArtifacts = z.infer<typeof relatedArtifacts>;

export const layerIndexRequest = z.object({
  digest: z.string(),
  // how many layers were queued by this call (a count, or a flag)
  queued: z.union([z.number(), z.boolean()]),
  layers: imageLayerList,
});
export type LayerIndexRequest = z.infer<typeof layerIndexRequest>;

export const fileEntryType = z.enum(["file", "dir", "symlink", "hardlink", "char", "block", "fifo", "other"]);
export type FileEntryType = z.infer<typeof fileEntryType>;
export const fileChange = z.enum(["added", "modified", "removed", "unchanged"]);
export type FileChange = z.infer<typeof fileChange>;

export const fileItem = z.object({
  path: z.string(),
  // a type the client doesn't know yet still lists
  type: fileEntryType.catch("other"),
  sizeBytes: z.number(),
  mode: z.number().int(),
  linkTarget: z.string().nullable(),
  change: fileChange,
  // digest of the layer that last touched the entry
  layer: z.string(),
  // the name as the archive wrote it, when it escaped the image root ("../../x"); `path` is where it is indexed
  storedName: z.string().optional(),
});
export type FileItem = z.infer<typeof fileItem>;

export const fileList = z.object({
  layer: z.string(),
  path: z.string(),
  total: z.number().int(),
  items: z.array(fileItem),
  nextCursor: z.string().nullable(),
});
export type FileList = z.infer<typeof fileList>;

export const imageEfficiency = z.object({
  digest: z.string(),
  totalBytes: z.number(),
  finalBytes: z.number(),
  wastedBytes: z.number(),
  efficiency: z.number(),
  wasted: z.array(z.object({ path: z.string(), bytes: z.number(), layers: z.array(z.string()) })),
  formula: z.string(),
});
export type ImageEfficiency = z.infer<typeof imageEfficiency>;

export const findingSeverity = z.enum(["info", "warning", "critical"]);
export type FindingSeverity = z.infer<typeof findingSeverity>;

export const imageFinding = z.object({
  id: z.string(),
  severity: findingSeverity,
  title: z.string(),
  detail: z.string(),
  bytes: z.number().nullable(),
  paths: z.array(z.string()),
  // 0-based positions in the manifest's layer list
  layers: z.array(z.number().int()),
  fix: z.string(),
});
export type ImageFinding = z.infer<typeof imageFinding>;

export const imageFindings = z.object({ digest: z.string(), items: z.array(imageFinding) });
export type ImageFindings = z.infer<typeof imageFindings>;

export const imageHistory = z.object({
  digest: z.string(),
  steps: z.array(
    z.object({
      historyIndex: z.number().int().nullable(),
      instruction: z.string(),
      emptyLayer: z.boolean(),
      layerIndex: z.number().int().nullable(),
      created: z.string().nullable(),
      layer: z.object({ digest: z.string(), sizeBytes: z.number() }).nullable(),
    }),
  ),
  mismatch: z.object({ historyLayers: z.number().int(), manifestLayers: z.number().int() }).nullable(),
});
export type ImageHistory = z.infer<typeof imageHistory>;

const comparedLayer = z.object({ digest: z.string(), sizeBytes: z.number() });
const comparedFile = z.object({ path: z.string(), type: fileEntryType.catch("other"), sizeBytes: z.number() });
export type ComparedFile = z.infer<typeof comparedFile>;
const changedFile = z.object({
  path: z.string(),
  type: fileEntryType.catch("other"),
  fromBytes: z.number(),
  toBytes: z.number(),
  // a regular file's content digest on each side ("sha256:…"; null when not a file or not known)
  fromDigest: z.string().nullable().default(null),
  toDigest: z.string().nullable().default(null),
});
export type ChangedFile = z.infer<typeof changedFile>;

export const imageComparison = z.object({
  from: z.object({ reference: z.string(), digest: z.string() }),
  to: z.object({ reference: z.string(), digest: z.string() }),
  layers: z.object({ shared: z.array(comparedLayer), onlyFrom: z.array(comparedLayer), onlyTo: z.array(comparedLayer) }),
  files: z.object({
    // false until every layer of both images is indexed: then the lists are empty
    indexed: z.boolean(),
    // files were compared by content digest too; false while some layer still waits for its digests
    content: z.boolean().default(false),
    counts: z.object({ added: z.number().int(), removed: z.number().int(), modified: z.number().int() }).optional(),
    added: z.array(comparedFile),
    removed: z.array(comparedFile),
    modified: z.array(changedFile),
    // a list holds at most the API's limit; `counts` has the full numbers
    truncated: z.boolean(),
  }),
});
export type ImageComparison = z.infer<typeof imageComparison>;

/** `merged` is the final file system; a layer digest is the file system as that layer left it. */
export type FileView = { layer: string; changes: "only" | "all" };
export type FileDirectory = FileView & { path: string };

// ---------------------------------------------------------------------------------------------
// Parameters: normalized so that the server page and the client build identical keys.

export const REPOSITORY_PAGE_SIZE = 500;
export const TAG_PAGE_SIZE = 1000;

export type RepositoryListParams = {
  q: string | undefined;
  namespace: string | undefined;
  sort: RepositorySort;
  order: SortOrder;
};

export type TagListParams = {
  q: string | undefined;
  sort: TagSort;
  order: SortOrder;
  // signatures, attestations and SBOMs: badges on their subject, or rows of their own too
  artifacts: "nested" | "rows";
};

/** What a page's `searchParams` prop or a `URLSearchParams` looks like. */
export type SearchParamsLike = Pick<URLSearchParams, "get"> | Record<string, string | string[] | undefined> | undefined;

function readParam(sp: SearchParamsLike, key: string): string | undefined {
  if (!sp) return undefined;
  if (typeof sp.get === "function") return (sp as Pick<URLSearchParams, "get">).get(key) ?? undefined;
  const v = (sp as Record<string, string | string[] | undefined>)[key];
  return Array.isArray(v) ? v[0] : v;
}

function nonEmpty(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

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
    sort: repositorySort.safeParse(readParam(sp, "sort")).data,
    order: sortOrder.safeParse(readParam(sp, "order")).data,
  });
}

export function tagListParamsFromSearch(sp: SearchParamsLike): TagListParams {
  return tagListParams({
    q: readParam(sp, "q"),
    sort: tagSort.safeParse(readParam(sp, "sort")).data,
    order: sortOrder.safeParse(readParam(sp, "order")).data,
    artifacts: readParam(sp, "artifacts") === "rows" ? "rows" : undefined,
  });
}

/** The service-layer query for one page of a repository list. */
export function repositoryListQueryFor(params: RepositoryListParams, cursor: string | null): RepositoryListQuery {
  return { ...params, limit: REPOSITORY_PAGE_SIZE, cursor: cursor ?? undefined };
}

export function tagListQueryFor(params: TagListParams, cursor: string | null): TagListQuery {
  return { ...params, limit: TAG_PAGE_SIZE, cursor: cursor ?? undefined };
}

/** "a/b/c" → ["", "a", "a/b"]: the prefixes whose children are listed to show namespace "a/b/c" in the tree. */
export function namespaceAncestors(namespace: string | undefined): string[] {
  if (!namespace) return [""];
  const parts = namespace.split("/");
  return parts.map((_, i) => parts.slice(0, i).join("/"));
}

/** A ":" only ever appears in a digest, never in a tag. */
export function isDigestReference(reference: string): boolean {
  return reference.includes(":");
}

/** Two references of one repository; `platform` picks the image of an index on both sides. */
export type ComparisonParams = { from: string; to: string; platform: string | undefined };

export function comparisonParams(input: { from: string; to: string; platform?: string | undefined }): ComparisonParams {
  return { from: input.from.trim(), to: input.to.trim(), platform: nonEmpty(input.platform) };
}

/** A filter on the audit log (newest first; `action` matches a prefix: "login" → every sign-in). */
export type AuditListParams = { action: string | undefined; actor: string | undefined; limit: number };

export function auditListParams(input: Partial<AuditListParams> = {}): AuditListParams {
  return { action: nonEmpty(input.action), actor: nonEmpty(input.actor), limit: input.limit ?? 100 };
}

/** The users page's "Recent sign-ins". */
export const RECENT_SIGN_INS = auditListParams({ action: "login", limit: 20 });

// ---------------------------------------------------------------------------------------------
// Keys

export const queryKeys = {
  /** Prefixes, for invalidation. */
  roots: {
    repositories: ["repositories"] as const,
    namespaces: ["namespaces"] as const,
    tags: ["tags"] as const,
    manifests: ["manifests"] as const,
    users: ["users"] as const,
    tokens: ["tokens"] as const,
    audit: ["audit"] as const,
    layers: ["layers"] as const,
    files: ["files"] as const,
    efficiency: ["efficiency"] as const,
    findings: ["findings"] as const,
    comparisons: ["comparisons"] as const,
    usage: ["usage"] as const,
    related: ["related"] as const,
  },
  repositories: (params: RepositoryListParams) => ["repositories", params] as const,
  namespaces: (prefix: string) => ["namespaces", prefix] as const,
  tags: (repository: string, params: TagListParams) => ["tags", repository, params] as const,
  manifest: (repository: string, reference: string) => ["manifests", repository, reference] as const,
  sync: () => ["sync"] as const,
  me: () => ["me"] as const,
  users: () => ["users"] as const,
  myTokens: () => ["tokens"] as const,
  /** An admin's view of someone's tokens (under the users prefix: user changes refresh it). */
  userTokens: (userId: number) => ["users", userId, "tokens"] as const,
  audit: (params: AuditListParams) => ["audit", params] as const,
  setup: () => ["setup"] as const,
  /** `platform` picks the image of an index; null for a plain image. */
  layers: (repository: string, reference: string, platform: string | undefined) =>
    ["layers", repository, reference, platform ?? null] as const,
  /** Every entry of one view, fetched page by page (recursive). */
  fileTree: (repository: string, reference: string, platform: string | undefined, view: FileView) =>
    ["files", repository, reference, platform ?? null, "tree", view] as const,
  /** The immediate children of one directory. */
  fileDirectory: (repository: string, reference: string, platform: string | undefined, directory: FileDirectory) =>
    ["files", repository, reference, platform ?? null, "directory", directory] as const,
  efficiency: (repository: string, reference: string, platform: string | undefined) =>
    ["efficiency", repository, reference, platform ?? null] as const,
  findings: (repository: string, reference: string, platform: string | undefined) =>
    ["findings", repository, reference, platform ?? null] as const,
  history: (repository: string, reference: string, platform: string | undefined) =>
    ["history", repository, reference, platform ?? null] as const,
  comparison: (repository: string, params: ComparisonParams) => ["comparisons", repository, params] as const,
  usage: (repository: string, reference: string) => ["usage", repository, reference] as const,
  gc: () => ["gc"] as const,
  storage: () => ["storage"] as const,
  storageLocation: (digest: string, repository: string | undefined) => ["storage", "locate", digest, repository ?? null] as const,
  retention: () => ["retention"] as const,
  retentionRuns: (id: number) => ["retention", id, "runs"] as const,
  gcRun: (id: number) => ["gc", id] as const,
  related: (repository: string, reference: string) => ["related", repository, reference] as const,
};

// ---------------------------------------------------------------------------------------------
// Loaders: the API by default; server pages pass the service function instead.

export type RepositoryListLoader = (query: RepositoryListQuery, signal?: AbortSignal) => Promise<RepositoryList>;
export type NamespaceLoader = (prefix: string, cursor: string | null, signal?: AbortSignal) => Promise<NamespaceList>;
export type TagListLoader = (repository: string, query: TagListQuery, signal?: AbortSignal) => Promise<TagList>;
export type ManifestLoader = (repository: string, reference: string, signal?: AbortSignal) => Promise<ManifestDetail>;
export type SyncStatusLoader = (signal?: AbortSignal) => Promise<SyncStatus>;
export type MeLoader = (signal?: AbortSignal) => Promise<Me>;
export type UserListLoader = (signal?: AbortSignal) => Promise<UserList>;
export type TokenListLoader = (signal?: AbortSignal) => Promise<TokenList>;
export type AuditListLoader = (query: AuditListParams & { cursor?: string }, signal?: AbortSignal) => Promise<AuditList>;
export type SetupStatusLoader = (signal?: AbortSignal) => Promise<SetupStatus>;
export type ComparisonLoader = (repository: string, params: ComparisonParams, signal?: AbortSignal) => Promise<ImageComparison>;

export const fetchRepositories: RepositoryListLoader = (query, signal) =>
  getJson(withSearch(apiPaths.repositories, query), repositoryList, signal);

export const fetchNamespaces: NamespaceLoader = (prefix, cursor, signal) =>
  getJson(withSearch(apiPaths.namespaces, { prefix, cursor: cursor ?? undefined }), namespaceList, signal);

export const fetchTags: TagListLoader = (repository, query, signal) =>
  getJson(withSearch(apiPaths.tags(repository), query), tagList, signal);

export const fetchManifest: ManifestLoader = (repository, reference, signal) =>
  getJson(apiPaths.manifest(repository, reference), manifestDetail, signal);

export const fetchSyncStatus: SyncStatusLoader = (signal) => getJson(apiPaths.sync, syncStatus, signal);

export const fetchMe: MeLoader = (signal) => getJson(apiPaths.me, me, signal);

export const fetchUsers: UserListLoader = (signal) => getJson(apiPaths.users, userList, signal);

export const fetchMyTokens: TokenListLoader = (signal) => getJson(apiPaths.myTokens, tokenList, signal);

export const fetchAudit: AuditListLoader = (query, signal) => getJson(withSearch(apiPaths.audit, query), auditList, signal);

export const fetchSetupStatus: SetupStatusLoader = (signal) => getJson(apiPaths.setup, setupStatus, signal);

export type FilesQuery = FileDirectory & { platform: string | undefined; recursive: boolean; limit: number; cursor: string | undefined };

export const fetchImageLayers = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestLayers(repository, reference), { platform }), imageLayerList, signal);

export const fetchFiles = (repository: string, reference: string, query: FilesQuery, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestFiles(repository, reference), { ...query, recursive: String(query.recursive) }), fileList, signal);

export const fetchEfficiency = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestEfficiency(repository, reference), { platform }), imageEfficiency, signal);

export const fetchHistory = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestHistory(repository, reference), { platform }), imageHistory, signal);

export const fetchFindings = (repository: string, reference: string, platform: string | undefined, signal?: AbortSignal) =>
  getJson(withSearch(apiPaths.manifestFindings(repository, reference), { platform }), imageFindings, signal);

export const fetchManifestUsage = (repository: string, reference: string, signal?: AbortSignal) =>
  getJson(apiPaths.manifestUsage(repository, reference), manifestUsage, signal);

export const fetchRelatedArtifacts = (repository: string, reference: string, signal?: AbortSignal) =>
  getJson(apiPaths.manifestRelated(repository, reference), relatedArtifacts, signal);

export const fetchComparison: ComparisonLoader = (repository, params, signal) =>
  getJson(withSearch(apiPaths.compare(repository), params), imageComparison, signal);

/** Queues every layer of the image that isn't indexed yet (202); any signed-in role may. */
export async function postLayerIndex(repository: string, reference: string, platform: string | undefined): Promise<LayerIndexRequest> {
  const path = withSearch(apiPaths.manifestIndex(repository, reference), { platform });
  return parseJson(await request(path, { method: "POST", cache: "no-store" }), path, layerIndexRequest);
}

// Request bodies as the browser sends them (the server applies the schemas' defaults).
export type CreateUserInput = z.input<typeof createUserBody>;
export type UpdateUserInput = z.input<typeof updateUserBody>;
export type ChangePasswordInput = z.input<typeof changePasswordBody>;
export type CreateTokenInput = z.input<typeof createTokenBody>;
export type SetupInput = z.input<typeof setupBody>;

export async function postUser(body: CreateUserInput): Promise<UserItem> {
  return parseJson(await sendJson(apiPaths.users, "POST", body), apiPaths.users, userItem);
}

/** A password reset in `body` also answers how many of the user's API tokens it revoked. */
export async function patchUser(id: number, body: UpdateUserInput): Promise<UpdatedUser> {
  return parseJson(await sendJson(apiPaths.user(id), "PATCH", body), apiPaths.user(id), updatedUser);
}

/** Every session of the user ends, this one too (the caller signs in again), and every API token is revoked. */
export async function postPassword(body: ChangePasswordInput): Promise<PasswordChanged> {
  return parseJson(await sendJson(apiPaths.myPassword, "POST", body), apiPaths.myPassword, passwordChanged);
}

export const fetchUserTokens = (userId: number, signal?: AbortSignal): Promise<TokenList> =>
  getJson(apiPaths.userTokens(userId), tokenList, signal);

export async function deleteUserToken({ userId, tokenId }: { userId: number; tokenId: number }): Promise<void> {
  await sendJson(apiPaths.userToken(userId, tokenId), "DELETE");
}

/** The response holds the token's secret: show it once, never cache it. */
export async function postToken(body: CreateTokenInput): Promise<CreatedToken> {
  return parseJson(await sendJson(apiPaths.myTokens, "POST", body), apiPaths.myTokens, createdToken);
}

export async function deleteToken(id: number): Promise<void> {
  await sendJson(apiPaths.myToken(id), "DELETE");
}

/** Creates the first admin (201); 409 once any user exists. */
export async function postSetup(body: SetupInput): Promise<void> {
  await sendJson(apiPaths.setup, "POST", body);
}

export type DeletionInput = {
  repository: string;
  tags?: string[];
  digests?: string[];
  tagFilter?: string;
  allTags?: boolean;
};

/** What a delete would remove; changes nothing. */
export async function postDeletionPreview(body: DeletionInput): Promise<DeletionPreview> {
  return parseJson(await sendJson(apiPaths.deletionPreview, "POST", body), apiPaths.deletionPreview, deletionPreview);
}

/** Deletes once `confirmTags` equals the preview's tags (409 with a fresh preview otherwise). */
export async function postDeletion(body: DeletionInput & { confirmTags: string[] }): Promise<DeletionResult> {
  return parseJson(await sendJson(apiPaths.deletions, "POST", body), apiPaths.deletions, deletionResult);
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

const GC_POLL_MS = 1_000;
const isActive = (status: GcRun["status"] | undefined) => status === "queued" || status === "running";

export function gcOverviewOptions(
  load: (signal?: AbortSignal) => Promise<GcOverview> = (signal) => getJson(apiPaths.gc, gcOverview, signal),
) {
  return queryOptions({
    queryKey: queryKeys.gc(),
    queryFn: ({ signal }) => load(signal),
    refetchInterval: (q) => (q.state.data?.items.some((r) => isActive(r.status)) ? GC_POLL_MS * 2 : false),
  });
}

/** One run with its log; polled while it is queued or running. */
export function gcRunOptions(id: number) {
  return queryOptions({
    queryKey: queryKeys.gcRun(id),
    queryFn: ({ signal }) => getJson(apiPaths.gcRun(id), gcRun, signal),
    refetchInterval: (q) => (q.state.data === undefined || isActive(q.state.data.status) ? GC_POLL_MS : false),
  });
}

/** 202 {id}; 409 while another run is queued or running. */
export async function postGc(dryRun: boolean): Promise<{ id: number }> {
  return parseJson(await sendJson(apiPaths.gc, "POST", { dryRun }), apiPaths.gc, z.object({ id: z.number().int() }));
}

export function storageOptions(
  load: (signal?: AbortSignal) => Promise<StorageOverview> = (signal) => getJson(apiPaths.storage, storageOverview, signal),
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
  return parseJson(await sendJson(apiPaths.storage, "POST"), apiPaths.storage, z.object({ id: z.number().int() }));
}

/** Where a blob (and, with a repository, a manifest) lives in the storage root. */
export function storageLocationOptions(digest: string, repository: string | undefined) {
  return queryOptions({
    queryKey: queryKeys.storageLocation(digest, repository),
    queryFn: ({ signal }): Promise<StorageLocation> => getJson(apiPaths.storageLocate(digest, repository), storageLocation, signal),
    retry: false,
  });
}

/** Removes an empty repository's folders; the admin states the registry is read-only or stopped. */
export async function removeStorageRepository(repository: string, registryReadOnly: boolean): Promise<void> {
  await sendJson(apiPaths.storageRepositories, "DELETE", { repository, registryReadOnly });
}

export type RetentionPolicyInput = {
  name: string;
  repositoryGlob: string;
  keepLatest?: number | null;
  keepTagPattern?: string | null;
  deleteOlderThanDays?: number | null;
  keepPulledWithinDays?: number | null;
  schedule?: string | null;
  enabled: boolean;
};

export function retentionPoliciesOptions() {
  return queryOptions({
    queryKey: queryKeys.retention(),
    queryFn: ({ signal }) => getJson(apiPaths.retention, retentionPolicyList, signal),
  });
}

export function retentionRunsOptions(id: number) {
  return queryOptions({
    queryKey: queryKeys.retentionRuns(id),
    queryFn: ({ signal }) => getJson(apiPaths.retentionRuns(id), retentionRunList, signal),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === "queued" || r.status === "running") ? 1_000 : false),
  });
}

export async function postRetentionPreview(body: RetentionPolicyInput): Promise<RetentionPreview> {
  return parseJson(await sendJson(apiPaths.retentionPreview, "POST", body), apiPaths.retentionPreview, retentionPreview);
}

export async function postRetentionPolicy(body: RetentionPolicyInput): Promise<RetentionPolicyView> {
  return parseJson(await sendJson(apiPaths.retention, "POST", body), apiPaths.retention, retentionPolicyView);
}

export async function deleteRetentionPolicy(id: number): Promise<void> {
  await sendJson(apiPaths.retentionPolicy(id), "DELETE");
}

export async function postRetentionRun(id: number, dryRun: boolean): Promise<void> {
  await sendJson(apiPaths.retentionRuns(id), "POST", { dryRun });
}

/** Starts a sync run (202). A run already in progress answers 409, which is fine: it's running. */
export async function triggerSync(): Promise<void> {
  try {
    await request(apiPaths.sync, { method: "POST" });
  } catch (e) {
    if (e instanceof ApiRequestError && e.code === "conflict") return;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Options

const TAG_POINTERS_STALE_MS = 30_000;

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

/** How often an open tags page asks for changes. */
export const TAG_LIVE_REFRESH_MS = 5_000;

export function tagListOptions(repository: string, params: TagListParams, load: TagListLoader = fetchTags) {
  return infiniteQueryOptions({
    queryKey: queryKeys.tags(repository, params),
    queryFn: ({ pageParam, signal }) => load(repository, tagListQueryFor(params, pageParam), signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: TagList) => last.nextCursor,
    staleTime: TAG_POINTERS_STALE_MS,
    // registry notifications reach the cache within a second: an open tags page follows them
    // (paused while the tab is hidden)
    refetchInterval: TAG_LIVE_REFRESH_MS,
  });
}

export function manifestOptions(repository: string, reference: string, load: ManifestLoader = fetchManifest) {
  return queryOptions({
    queryKey: queryKeys.manifest(repository, reference),
    queryFn: ({ signal }) => load(repository, reference, signal),
    // A digest names immutable content; a tag may be moved to another digest at any time.
    staleTime: isDigestReference(reference) ? Number.POSITIVE_INFINITY : TAG_POINTERS_STALE_MS,
  });
}

export const SYNC_POLL_RUNNING_MS = 2_000;
export const SYNC_POLL_IDLE_MS = 15_000;
export const SYNC_POLL_QUEUED_MS = 1_000;

export function syncStatusOptions(load: SyncStatusLoader = fetchSyncStatus) {
  return queryOptions({
    queryKey: queryKeys.sync(),
    queryFn: ({ signal }) => load(signal),
    staleTime: 1_000,
    // a queued run starts within a worker's poll: ask often until it has, then follow its progress
    refetchInterval: (query) =>
      query.state.data?.queued ? SYNC_POLL_QUEUED_MS : query.state.data?.running ? SYNC_POLL_RUNNING_MS : SYNC_POLL_IDLE_MS,
  });
}

/** Who the browser is signed in as, and what their role allows (controls hide what it does not). */
export function meOptions(load: MeLoader = fetchMe) {
  return queryOptions({ queryKey: queryKeys.me(), queryFn: ({ signal }) => load(signal), staleTime: 60_000 });
}

/** Admins only. */
export function userListOptions(load: UserListLoader = fetchUsers) {
  return queryOptions({ queryKey: queryKeys.users(), queryFn: ({ signal }) => load(signal) });
}

export function myTokensOptions(load: TokenListLoader = fetchMyTokens) {
  return queryOptions({ queryKey: queryKeys.myTokens(), queryFn: ({ signal }) => load(signal) });
}

/** The first page of the audit log for these params (admins only). */
export function auditListOptions(params: AuditListParams, load: AuditListLoader = fetchAudit) {
  return queryOptions({ queryKey: queryKeys.audit(params), queryFn: ({ signal }) => load(params, signal), staleTime: 10_000 });
}

export function setupStatusOptions(load: SetupStatusLoader = fetchSetupStatus) {
  return queryOptions({ queryKey: queryKeys.setup(), queryFn: ({ signal }) => load(signal) });
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

export function createUserOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["users", "create"],
    mutationFn: postUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.users }),
  });
}

export function updateUserOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["users", "update"],
    mutationFn: ({ id, body }: { id: number; body: UpdateUserInput }) => patchUser(id, body),
    onSuccess: ({ tokensRevoked: _, ...updated }) => {
      // the row changes at once; the refetch below confirms it
      queryClient.setQueryData(queryKeys.users(), (list: UserList | undefined) =>
        list ? { items: list.items.map((u) => (u.id === updated.id ? updated : u)) } : list,
      );
    },
    // an admin may have changed their own role or grants
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.roots.users }),
        queryClient.invalidateQueries({ queryKey: queryKeys.me() }),
      ]),
  });
}

export function changePasswordOptions() {
  return mutationOptions({ mutationKey: ["me", "password"], mutationFn: postPassword });
}

export function createTokenOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["tokens", "create"],
    mutationFn: postToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.tokens }),
  });
}

export function userTokensOptions(userId: number) {
  return queryOptions({ queryKey: queryKeys.userTokens(userId), queryFn: ({ signal }) => fetchUserTokens(userId, signal) });
}

/** An admin revokes someone's token; the users list (active token counts) refreshes too. */
export function revokeUserTokenOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["users", "tokens", "revoke"],
    mutationFn: deleteUserToken,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.users }),
  });
}

export function revokeTokenOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["tokens", "revoke"],
    mutationFn: deleteToken,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.tokens }),
  });
}

export function setupOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["setup"],
    mutationFn: postSetup,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.setup() }),
  });
}

export function triggerSyncOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["sync", "trigger"],
    mutationFn: triggerSync,
    // "queued" at once, before the request returns; the server's status takes over from there
    onMutate: () => {
      queryClient.setQueryData(queryKeys.sync(), (prev: SyncStatus | undefined) =>
        prev && !prev.running ? { ...prev, queued: true } : prev,
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.sync() }),
  });
}

/**
 * After a sync run finished, everything that points at digests may have moved. Manifests fetched
 * by digest stay: their content cannot change.
 */
export function invalidateSyncedData(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: queryKeys.roots.repositories }),
    queryClient.invalidateQueries({ queryKey: queryKeys.roots.namespaces }),
    queryClient.invalidateQueries({ queryKey: queryKeys.roots.tags }),
    queryClient.invalidateQueries({
      queryKey: queryKeys.roots.manifests,
      predicate: (q) => {
        const reference = q.queryKey[2];
        return typeof reference !== "string" || !isDigestReference(reference);
      },
    }),
  ]).then(() => undefined);
}

/** All loaded pages of an infinite list, flattened. */
export function flattenPages<T>(data: InfiniteData<{ items: T[] }, unknown> | undefined): T[] {
  return data ? data.pages.flatMap((p) => p.items) : [];
}

// ---------------------------------------------------------------------------------------------
// The QueryClient

export const DEFAULT_STALE_MS = 30_000;

export const queryClientConfig = {
  defaultOptions: {
    queries: {
      // With SSR, a zero staleTime would refetch everything right after hydration.
      staleTime: DEFAULT_STALE_MS,
      retry: shouldRetry,
      refetchOnWindowFocus: false,
    },
  },
} as const;
