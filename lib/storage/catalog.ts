// The registry's catalog and tags read from its storage root (REGISTRY_STORAGE_ROOT, read-only is
// enough) instead of over HTTP: the sync then requests only manifests and configs whose digests
// are new. Same rules as distribution's own catalog and tags/list, so both paths give one cache:
// a repository is a directory holding `_layers`; a tag is `_manifests/tags/<tag>/current/link`.
// Symlinks are never followed and names that break the reference grammar are left out.
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isValidDigest, isValidRepositoryName, isValidTag } from "../oci/reference";
import { REPOSITORIES_DIR } from "./layout";

const CONCURRENCY = 32;
/** `sha256:` + 64 hex, with room for another algorithm's longer digest; a bigger link file is not a link. */
const MAX_LINK_BYTES = 512;

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (code(e) === "ENOENT" || code(e) === "ENOTDIR") return [];
    throw e;
  }
}

/** Repository names under the root, sorted by code unit as `_catalog` lists them. */
export async function storageCatalog(root: string): Promise<string[]> {
  const base = path.join(path.resolve(root), REPOSITORIES_DIR);
  const names: string[] = [];
  let level = [""];
  while (level.length > 0) {
    const next: string[] = [];
    for (const relative of level) {
      for (const entry of await entries(path.join(base, relative))) {
        // Dirent.isDirectory() is false for a symlink: a link never leads out of the root
        if (!entry.isDirectory()) continue;
        if (entry.name === "_layers") {
          if (isValidRepositoryName(relative)) names.push(relative);
        } else if (!entry.name.startsWith("_")) {
          next.push(relative ? `${relative}/${entry.name}` : entry.name);
        }
      }
    }
    level = next;
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function readLink(file: string): Promise<string | null> {
  try {
    const st = await lstat(file);
    if (!st.isFile() || st.size > MAX_LINK_BYTES) return null;
    const digest = (await readFile(file, "utf8")).trim();
    return isValidDigest(digest) ? digest : null;
  } catch (e) {
    if (code(e) === "ENOENT" || code(e) === "ENOTDIR") return null;
    throw e;
  }
}

/**
 * Every tag of a repository with the digest it points at (a tag without a current link is left
 * out); null when the root holds no such repository (another registry's root, or a race).
 */
export async function storageTagDigests(root: string, repository: string): Promise<Map<string, string> | null> {
  if (!isValidRepositoryName(repository)) return null;
  const repoDir = path.join(path.resolve(root), REPOSITORIES_DIR, repository);
  const marker = await lstat(path.join(repoDir, "_layers")).catch(() => null);
  if (!marker?.isDirectory()) return null;
  const tagsDir = path.join(repoDir, "_manifests", "tags");
  const tags = (await entries(tagsDir)).filter((e) => e.isDirectory() && isValidTag(e.name)).map((e) => e.name);
  const out = new Map<string, string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, tags.length) }, async () => {
      for (let i = next++; i < tags.length; i = next++) {
        const tag = tags[i] as string;
        const digest = await readLink(path.join(tagsDir, tag, "current", "link"));
        if (digest) out.set(tag, digest);
      }
    }),
  );
  return out;
}
