// The JSON API v1 contract (docs in docs/api.md). Pages, route handlers and services share
// these shapes; the schemas double as the client-side parsers.
import { z } from "zod";
import { grantSchema, roleSchema, usernameSchema } from "../auth/roles";

export const manifestKind = z.enum(["image", "index", "artifact", "legacy"]);
export type ManifestKind = z.infer<typeof manifestKind>;

export const repositorySort = z.enum(["name", "updated", "size", "tags"]);
export const tagSort = z.enum(["name", "semver", "created", "size"]);
export const sortOrder = z.enum(["asc", "desc"]);

// Something wrong with an image that its size and dates do not show: `blob_missing` is a layer or config the
// manifest needs that the registry no longer has (pulls fail). Checked in the background (blob-presence.ts).
export const problem = z.object({ code: z.enum(["blob_missing"]), digest: z.string() });
export type Problem = z.infer<typeof problem>;

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

export const platform = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().nullable(),
  digest: z.string(),
  sizeBytes: z.number(),
});
export type Platform = z.infer<typeof platform>;

export const SHARED_LISTED = 20;

// Signatures, attestations and SBOMs: what an artifact describes, and what describes an image.
export const relation = z.enum(["signature", "attestation", "sbom", "artifact"]);
export type Relation = z.infer<typeof relation>;
export const relatedTo = z.object({ digest: z.string(), relation });
export type RelatedTo = z.infer<typeof relatedTo>;
// cosign signatures checked against COSIGN_PUBLIC_KEYS: "unchecked" when no key is set or no signature is cosign's
export const signatureVerification = z.object({
  status: z.enum(["verified", "failed", "unchecked"]),
  // the keys (file basenames) that verified a signature
  keys: z.array(z.string()),
  reason: z.string().nullable(),
});
export type SignatureVerification = z.infer<typeof signatureVerification>;
export const relatedCounts = z.object({
  signatures: z.number().int(),
  attestations: z.number().int(),
  sboms: z.number().int(),
  verification: signatureVerification.nullable(),
});
export type RelatedCounts = z.infer<typeof relatedCounts>;

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
  // the repository's own totals (its size counts each distinct blob once)
  repository: repositoryItem,
  items: z.array(tagItem),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
});
export type TagList = z.infer<typeof tagList>;

export const layer = z.object({
  digest: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number(),
  // `org.opencontainers.image.title`: the file name of an artifact's layer
  title: z.string().nullable(),
});

export const helmChart = z.object({
  name: z.string().nullable(),
  version: z.string().nullable(),
  appVersion: z.string().nullable(),
  description: z.string().nullable(),
  apiVersion: z.string().nullable(),
  type: z.string().nullable(),
  kubeVersion: z.string().nullable(),
  home: z.string().nullable(),
  icon: z.string().nullable(),
  keywords: z.array(z.string()),
  sources: z.array(z.string()),
  maintainers: z.array(z.object({ name: z.string(), email: z.string().nullable(), url: z.string().nullable() })),
  dependencies: z.array(z.object({ name: z.string(), version: z.string().nullable(), repository: z.string().nullable() })),
  deprecated: z.boolean(),
});
export type HelmChart = z.infer<typeof helmChart>;

export const configSummary = z.object({
  digest: z.string(),
  mediaType: z.string(),
  created: z.string().nullable(),
  os: z.string().nullable(),
  architecture: z.string().nullable(),
  variant: z.string().nullable(),
  author: z.string().nullable(),
  entrypoint: z.array(z.string()).nullable(),
  cmd: z.array(z.string()).nullable(),
  workingDir: z.string().nullable(),
  user: z.string().nullable(),
  env: z.array(z.string()),
  exposedPorts: z.array(z.string()),
  volumes: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  historyLength: z.number().int(),
});

export const artifactContent = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("signature"),
    layer: z.string(),
    // the simple-signing payload, pretty-printed
    payload: z.string(),
    signedDigest: z.string().nullable(),
    dockerReference: z.string().nullable(),
    verification: signatureVerification,
  }),
  z.object({
    kind: z.literal("sbom"),
    layer: z.string(),
    format: z.enum(["SPDX", "CycloneDX"]),
    version: z.string().nullable(),
    name: z.string().nullable(),
    packageCount: z.number().int(),
  }),
  z.object({ kind: z.literal("unreadable"), layer: z.string(), reason: z.string() }),
]);
export type ArtifactContent = z.infer<typeof artifactContent>;

