import "server-only";

import type { Dirent, Stats } from "node:fs";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { isValidRepositoryName, isValidTag } from "../oci/reference";
import {
  BLOBS_DIR,
  blobDataPath,
  classifyBlobFile,
  classifyRepositoryFile,
  digestHex,
  layerLinkPath,
  manifestRevisionLinkPath,
  parseLinkContent,
  REPOSITORIES_DIR,
  REPOSITORY_MARKERS,
  repositoryDir,
  resolveInRoot,
  STORAGE_DIGEST_ALGORITHM,
  STORAGE_PREFIX,
  tagCurrentLinkPath,
  tagIndexLinkPath,
  tagsDir,
} from "./layout";
import { manifestReferences } from "./references";

// Reads a registry's storage root (filesystem driver) in one pass: every directory is listed once and every
// regular file lstat'ed once; symlinks are reported, never followed. Memory is one Map entry per blob
// (hex → index) plus one Set of blob indexes per repository, freed when the scan returns. Read-only: the only
// writer in lib/storage is remove.ts.

export type ScanPhase = "blobs" | "repositories" | "manifests" | "other" | "done";

export interface ScanProgress {
  phase: ScanPhase;
  directories: number;
  files: number;
  /** Bytes of the regular files seen so far. */
  bytes: number;
  blobs: number;
  repositories: number;
}

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

export type SkipReason = "symlink" | "invalid-repository-name" | "unreadable" | "special-file";

export interface SkippedEntry {
  path: string;
  reason: SkipReason;
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

export const MAX_SKIPPED = 1000;
const DEFAULT_SLICE_MS = 15;
/** Concurrent lookups of the locate* functions. */
const LOCATE_CONCURRENCY = 8;
const DEFAULT_PROGRESS_INTERVAL_MS = 250;
/** A manifest larger than this is not parsed (the registry itself refuses manifests over 4 MiB). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** startedat holds one RFC 3339 timestamp; anything larger is not what the registry wrote. */
const MAX_STARTEDAT_BYTES = 256;

function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

class WalkContext {
  directories = 0;
  files = 0;
  bytes = 0;
  skipped: SkippedEntry[] = [];
  skippedCount = 0;
  phase: ScanPhase = "blobs";
  blobs = 0;
  repositories = 0;
  private lastProgress = 0;
  private readonly skippedPaths = new Set<string>();

  constructor(
    readonly signal: AbortSignal | undefined,
    private readonly onProgress: ((progress: ScanProgress) => void) | undefined,
    private readonly progressIntervalMs: number,
    readonly sliceMs: number,
  ) {}

  skip(p: string, reason: SkipReason): void {
    // The same symlinked ancestor can be met by more than one phase.
    if (this.skippedPaths.has(p)) return;
    if (this.skippedPaths.size < MAX_SKIPPED) this.skippedPaths.add(p);
    this.skippedCount++;
    if (this.skipped.length < MAX_SKIPPED) this.skipped.push({ path: p, reason });
  }

  progress(force = false): void {
    if (!this.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastProgress < this.progressIntervalMs) return;
    this.lastProgress = now;
    this.onProgress({
      phase: this.phase,
      directories: this.directories,
      files: this.files,
      bytes: this.bytes,
      blobs: this.blobs,
      repositories: this.repositories,
    });
  }
}

interface WalkHandlers {
  /** Return false to leave the directory out (neither listed nor counted). */
  directory?(segments: readonly string[], abs: string): boolean;
  file?(segments: readonly string[], abs: string, size: number): void;
}

interface PendingDir {
  abs: string;
  segments: string[];
}

/** setImmediate, so timers and I/O callbacks run between two slices of a walk. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lists `base` and everything below it without recursion (a stack of pending directories). Synchronous fs
 * calls in slices of at most ctx.sliceMs, then a yield to the event loop: on local disks readdirSync/lstatSync
 * are ~4x faster than their promise versions (one thread-pool round trip per call), and the server stays
 * responsive between slices. On a slow network filesystem a single call can outlast a slice; the walk still
 * yields after it. Segments given to the handlers are relative to `base`.
 */
async function walkTree(ctx: WalkContext, base: string, handlers: WalkHandlers): Promise<void> {
  const pending: PendingDir[] = [{ abs: base, segments: [] }];
  let sliceStarted = performance.now();
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (performance.now() - sliceStarted >= ctx.sliceMs) {
      ctx.progress();
      await yieldToEventLoop();
      sliceStarted = performance.now();
    }
    ctx.signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = readdirSync(dir.abs, { withFileTypes: true });
    } catch (e) {
      // A directory removed while we walk (a running registry, GC) is simply gone.
      if (errorCode(e) !== "ENOENT") ctx.skip(dir.abs, "unreadable");
      continue;
    }
    ctx.directories++;
    for (const entry of entries) {
      const abs = path.join(dir.abs, entry.name);
      const segments = [...dir.segments, entry.name];
      if (entry.isSymbolicLink()) {
        ctx.skip(abs, "symlink");
      } else if (entry.isDirectory()) {
        if (handlers.directory?.(segments, abs) ?? true) pending.push({ abs, segments });
      } else if (entry.isFile()) {
        let st: Stats | undefined;
        try {
          st = lstatSync(abs, { throwIfNoEntry: false });
        } catch {
          ctx.skip(abs, "unreadable");
          continue;
        }
        if (st === undefined || !st.isFile()) continue;
        ctx.files++;
        ctx.bytes += st.size;
        handlers.file?.(segments, abs, st.size);
      } else {
        ctx.skip(abs, "special-file");
      }
    }
  }
  ctx.progress();
}

