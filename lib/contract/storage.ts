// The storage view (REGISTRY_STORAGE_ROOT): scans, where a blob lives, removing empty repositories.
// Client-safe: zod and types only.
import { z } from "zod";
import { isValidDigest } from "../oci/reference";

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

export const locateQuery = z.object({
  digest: z.string().refine(isValidDigest, "invalid digest"),
  repository: z.string().min(1).max(255).optional(),
});
export type LocateQuery = z.infer<typeof locateQuery>;

export const removeRepositoryBody = z.object({
  repository: z.string().min(1).max(255),
  /** The admin says the registry is read-only (storage.maintenance.readonly) or stopped. */
  registryReadOnly: z.boolean(),
});
export type RemoveRepositoryBody = z.infer<typeof removeRepositoryBody>;
