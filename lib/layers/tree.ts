// Read helpers over a file tree (one layer's entries or a merged image) for the layer browser.
import { comparePaths, type LayerEntry, type LayerEntryType, parentPath } from "./entries";
import type { FinalEntry } from "./merge";

type Sized = { path: string; type: LayerEntryType; size: number };

/**
 * Bytes of regular files under each directory, recursively; "" is the root. Directories that only appear as
 * parents of deeper paths are included too. Whiteout entries are skipped: they remove, they do not weigh.
 */
export function directorySizes(entries: Iterable<Sized & { whiteout?: boolean }>): Map<string, number> {
  const sizes = new Map<string, number>([["", 0]]);
  for (const entry of entries) {
    if (entry.whiteout) continue;
    if (entry.type === "dir" && !sizes.has(entry.path)) sizes.set(entry.path, 0);
    if (entry.type !== "file") continue;
    // Every ancestor up to the root carries the file's bytes.
    for (let dir = parentPath(entry.path); ; dir = parentPath(dir)) {
      sizes.set(dir, (sizes.get(dir) ?? 0) + entry.size);
      if (dir === "") break;
    }
  }
  return sizes;
}

export type DirectoryChild<T> = {
  name: string;
  path: string;
  type: LayerEntryType;
  /** A file's size, or for a directory the bytes of all regular files under it. */
  size: number;
  /** Entries under a directory, at any depth; 0 for anything else. */
  descendants: number;
  /** The listed item itself, or null for a directory that only exists as a parent of deeper paths. */
  item: T | null;
};

/**
 * Immediate children of `dir` ("" for the root) with aggregated directory sizes, directories first, then by name.
 * `sorted` must be ordered by `comparePaths` (UTF-8 byte order, i.e. Postgres `ORDER BY path COLLATE "C"`):
 * the subtree of `dir` is found by binary search, so a listing costs the subtree, not the whole tree.
 */
export function listDirectory<T extends Sized>(sorted: readonly T[], dir: string): DirectoryChild<T>[] {
  const prefix = dir === "" ? "" : `${dir}/`;
  const byName = new Map<string, DirectoryChild<T>>();
  for (let i = lowerBound(sorted, prefix); i < sorted.length; i++) {
    const item = sorted[i];
    if (!item) break;
    if (!item.path.startsWith(prefix)) break;
    const rest = item.path.slice(prefix.length);
    if (rest === "") continue; // the directory itself
    const slash = rest.indexOf("/");
    const name = slash === -1 ? rest : rest.slice(0, slash);
    let child = byName.get(name);
    if (!child) {
      child = { name, path: prefix + name, type: "dir", size: 0, descendants: 0, item: null };
      byName.set(name, child);
    }
    if (slash === -1) {
      child.item = item;
      child.type = item.type;
      if (item.type !== "dir") child.size = item.size;
    } else {
      child.descendants++;
      if (item.type === "file") child.size += item.size;
    }
  }
  return [...byName.values()].sort((a, b) => Number(b.type === "dir") - Number(a.type === "dir") || comparePaths(a.name, b.name));
}

function lowerBound(sorted: readonly Sized[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const item = sorted[mid];
    if (item && comparePaths(item.path, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export type LargestFile = { path: string; size: number; layer: number; entry: LayerEntry };

/** The n largest regular files of a merged image, largest first (ties by path). */
export function largestFiles(final: ReadonlyMap<string, FinalEntry>, n: number): LargestFile[] {
  if (n <= 0) return [];
  const files: LargestFile[] = [];
  for (const [path, { entry, layer }] of final) if (entry.type === "file") files.push({ path, size: entry.size, layer, entry });
  return files.sort((a, b) => b.size - a.size || comparePaths(a.path, b.path)).slice(0, n);
}
