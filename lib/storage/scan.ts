import "server-only";

import { readFileSync } from "node:fs";
import path from "node:path";
import { isValidRepositoryName } from "../oci/reference";
import {
  BLOBS_DIR,
  blobDataPath,
  classifyBlobFile,
  classifyRepositoryFile,
  REPOSITORIES_DIR,
  REPOSITORY_MARKERS,
  STORAGE_DIGEST_ALGORITHM,
  STORAGE_PREFIX,
} from "./layout";
import { manifestReferences } from "./references";
import {
  compare,
  DEFAULT_PROGRESS_INTERVAL_MS,
  DEFAULT_SLICE_MS,
  isRealDirectoryChain,
  resolveRoot,
  type ScanProgress,
  type SkippedEntry,
  WalkContext,
  walkTree,
  yieldToEventLoop,
} from "./walk";

// Reads a registry's storage root (filesystem driver) in one pass: every directory is listed once and every
// regular file lstat'ed once; symlinks are reported, never followed. Memory is one Map entry per blob
// (hex → index) plus one Set of blob indexes per repository, freed when the scan returns. Read-only: the only
// writer in lib/storage is remove.ts. Finding one blob or manifest on disk is locate.ts.

export type { ScanPhase, ScanProgress, SkippedEntry, SkipReason } from "./walk";
export { MAX_SKIPPED } from "./walk";

export interface ScanStorageOptions {
  signal?: AbortSignal;
  /** Called at most every `progressIntervalMs` (default 250) and once more with phase "done". */
  onProgress?: (progress: ScanProgress) => void;
  progressIntervalMs?: number;
  /** Longest stretch of synchronous fs calls before yielding to the event loop; default 15 ms. */
  sliceMs?: number;
}

export interface RepositoryStorage {
  name: string;
  /** Manifest revisions with a link file (`_manifests/revisions/sha256/<hex>/link`). */
  manifests: number;
  /** Tags with a `current/link`. */
  tags: number;
  /** `_layers/sha256/<hex>/link` files. */
  layerLinks: number;
  /** Sum of the sizes of the distinct blobs this repository links (layer links and manifest revisions). */
  linkedBytes: number;
  /** Distinct linked digests whose blob data is gone (after a garbage-collect, deleted repositories keep their layer links). */
  missingBlobs: number;
  uploads: { count: number; bytes: number };
  /** No tags: the registry still lists it in `_catalog`, and `tags/list` answers `"tags": null`. */
  empty: boolean;
}

export interface OrphanedBlob {
  digest: string;
  bytes: number;
  path: string;
  /** Repositories that still link it under `_layers` (a deleted image's layers): GC deletes it all the same. */
  linkedBy: number;
}

export interface LeftoverUpload {
  repository: string;
  uuid: string;
  /** Every file in the upload folder: data, hashstates and startedat. */
  bytes: number;
  /** From the `startedat` file (RFC 3339), as an ISO string; null when missing or unreadable. */
  startedAt: string | null;
  path: string;
}

export interface StorageScan {
  /** Absolute storage root directory. */
  root: string;
  /** Every regular file under `<root>/docker/`: blob data, link files, uploads (directory entries not counted). */
  totalBytes: number;
  blobs: { count: number; bytes: number };
  /** Sorted by name; only directories holding `_manifests`, `_layers` or `_uploads` with a valid name. */
  repositories: RepositoryStorage[];
  /**
   * Blob data the next garbage collection deletes: no manifest revision (in any repository) is this blob or
   * references it (see references.ts, the rule GC applies); largest first.
   */
  orphanedBlobs: OrphanedBlob[];
  /** Blobs kept because a manifest revision is or references them. */
  referencedBlobs: number;
  /** Upload folders (`_uploads/<uuid>`) left behind by unfinished pushes. */
  uploads: LeftoverUpload[];
  emptyRepositories: string[];
  /** What the scan did not follow or could not read; at most MAX_SKIPPED entries, `skippedCount` has the total. */
  skipped: SkippedEntry[];
  skippedCount: number;
  directories: number;
  files: number;
  durationMs: number;
}

