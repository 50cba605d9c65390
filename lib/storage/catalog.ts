// The registry's catalog and tags read from its storage root (REGISTRY_STORAGE_ROOT, read-only is
// enough) instead of over HTTP: the sync then requests only manifests and configs whose digests
// are new. Same rules as distribution's own catalog and tags/list, so both paths give one cache:
// a repository is a directory holding `_layers`; a tag is `_manifests/tags/<tag>/current/link`.
// Symlinks are never followed and names that break the reference grammar are left out.
import { closeSync, constants, lstatSync, openSync, readSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { isValidDigest, isValidRepositoryName, isValidTag } from "../oci/reference";
import { REPOSITORIES_DIR } from "./layout";

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

// Link files are read synchronously in slices: 100,000 asynchronous open/read/close round trips
// through libuv's four threads took 11 s where the same calls in a loop take 1.4 s. A slice of
// SLICE files blocks the event loop for a few milliseconds, then it yields to requests.
const SLICE = 500;
// O_NOFOLLOW: a symlink is refused (ELOOP); O_NONBLOCK: a FIFO planted in the root cannot block us
const LINK_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const linkBuffer = Buffer.alloc(MAX_LINK_BYTES + 1);

/** True when each successive part below `base` is a directory, not a symlink (a few microseconds: synchronous). */
function realDirectories(base: string, parts: string[]): boolean {
  let current = base;
  for (const part of parts) {
    current = path.join(current, part);
    if (!isRealDirectorySync(current)) return false;
  }
  return true;
}

function isRealDirectorySync(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function readLinkSync(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, LINK_FLAGS);
  } catch {
    return null; // missing, a symlink, unreadable
  }
  try {
    const length = readSync(fd, linkBuffer, 0, linkBuffer.length, 0);
    if (length > MAX_LINK_BYTES) return null;
    const digest = linkBuffer.toString("utf8", 0, length).trim();
    return isValidDigest(digest) ? digest : null;
  } catch {
    return null; // a directory (EISDIR), a FIFO with no writer (EAGAIN)
  } finally {
    closeSync(fd);
  }
}

/**
 * Every tag of a repository with the digest it points at (a tag without a current link is left
 * out); null when the root holds no such repository (another registry's root, or a race).
 */
export async function storageTagDigests(root: string, repository: string): Promise<Map<string, string> | null> {
  if (!isValidRepositoryName(repository)) return null;
  // every folder on the way is a real directory: a symlink anywhere could lead out of the root
  const base = path.resolve(root);
  const chain = [...REPOSITORIES_DIR.split("/"), ...repository.split("/")];
  if (!realDirectories(base, [...chain, "_layers"])) return null;
  const tagsDir = path.join(base, ...chain, "_manifests", "tags");
  if (!realDirectories(base, [...chain, "_manifests", "tags"])) return new Map();
  const tags = (await entries(tagsDir)).filter((e) => e.isDirectory() && isValidTag(e.name)).map((e) => e.name);
  const out = new Map<string, string>();
  for (let start = 0; start < tags.length; start += SLICE) {
    for (const tag of tags.slice(start, start + SLICE)) {
      const current = path.join(tagsDir, tag, "current");
      const digest = isRealDirectorySync(current) ? readLinkSync(path.join(current, "link")) : null;
      if (digest) out.set(tag, digest);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}
