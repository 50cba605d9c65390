// Query keys, and the parameters they are built from: the one place where the client and the server agree on what
// a cached query is. Mutations invalidate by these prefixes.
import type { SortOrder } from "@/lib/contract/common";
import type { RepositorySort, TagSort } from "@/lib/contract/repositories";

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

/** `merged` is the final file system; a layer digest is the file system as that layer left it. */
export type FileView = { layer: string; changes: "only" | "all" };

export type FileDirectory = FileView & { path: string };

/** Two references of one repository; `platform` picks the image of an index on both sides. */
export type ComparisonParams = { from: string; to: string; platform: string | undefined };

/** A filter on the audit log (newest first; `action` matches a prefix: "login" → every sign-in). */
export type AuditListParams = { action: string | undefined; actor: string | undefined; limit: number };

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
  /** A repository's tags version, which an open tags page polls (under its tags: a tag change refreshes it too). */
  tagsVersion: (repository: string) => ["tags", repository, "version"] as const,
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