/** Absolute path of the storage root; not_found when it does not exist, bad_request when it is not a directory. */
async function resolveRoot(root: string): Promise<string> {
  const abs = path.resolve(root);
  let isDirectory: boolean;
  try {
    // The root itself may be a symlink (a mounted volume); only what lies below it is never followed.
    isDirectory = (await stat(abs)).isDirectory();
  } catch (e) {
    if (errorCode(e) === "ENOENT") throw new AppError("not_found", `storage root ${abs} does not exist`);
    throw e;
  }
  if (!isDirectory) throw new AppError("bad_request", `storage root ${abs} is not a directory`);
  return abs;
}

/**
 * True when every component of `relative` below `root` is a real directory. A missing one is false; a symlink
 * is reported through `ctx` and false.
 */
async function isRealDirectoryChain(root: string, relative: string, ctx: WalkContext | null): Promise<boolean> {
  let current = root;
  for (const part of relative.split("/")) {
    current = path.join(current, part);
    try {
      const st = await lstat(current);
      if (st.isSymbolicLink()) {
        ctx?.skip(current, "symlink");
        return false;
      }
      if (!st.isDirectory()) return false;
    } catch (e) {
      if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") return false;
      throw e;
    }
  }
  return true;
}

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

  // Phase 1: blob data. hex → index into blobSizes; linkedFlags is filled in phase 2.
  const blobIndex = new Map<string, number>();
  const blobSizes: number[] = [];
  let blobBytes = 0;
  if (await isRealDirectoryChain(rootAbs, BLOBS_DIR, ctx)) {
    await walkTree(ctx, path.join(rootAbs, BLOBS_DIR), {
      file(segments, _abs, size) {
        const hex = classifyBlobFile(segments);
        if (hex === null || blobIndex.has(hex)) return;
        blobIndex.set(hex, blobSizes.length);
        blobSizes.push(size);
        blobBytes += size;
        ctx.blobs++;
      },
    });
  }

  // Phase 2: repositories. A repository is a directory holding _manifests, _layers or _uploads; names nest
  // (team/app and team/app/api can both be repositories), so namespaces are always descended.
  ctx.phase = "repositories";
  ctx.progress(true);
  const linkedFlags = new Uint8Array(blobSizes.length);
  // how many repositories link each blob, and which blobs are manifest revisions somewhere (GC's roots)
  const linkCounts = new Uint32Array(blobSizes.length);
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
    const index = blobIndex.get(hex);
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

  // Phase 3: GC's mark set. Every revision-linked manifest whose data exists is kept, with what it references.
  ctx.phase = "manifests";
  ctx.progress(true);
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

  // Phase 4: whatever else the registry keeps under docker/ counts toward the total.
  ctx.phase = "other";
  const skipPaths = new Set([BLOBS_DIR, REPOSITORIES_DIR].map((p) => p.slice(STORAGE_PREFIX.length + 1)));
  if (await isRealDirectoryChain(rootAbs, STORAGE_PREFIX, ctx)) {
    await walkTree(ctx, path.join(rootAbs, STORAGE_PREFIX), {
      directory: (segments) => !skipPaths.has(segments.join("/")),
    });
  }

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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// "Where is this on disk"

/**
 * Names of the repositories under the root (directories holding _manifests, _layers or _uploads), sorted.
 * Lists namespaces only: a repository's own folders are not entered. Invalid names are left out.
 */
export async function listStorageRepositories(root: string, opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  const rootAbs = await resolveRoot(root);
  const ctx = new WalkContext(opts.signal, undefined, 0, DEFAULT_SLICE_MS);
  const names = new Set<string>();
  if (await isRealDirectoryChain(rootAbs, REPOSITORIES_DIR, null)) {
    await walkTree(ctx, path.join(rootAbs, REPOSITORIES_DIR), {
      directory(segments) {
        const last = segments[segments.length - 1] ?? "";
        if (!last.startsWith("_")) return true;
        const name = segments.slice(0, -1).join("/");
        if ((REPOSITORY_MARKERS as readonly string[]).includes(last) && isValidRepositoryName(name)) names.add(name);
        return false;
      },
    });
  }
  return [...names].sort(compare);
}

export interface BlobFile {
  path: string;
  bytes: number;
}

export interface BlobLink {
  repository: string;
  kind: "layer" | "manifest-revision";
  path: string;
}

