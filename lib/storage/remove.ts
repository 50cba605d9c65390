import "server-only";

import { lstat, readdir, realpath, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/lib/errors";
import { plural } from "../oci/size";
import {
  assertStorageRepositoryName,
  isInside,
  REPOSITORIES_DIR,
  REPOSITORY_MARKERS,
  repositoryDir,
  resolveInRoot,
  tagsDir,
} from "./layout";
import { measureDirectory } from "./scan";

// Deletes a repository that has no tags left straight from the storage root. The registry has no API for
// this (a repository whose tags are all deleted stays in _catalog forever), and it caches what it has seen,
// so this only runs while the registry is stopped or read-only: the caller has to say so.

export interface RemoveEmptyRepositoryOptions {
  /** Must be false: the registry is stopped or runs with storage.maintenance.readonly.enabled. */
  registryWritable: boolean;
}

export interface RemovedRepository {
  repository: string;
  /** Absolute repository directory. */
  path: string;
  /**
   * Absolute paths removed recursively: the repository directory, or only its own `_manifests`, `_layers`
   * and `_uploads` folders when nested repositories live below it (team/app with team/app/api).
   */
  removed: string[];
  /** Namespaces (as names, e.g. "team") whose directories became empty and were removed, deepest first. */
  removedNamespaces: string[];
  /** Entries below the repository that were kept (nested namespaces or repositories), as names. */
  keptNested: string[];
  /** Files and bytes deleted (link files and upload leftovers; blob data stays until garbage-collect). */
  files: number;
  bytes: number;
}

export type RemoveRefusal = "registry_writable" | "has_tags" | "not_a_repository" | "unsafe_path";

function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

async function listOrEmpty(dir: string): Promise<{ name: string; isDirectory: boolean; isSymbolicLink: boolean }[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory(), isSymbolicLink: e.isSymbolicLink() }));
  } catch (e) {
    if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") return [];
    throw e;
  }
}

async function exists(abs: string): Promise<boolean> {
  try {
    await lstat(abs);
    return true;
  } catch (e) {
    if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") return false;
    throw e;
  }
}

/** Tags that still have a current/link; the registry serves exactly these in tags/list. */
async function currentTags(tagsAbs: string): Promise<string[]> {
  const tags: string[] = [];
  for (const entry of await listOrEmpty(tagsAbs)) {
    if (await exists(path.join(tagsAbs, entry.name, "current", "link"))) tags.push(entry.name);
  }
  return tags.sort();
}

export async function removeEmptyRepository(root: string, name: string, opts: RemoveEmptyRepositoryOptions): Promise<RemovedRepository> {
  assertStorageRepositoryName(name);
  if (opts.registryWritable !== false) {
    throw new AppError(
      "conflict",
      `refusing to remove ${name} while the registry accepts writes: stop it, or restart it with storage.maintenance.readonly.enabled, then confirm`,
      { reason: "registry_writable" satisfies RemoveRefusal },
    );
  }

  const rootAbs = path.resolve(root);
  const reposAbs = resolveInRoot(rootAbs, REPOSITORIES_DIR);
  const repoAbs = resolveInRoot(rootAbs, repositoryDir(name));
  if (!isInside(reposAbs, repoAbs) || repoAbs === reposAbs) {
    throw new AppError("bad_request", `repository ${name} resolves outside ${REPOSITORIES_DIR}`, { reason: "unsafe_path" });
  }

  // Symlinks anywhere between the root and the repository could point the recursive delete elsewhere: the
  // real path of the repository must be exactly the real repositories directory plus the name.
  let realRepos: string;
  let realRepo: string;
  try {
    realRepos = await realpath(reposAbs);
    realRepo = await realpath(repoAbs);
  } catch (e) {
    if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") {
      throw new AppError("not_found", `repository ${name} does not exist in the storage root`, { reason: "not_a_repository" });
    }
    throw e;
  }
  const realRoot = await realpath(rootAbs);
  if (!isInside(realRoot, realRepos) || realRepo !== path.join(realRepos, ...name.split("/"))) {
    throw new AppError("conflict", `refusing to remove ${name}: its path goes through a symbolic link`, { reason: "unsafe_path" });
  }
  const repoStat = await lstat(repoAbs);
  if (!repoStat.isDirectory()) {
    throw new AppError("not_found", `repository ${name} does not exist in the storage root`, { reason: "not_a_repository" });
  }

  const entries = await listOrEmpty(repoAbs);
  const own = entries.filter((e) => e.name.startsWith("_"));
  const nested = entries.filter((e) => !e.name.startsWith("_"));
  if (!own.some((e) => e.isDirectory && (REPOSITORY_MARKERS as readonly string[]).includes(e.name))) {
    throw new AppError("not_found", `${name} is a namespace, not a repository (no _manifests, _layers or _uploads)`, {
      reason: "not_a_repository",
    });
  }

  const tags = await currentTags(resolveInRoot(rootAbs, tagsDir(name)));
  if (tags.length > 0) {
    throw new AppError("conflict", `repository ${name} still has ${plural(tags.length, "tag")}: ${tags.slice(0, 10).join(", ")}`, {
      reason: "has_tags" satisfies RemoveRefusal,
      tags: tags.slice(0, 100),
    });
  }

  const removed: string[] = [];
  let files = 0;
  let bytes = 0;
  const removeTree = async (abs: string) => {
    const measured = await measureDirectory(abs);
    await rm(abs, { recursive: true, force: false });
    removed.push(abs);
    files += measured.files;
    bytes += measured.bytes;
  };

  if (nested.length === 0) {
    await removeTree(repoAbs);
  } else {
    // team/app/api lives inside team/app: delete only team/app's own folders.
    for (const entry of own) {
      const abs = path.join(repoAbs, entry.name);
      if (entry.isDirectory) {
        await removeTree(abs);
      } else {
        await rm(abs, { force: false });
        removed.push(abs);
        files++;
      }
    }
  }

  // Empty namespace directories are what the catalog walks through; prune them up to repositories/.
  const removedNamespaces: string[] = [];
  if (nested.length === 0) {
    let dir = path.dirname(repoAbs);
    while (dir !== reposAbs && isInside(reposAbs, dir)) {
      try {
        await rmdir(dir);
      } catch (e) {
        if (errorCode(e) === "ENOTEMPTY" || errorCode(e) === "EEXIST" || errorCode(e) === "ENOENT") break;
        throw e;
      }
      removedNamespaces.push(path.relative(reposAbs, dir).split(path.sep).join("/"));
      dir = path.dirname(dir);
    }
  }

  return {
    repository: name,
    path: repoAbs,
    removed,
    removedNamespaces,
    keptNested: nested.map((e) => `${name}/${e.name}`).sort(),
    files,
    bytes,
  };
}
