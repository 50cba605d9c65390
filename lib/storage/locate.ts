import "server-only";
// "Find on disk": where a blob or a manifest lives under the storage root (blob data, link files in every
// repository, tag pointers and history), and which repositories the root holds. Read-only.

import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isValidRepositoryName, isValidTag } from "../oci/reference";
import {
  blobDataPath,
  digestHex,
  layerLinkPath,
  manifestRevisionLinkPath,
  parseLinkContent,
  REPOSITORIES_DIR,
  REPOSITORY_MARKERS,
  repositoryDir,
  resolveInRoot,
  tagCurrentLinkPath,
  tagIndexLinkPath,
  tagsDir,
} from "./layout";
import { compare, DEFAULT_SLICE_MS, errorCode, isRealDirectoryChain, resolveRoot, WalkContext, walkTree } from "./walk";

/** Concurrent lookups of the locate* functions. */
const LOCATE_CONCURRENCY = 8;

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