export interface BlobLocation {
  digest: string;
  /** `blobs/sha256/<2>/<hex>/data`, null when there is no such file. */
  blob: BlobFile | null;
  /** Link files (in every repository) that point at this digest, by repository then kind. */
  links: BlobLink[];
}

export interface TagPointer {
  tag: string;
  /** `_manifests/tags/<tag>/current/link` holding this digest. */
  currentLink: string;
}

export interface TagHistoryEntry {
  tag: string;
  /** `_manifests/tags/<tag>/index/sha256/<hex>/link`: the tag pointed at this digest at some time. */
  indexLink: string;
  current: boolean;
}

export interface ManifestLocation {
  repository: string;
  digest: string;
  /** The repository directory, null when it does not exist. */
  repositoryPath: string | null;
  revisionLink: string | null;
  /** The manifest's own bytes in the blob store. */
  blob: BlobFile | null;
  tags: TagPointer[];
  tagHistory: TagHistoryEntry[];
}

/** A regular file at `abs` (not followed if a symlink), else null. */
async function regularFile(abs: string): Promise<{ bytes: number } | null> {
  try {
    const st = await lstat(abs);
    return st.isFile() ? { bytes: st.size } : null;
  } catch (e) {
    const code = errorCode(e);
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw e;
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export async function locateBlob(root: string, digest: string, opts: { signal?: AbortSignal } = {}): Promise<BlobLocation> {
  digestHex(digest);
  const rootAbs = await resolveRoot(root);
  const dataPath = resolveInRoot(rootAbs, blobDataPath(digest));
  const data = await regularFile(dataPath);
  const names = await listStorageRepositories(rootAbs, opts);
  const perRepository = await mapLimit(names, LOCATE_CONCURRENCY, async (name) => {
    opts.signal?.throwIfAborted();
    const found: BlobLink[] = [];
    const layer = resolveInRoot(rootAbs, layerLinkPath(name, digest));
    if (await regularFile(layer)) found.push({ repository: name, kind: "layer", path: layer });
    const revision = resolveInRoot(rootAbs, manifestRevisionLinkPath(name, digest));
    if (await regularFile(revision)) found.push({ repository: name, kind: "manifest-revision", path: revision });
    return found;
  });
  return { digest, blob: data ? { path: dataPath, bytes: data.bytes } : null, links: perRepository.flat() };
}

export async function locateManifest(root: string, repository: string, digest: string): Promise<ManifestLocation> {
  const revisionRelative = manifestRevisionLinkPath(repository, digest);
  const rootAbs = await resolveRoot(root);
  const repoAbs = resolveInRoot(rootAbs, repositoryDir(repository));
  const revision = resolveInRoot(rootAbs, revisionRelative);
  const dataPath = resolveInRoot(rootAbs, blobDataPath(digest));
  const data = await regularFile(dataPath);
  const repoExists = await isRealDirectoryChain(rootAbs, repositoryDir(repository), null);
  const result: ManifestLocation = {
    repository,
    digest,
    repositoryPath: repoExists ? repoAbs : null,
    revisionLink: repoExists && (await regularFile(revision)) ? revision : null,
    blob: data ? { path: dataPath, bytes: data.bytes } : null,
    tags: [],
    tagHistory: [],
  };
  if (!repoExists) return result;

  let tagNames: string[];
  try {
    const entries = await readdir(resolveInRoot(rootAbs, tagsDir(repository)), { withFileTypes: true });
    tagNames = entries.filter((e) => e.isDirectory() && isValidTag(e.name)).map((e) => e.name);
  } catch (e) {
    if (errorCode(e) !== "ENOENT" && errorCode(e) !== "ENOTDIR") throw e;
    tagNames = [];
  }
  tagNames.sort(compare);
  const perTag = await mapLimit(tagNames, LOCATE_CONCURRENCY, async (tag) => {
    const currentLink = resolveInRoot(rootAbs, tagCurrentLinkPath(repository, tag));
    let current = false;
    if (await regularFile(currentLink)) {
      try {
        current = parseLinkContent(await readFile(currentLink, "utf8")) === digest;
      } catch {
        current = false;
      }
    }
    const indexLink = resolveInRoot(rootAbs, tagIndexLinkPath(repository, tag, digest));
    const inHistory = (await regularFile(indexLink)) !== null;
    return { tag, currentLink, current, indexLink, inHistory };
  });
  for (const t of perTag) {
    if (t.current) result.tags.push({ tag: t.tag, currentLink: t.currentLink });
    if (t.inHistory) result.tagHistory.push({ tag: t.tag, indexLink: t.indexLink, current: t.current });
  }
  return result;
}

/** Files and bytes below `abs` (symlinks not followed); used to report what a removal frees. */
export async function measureDirectory(abs: string): Promise<{ files: number; bytes: number }> {
  const ctx = new WalkContext(undefined, undefined, 0, DEFAULT_SLICE_MS);
  await walkTree(ctx, abs, {});
  return { files: ctx.files, bytes: ctx.bytes };
}