export const manifestDetail = z.object({
  repository: z.string(),
  reference: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  kind: manifestKind,
  sizeBytes: z.number(),
  createdAt: z.string().nullable(),
  tags: z.array(z.string()),
  platforms: z.array(platform),
  attestations: z.array(z.object({ digest: z.string(), sizeBytes: z.number(), refersTo: z.string().nullable() })),
  config: configSummary.nullable(),
  helmChart: helmChart.nullable(),
  layers: z.array(layer),
  artifactType: z.string().nullable(),
  subject: z.string().nullable(),
  annotations: z.record(z.string(), z.string()),
  configMediaType: z.string().nullable(),
  relatedTo: relatedTo.nullable(),
  related: relatedCounts,
  // what a signature's or SBOM's layers say (read from the registry), in layer order
  artifactContents: z.array(artifactContent),
  problems: z.array(problem),
});
export type ManifestDetail = z.infer<typeof manifestDetail>;

export const syncRunSummary = z.object({
  id: z.number().int(),
  trigger: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.enum(["running", "succeeded", "partial", "failed"]),
  repositories: z.number().int(),
  repositoriesTotal: z.number().int(),
  tags: z.number().int(),
  manifestsFetched: z.number().int(),
  configsFetched: z.number().int(),
  manifestHeads: z.number().int(),
  requests: z.number().int(),
  errors: z.array(z.object({ repository: z.string().nullable(), code: z.string(), message: z.string() })),
});
export type SyncRunSummary = z.infer<typeof syncRunSummary>;

export const registryState = z.object({
  reachable: z.boolean().nullable(),
  checkedAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  error: z.string().nullable(),
});

export const syncStatus = z.object({
  running: z.boolean(),
  // a sync was asked for and waits for a worker (shown as "queued" until it starts)
  queued: z.boolean().default(false),
  // the run in progress, if any (progress bar)
  current: syncRunSummary.nullable(),
  // the last finished run
  lastRun: syncRunSummary.nullable(),
  // when the cache was last filled by a run that reached the registry
  lastSuccessAt: z.string().nullable(),
  registry: registryState,
  registryUrl: z.string(),
});
export type SyncStatus = z.infer<typeof syncStatus>;

export const health = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  database: z.enum(["up", "down"]),
  registry: z.enum(["up", "down"]),
});
export type Health = z.infer<typeof health>;

export const readinessCheck = z.object({ ok: z.boolean(), detail: z.string() });
export type ReadinessCheck = z.infer<typeof readinessCheck>;
/** GET /api/v1/ready: every check must pass; the registry is reported only (the cache serves without it). */
export const readiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  checks: z.object({ database: readinessCheck, migrations: readinessCheck, workers: readinessCheck }),
  registry: readinessCheck,
});
export type Readiness = z.infer<typeof readiness>;

export const apiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof apiError>;

const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

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

// ---- users, roles and tokens ------------------------------------------------------------

export const role = roleSchema;
export const grant = z.object({ pattern: z.string(), role });
export const permission = z.enum([
  "repository:read",
  "tag:delete",
  "retention:preview",
  "sync:run",
  "retention:manage",
  "gc:run",
  "users:manage",
  "audit:read",
  "settings:manage",
]);

/** `GET /api/v1/me`: who the caller is. `user` is null for anonymous read-only browsing. */
export const me = z.object({
  user: z
    .object({
      id: z.number().int(),
      username: z.string(),
      name: z.string(),
      provider: z.string(),
      via: z.enum(["session", "token", "basic"]),
    })
    .nullable(),
  role,
  grants: z.array(grant),
  anonymous: z.boolean(),
  permissions: z.array(permission),
});
export type Me = z.infer<typeof me>;

export const userItem = z.object({
  id: z.number().int(),
  username: z.string(),
  name: z.string().nullable(),
  role,
  disabled: z.boolean(),
  provider: z.string(),
  grants: z.array(grant),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
  /** API tokens that still work (not revoked, not expired) */
  activeTokens: z.number().int(),
});
export type UserItem = z.infer<typeof userItem>;
export const userList = z.object({ items: z.array(userItem) });
export type UserList = z.infer<typeof userList>;
/** `PATCH /api/v1/users/<id>`: the user, and how many API tokens a password reset revoked. */
export const updatedUser = userItem.extend({ tokensRevoked: z.number().int() });
export type UpdatedUser = z.infer<typeof updatedUser>;
/** `POST /api/v1/me/password`: a password change revokes every API token of the account. */
export const passwordChanged = z.object({ tokensRevoked: z.number().int() });
export type PasswordChanged = z.infer<typeof passwordChanged>;

export const tokenItem = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type TokenItem = z.infer<typeof tokenItem>;
export const tokenList = z.object({ items: z.array(tokenItem) });
export type TokenList = z.infer<typeof tokenList>;
/** `POST /api/v1/me/tokens`: the secret is in this response and nowhere else, ever. */
export const createdToken = z.object({ token: z.string(), item: tokenItem });
export type CreatedToken = z.infer<typeof createdToken>;