/** A manifest larger than this is not parsed (the registry itself refuses manifests over 4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** startedat holds one RFC 3339 timestamp; anything larger is not what the registry wrote. */
const MAX_STARTEDAT_BYTES = 256;

interface RepositoryAccumulator {
  name: string;
  valid: boolean;
  manifests: number;
  tags: number;
  layerLinks: number;
  linked: Set<number>;
  missing: Set<string>;
}

interface UploadAccumulator {
  repository: string;
  uuid: string;
  bytes: number;
  startedAt: string | null;
  path: string;
}

function parseStartedAt(text: string): string | null {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) return null;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Index of the first segment starting with "_" (a repository's own folder), or -1 inside namespaces. */
function markerIndex(segments: readonly string[]): number {
  return segments.findIndex((s) => s.startsWith("_"));
}

/** Phase 1, "blobs": blob data. hex → index into `sizes`. */
interface BlobsPhase {
  index: Map<string, number>;
  sizes: number[];
  bytes: number;
}

/** Phase 2, "repositories": what each repository links, and the upload folders. */
interface RepositoriesPhase {
  repositories: Map<string, RepositoryAccumulator>;
  uploads: Map<string, UploadAccumulator>;
  /** How many repositories link each blob. */
  linkCounts: Uint32Array;
  /** Blobs that are manifest revisions somewhere (GC's roots). */
  revisionBlobs: Set<number>;
}

export async function scanStorage(root: string, opts: ScanStorageOptions = {}): Promise<StorageScan> {
  const started = performance.now();
  opts.signal?.throwIfAborted();
  const rootAbs = await resolveRoot(root);
  const ctx = new WalkContext(
    opts.signal,
    opts.onProgress,
    opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
    Math.max(1, opts.sliceMs ?? DEFAULT_SLICE_MS),
  );
  const blobs = await scanBlobs(ctx, rootAbs);
  const repositories = await scanRepositories(ctx, rootAbs, blobs);
  const linkedFlags = await scanManifests(ctx, rootAbs, blobs, repositories.revisionBlobs);
  await scanOther(ctx, rootAbs);
  return finish(ctx, rootAbs, started, blobs, repositories, linkedFlags);
}

async function scanBlobs(ctx: WalkContext, rootAbs: string): Promise<BlobsPhase> {
  const blobs: BlobsPhase = { index: new Map(), sizes: [], bytes: 0 };
  if (await isRealDirectoryChain(rootAbs, BLOBS_DIR, ctx)) {
    await walkTree(ctx, path.join(rootAbs, BLOBS_DIR), {
      file(segments, _abs, size) {
        const hex = classifyBlobFile(segments);
        if (hex === null || blobs.index.has(hex)) return;
        blobs.index.set(hex, blobs.sizes.length);
        blobs.sizes.push(size);
        blobs.bytes += size;
        ctx.blobs++;
      },
    });
  }
  return blobs;
}

/**
 * A repository is a directory holding _manifests, _layers or _uploads; names nest (team/app and team/app/api
 * can both be repositories), so namespaces are always descended.
 */
async function scanRepositories(ctx: WalkContext, rootAbs: string, blobs: BlobsPhase): Promise<RepositoriesPhase> {
  ctx.phase = "repositories";
  ctx.progress(true);
  const linkCounts = new Uint32Array(blobs.sizes.length);
  const revisionBlobs = new Set<number>();
  const repositories = new Map<string, RepositoryAccumulator>();
  const uploads = new Map<string, UploadAccumulator>();
  const reposAbs = path.join(rootAbs, REPOSITORIES_DIR);

  const repositoryFor = (name: string, abs: string): RepositoryAccumulator => {
    let repo = repositories.get(name);
    if (!repo) {
      const valid = isValidRepositoryName(name);
      if (!valid) ctx.skip(abs, "invalid-repository-name");
      else ctx.repositories++;
      repo = { name, valid, manifests: 0, tags: 0, layerLinks: 0, linked: new Set(), missing: new Set() };
      repositories.set(name, repo);
    }
    return repo;
  };
  const link = (repo: RepositoryAccumulator, hex: string, revision: boolean): void => {
    const index = blobs.index.get(hex);
    if (index === undefined) {
      repo.missing.add(hex);
      return;
    }
    if (!repo.linked.has(index)) linkCounts[index] = (linkCounts[index] ?? 0) + 1;
    repo.linked.add(index);
    // GC walks revisions under any directory name, so an invalid name still roots its manifests
    if (revision) revisionBlobs.add(index);
  };

  if (await isRealDirectoryChain(rootAbs, REPOSITORIES_DIR, ctx)) {
    await walkTree(ctx, reposAbs, {
      directory(segments, abs) {
        const at = markerIndex(segments);
        if (at <= 0) return true;
        const name = segments.slice(0, at).join("/");
        const marker = segments[at] ?? "";
        if (at === segments.length - 1 && (REPOSITORY_MARKERS as readonly string[]).includes(marker)) {
          repositoryFor(name, path.dirname(abs));
        } else if (marker === "_uploads" && at === segments.length - 2) {
          const uuid = segments[at + 1] ?? "";
          uploads.set(`${name}\0${uuid}`, { repository: name, uuid, bytes: 0, startedAt: null, path: abs });
        }
        return true;
      },
      file(segments, abs, size) {
        const at = markerIndex(segments);
        if (at <= 0) return;
        const repo = repositories.get(segments.slice(0, at).join("/"));
        if (!repo) return;
        const kind = classifyRepositoryFile(segments.slice(at));
        switch (kind.kind) {
          case "layer-link":
            repo.layerLinks++;
            link(repo, kind.hex, false);
            break;
          case "revision-link":
            repo.manifests++;
            link(repo, kind.hex, true);
            break;
          case "tag-current-link":
            repo.tags++;
            break;
          case "upload-file": {
            const upload = uploads.get(`${repo.name}\0${kind.uuid}`);
            if (!upload) break;
            upload.bytes += size;
            if (kind.file === "startedat" && size <= MAX_STARTEDAT_BYTES) {
              try {
                upload.startedAt = parseStartedAt(readFileSync(abs, "utf8"));
              } catch {
                upload.startedAt = null;
              }
            }
            break;
          }
          default:
            break;
        }
      },
    });
  }
  return { repositories, uploads, linkCounts, revisionBlobs };
}

/** GC's mark set: every revision-linked manifest whose data exists is kept, with what it references. */
async function scanManifests(ctx: WalkContext, rootAbs: string, blobs: BlobsPhase, revisionBlobs: Set<number>): Promise<Uint8Array> {
  ctx.phase = "manifests";
  ctx.progress(true);
  const { index: blobIndex, sizes: blobSizes } = blobs;
  const linkedFlags = new Uint8Array(blobSizes.length);
  const hexes: string[] = new Array(blobSizes.length);
  for (const [hex, index] of blobIndex) hexes[index] = hex;
  let sliceStarted = performance.now();
  for (const index of revisionBlobs) {
    if (performance.now() - sliceStarted >= ctx.sliceMs) {
      ctx.progress();
      await yieldToEventLoop();
      ctx.signal?.throwIfAborted();
      sliceStarted = performance.now();
    }
    linkedFlags[index] = 1;
    const hex = hexes[index] as string;
    if ((blobSizes[index] ?? 0) > MAX_MANIFEST_BYTES) continue;
    let body: string;
    try {
      body = readFileSync(path.join(rootAbs, blobDataPath(`${STORAGE_DIGEST_ALGORITHM}:${hex}`)), "utf8");
    } catch {
      continue; // deleted while we scan
    }
    for (const ref of manifestReferences(body)) {
      const refIndex = ref.startsWith(`${STORAGE_DIGEST_ALGORITHM}:`)
        ? blobIndex.get(ref.slice(STORAGE_DIGEST_ALGORITHM.length + 1))
        : undefined;
      if (refIndex !== undefined) linkedFlags[refIndex] = 1;
    }
  }
  return linkedFlags;
}

/** Whatever else the registry keeps under docker/ counts toward the total. */
async function scanOther(ctx: WalkContext, rootAbs: string): Promise<void> {
  ctx.phase = "other";
  const skipPaths = new Set([BLOBS_DIR, REPOSITORIES_DIR].map((p) => p.slice(STORAGE_PREFIX.length + 1)));
  if (await isRealDirectoryChain(rootAbs, STORAGE_PREFIX, ctx)) {
    await walkTree(ctx, path.join(rootAbs, STORAGE_PREFIX), {
      directory: (segments) => !skipPaths.has(segments.join("/")),
    });
  }
}

/** Phase "done": the totals, sorted lists and orphaned blobs. */
function finish(
  ctx: WalkContext,
  rootAbs: string,
  started: number,
  blobs: BlobsPhase,
  { repositories, uploads, linkCounts }: RepositoriesPhase,
  linkedFlags: Uint8Array,
): StorageScan {
  const { index: blobIndex, sizes: blobSizes, bytes: blobBytes } = blobs;
  const uploadList = [...uploads.values()]
    .filter((u) => repositories.get(u.repository)?.valid === true)
    .sort((a, b) => compare(a.repository, b.repository) || compare(a.uuid, b.uuid));
  const uploadTotals = new Map<string, { count: number; bytes: number }>();
  for (const u of uploadList) {
    const t = uploadTotals.get(u.repository) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += u.bytes;
    uploadTotals.set(u.repository, t);
  }

  const repositoryList: RepositoryStorage[] = [];
  for (const repo of repositories.values()) {
    if (!repo.valid) continue;
    let linkedBytes = 0;
    for (const index of repo.linked) linkedBytes += blobSizes[index] ?? 0;
    repositoryList.push({
      name: repo.name,
      manifests: repo.manifests,
      tags: repo.tags,
      layerLinks: repo.layerLinks,
      linkedBytes,
      missingBlobs: repo.missing.size,
      uploads: uploadTotals.get(repo.name) ?? { count: 0, bytes: 0 },
      empty: repo.tags === 0,
    });
  }
  repositoryList.sort((a, b) => compare(a.name, b.name));

  const orphanedBlobs: OrphanedBlob[] = [];
  for (const [hex, index] of blobIndex) {
    if (linkedFlags[index] === 1) continue;
    const digest = `${STORAGE_DIGEST_ALGORITHM}:${hex}`;
    orphanedBlobs.push({
      digest,
      bytes: blobSizes[index] ?? 0,
      path: path.join(rootAbs, blobDataPath(digest)),
      linkedBy: linkCounts[index] ?? 0,
    });
  }
  orphanedBlobs.sort((a, b) => b.bytes - a.bytes || compare(a.digest, b.digest));

  ctx.phase = "done";
  ctx.progress(true);
  return {
    root: rootAbs,
    totalBytes: ctx.bytes,
    blobs: { count: blobSizes.length, bytes: blobBytes },
    repositories: repositoryList,
    orphanedBlobs,
    referencedBlobs: blobSizes.length - orphanedBlobs.length,
    uploads: uploadList,
    emptyRepositories: repositoryList.filter((r) => r.empty).map((r) => r.name),
    skipped: ctx.skipped,
    skippedCount: ctx.skippedCount,
    directories: ctx.directories,
    files: ctx.files,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Files and bytes below `abs` (symlinks not followed); used to report what a removal frees. */
export async function measureDirectory(abs: string): Promise<{ files: number; bytes: number }> {
  const ctx = new WalkContext(undefined, undefined, 0, DEFAULT_SLICE_MS);
  await walkTree(ctx, abs, {});
  return { files: ctx.files, bytes: ctx.bytes };
}