export const auditItem = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  result: z.enum(["success", "failure", "denied"]),
  ip: z.string().nullable(),
  details: z.unknown(),
});
export const auditList = z.object({ items: z.array(auditItem), nextCursor: z.string().nullable() });
export type AuditList = z.infer<typeof auditList>;

export const setupStatus = z.object({ needed: z.boolean() });
export type SetupStatus = z.infer<typeof setupStatus>;

// request bodies
export const password = z.string().min(8, "at least 8 characters").max(1024);
export const usernameInput = usernameSchema.transform((u) => u.toLowerCase());
export const grantInput = grantSchema;
export const createUserBody = z.object({
  username: usernameInput,
  name: z.string().trim().max(128).optional(),
  password,
  role: role.default("viewer"),
  grants: z.array(grantInput).max(100).default([]),
});
export type CreateUserBody = z.infer<typeof createUserBody>;
export const updateUserBody = z
  .object({
    name: z.string().trim().max(128).nullable().optional(),
    role: role.optional(),
    disabled: z.boolean().optional(),
    /** an admin's reset: the user's sessions end and their API tokens are revoked */
    password: password.optional(),
    grants: z.array(grantInput).max(100).optional(),
  })
  .strict();
export type UpdateUserBody = z.infer<typeof updateUserBody>;
export const changePasswordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: password });
export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(64),
  // absent or null: the longest LAYERSCOPE_TOKEN_MAX_DAYS allows
  expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
});
export const setupBody = z.object({ username: usernameInput, password });

// ---- deletions ------------------------------------------------------------------------------

export const deletionPreview = z.object({
  repository: z.string(),
  tagsRemoved: z.array(z.object({ repository: z.string(), tag: z.string() })),
  manifestsRemoved: z.array(z.string()),
  platformsAffected: z.array(
    z.object({ index: z.string(), indexTags: z.array(z.string()), manifest: z.string(), platform: z.string(), breaksIndex: z.boolean() }),
  ),
  bytesFreed: z.number(),
  blobsFreed: z.array(z.object({ digest: z.string(), kind: z.enum(["layer", "config", "manifest"]), bytes: z.number() })),
  tagDeleteSupported: z.boolean(),
  deleteEnabled: z.boolean().nullable(),
  warnings: z.array(z.string()),
});
export type DeletionPreview = z.infer<typeof deletionPreview>;

export const deletionResult = deletionPreview.extend({
  deleted: z.array(z.object({ reference: z.string(), result: z.enum(["deleted", "absent"]) })),
  failed: z.array(z.object({ reference: z.string(), error: z.string() })),
});
export type DeletionResult = z.infer<typeof deletionResult>;

// ---- garbage collection ---------------------------------------------------------------------

export const gcStatus = z.enum(["queued", "running", "succeeded", "failed"]);
/** A blob or manifest a GC run named: its size (null when unknown) and the repositories that last referenced it. */
export const gcRunItem = z.object({
  digest: z.string(),
  bytes: z.number().nullable(),
  kind: z.enum(["layer", "config", "manifest", "blob"]),
  repositories: z.array(z.string()),
});
export type GcRunItem = z.infer<typeof gcRunItem>;
export const gcRun = z.object({
  id: z.number().int(),
  dryRun: z.boolean(),
  status: gcStatus,
  phase: z.string().nullable(),
  trigger: z.string(),
  requestedBy: z.string().nullable(),
  runner: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: z.object({
    repositoriesMarked: z.number().int(),
    blobsMarked: z.number().int(),
    blobsEligible: z.number().int(),
    manifestsEligible: z.number().int(),
    blobsDeleted: z.number().int(),
    manifestsDeleted: z.number().int(),
    untaggedDeleted: z.number().int(),
  }),
  bytesEligible: z.number(),
  bytesFreed: z.number(),
  error: z.string().nullable(),
  log: z.string().optional(),
  // `GET /api/v1/gc/<id>` only: what the run reported as eligible and (a real run) deleted, largest first
  eligible: z.array(gcRunItem).optional(),
  deleted: z.array(gcRunItem).optional(),
});
export type GcRun = z.infer<typeof gcRun>;
export const gcOverview = z.object({
  configured: z.boolean(),
  runner: z.string().nullable(),
  schedule: z.string().nullable(),
  storageRoot: z.boolean(),
  items: z.array(gcRun),
});
export type GcOverview = z.infer<typeof gcOverview>;

// ---- storage view (REGISTRY_STORAGE_ROOT) -------------------------------------------------------

export const storageScanProgress = z.object({
  phase: z.enum(["blobs", "repositories", "manifests", "other", "done"]),
  directories: z.number(),
  files: z.number(),
  bytes: z.number(),
  blobs: z.number(),
  repositories: z.number(),
});
export const storageScanJob = z.object({
  id: z.number().int(),
  status: z.enum(["queued", "running", "succeeded", "failed"]),
  trigger: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: storageScanProgress.nullable(),
  error: z.string().nullable(),
});
export type StorageScanJob = z.infer<typeof storageScanJob>;

export const storageScanResult = z.object({
  scannedAt: z.string(),
  totalBytes: z.number(),
  blobs: z.object({ count: z.number(), bytes: z.number() }),
  repositories: z.array(
    z.object({
      name: z.string(),
      manifests: z.number(),
      tags: z.number(),
      layerLinks: z.number(),
      linkedBytes: z.number(),
      uploads: z.object({ count: z.number(), bytes: z.number() }),
      empty: z.boolean(),
    }),
  ),
  // what the next garbage collection deletes (no manifest revision is or references it); `linkedBy`: repositories
  // still linking it under _layers (a deleted image's layers), which GC ignores
  orphanedBlobs: z.array(z.object({ digest: z.string(), bytes: z.number(), path: z.string(), linkedBy: z.number().default(0) })),
  referencedBlobs: z.number().default(0),
  uploads: z.array(
    z.object({ repository: z.string(), uuid: z.string(), bytes: z.number(), startedAt: z.string().nullable(), path: z.string() }),
  ),
  emptyRepositories: z.array(z.string()),
  durationMs: z.number(),
});
export type StorageScanResult = z.infer<typeof storageScanResult>;

/** `GET /api/v1/storage`: the last finished scan (null before the first) and the newest scan job. */
export const storageOverview = z.union([
  z.object({ configured: z.literal(false) }),
  z.object({ configured: z.literal(true), scan: storageScanJob.nullable(), result: storageScanResult.nullable() }),
]);
export type StorageOverview = z.infer<typeof storageOverview>;

const blobFile = z.object({ path: z.string(), bytes: z.number() });

/** `GET /api/v1/storage/locate?digest=&repository=`: a blob's (and with a repository, a manifest's) files. */
export const storageLocation = z.object({
  blob: z.object({
    digest: z.string(),
    blob: blobFile.nullable(),
    links: z.array(z.object({ repository: z.string(), kind: z.enum(["layer", "manifest-revision"]), path: z.string() })),
    // whether the next garbage collection deletes it, per the last storage scan (null before the first scan)
    gc: z.object({ orphan: z.boolean(), scannedAt: z.string() }).nullable(),
  }),
  manifest: z
    .object({
      repository: z.string(),
      digest: z.string(),
      repositoryPath: z.string().nullable(),
      revisionLink: z.string().nullable(),
      blob: blobFile.nullable(),
      tags: z.array(z.object({ tag: z.string(), currentLink: z.string() })),
      tagHistory: z.array(z.object({ tag: z.string(), indexLink: z.string(), current: z.boolean() })),
    })
    .nullable(),
});
export type StorageLocation = z.infer<typeof storageLocation>;

// ---- retention (client-side parsers of lib/services/retention.ts's views) -----------------------

const retentionRunSummary = z.object({
  id: z.number().int(),
  policyId: z.number().int(),
  dryRun: z.boolean(),
  trigger: z.string(),
  status: z.enum(["queued", "running", "succeeded", "failed"]),
  requestedBy: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  tagsDeleted: z.number(),
  manifestsDeleted: z.number(),
  bytesFreed: z.number(),
  error: z.string().nullable(),
});
export const retentionPolicyView = z.object({
  id: z.number().int(),
  name: z.string(),
  repositoryGlob: z.string(),
  keepLatest: z.number().nullable(),
  keepTagPattern: z.string().nullable(),
  deleteOlderThanDays: z.number().nullable(),
  keepPulledWithinDays: z.number().nullable(),
  schedule: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  nextRunAt: z.string().nullable(),
  lastRun: retentionRunSummary.nullable(),
});
export type RetentionPolicyView = z.infer<typeof retentionPolicyView>;
export const retentionPolicyList = z.object({ items: z.array(retentionPolicyView) });
const tagDecision = z.object({ tag: z.string(), digest: z.string(), reasons: z.array(z.string()) });
export const retentionPreview = z.object({
  evaluatedAt: z.string(),
  repositories: z.array(
    z.object({
      name: z.string(),
      deleteTags: z.array(tagDecision),
      keepTags: z.array(tagDecision),
      deleteDigests: z.array(z.string()),
      bytesFreed: z.number(),
    }),
  ),
  totals: z.object({ repositories: z.number(), tags: z.number(), digests: z.number(), bytesFreed: z.number() }),
  pullEventsKnown: z.boolean(),
  warnings: z.array(z.string()),
});
export type RetentionPreview = z.infer<typeof retentionPreview>;
export const retentionRunList = z.object({ items: z.array(retentionRunSummary) });
export type RetentionRunSummary = z.infer<typeof retentionRunSummary>;
