import "server-only";

import { readdir } from "node:fs/promises";
import path from "node:path";
import { isSha256Hex, REPOSITORIES_DIR, repositoryDir, resolveInRoot, STORAGE_DIGEST_ALGORITHM } from "./layout";
import { listStorageRepositories } from "./locate";

// Which repositories link (or last linked) given blobs: their `_layers/sha256/<hex>` and
// `_manifests/revisions/sha256/<hex>` entries. A deleted manifest keeps its revision folder (only the link file
// goes) and its layers keep their links, so this names the repositories that last referenced what a garbage
// collection deletes. One readdir of each folder per repository, however many digests are asked about.

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** digest → repositories (sorted) for the sha256 digests in `digests`; others and unlinked ones are left out. */
export async function repositoriesLinking(root: string, digests: readonly string[]): Promise<Map<string, string[]>> {
  const prefix = `${STORAGE_DIGEST_ALGORITHM}:`;
  const wanted = new Set(digests.filter((d) => d.startsWith(prefix)).map((d) => d.slice(prefix.length)));
  const out = new Map<string, string[]>();
  if (wanted.size === 0) return out;
  const rootAbs = path.resolve(root);
  resolveInRoot(rootAbs, REPOSITORIES_DIR);
  for (const repository of await listStorageRepositories(rootAbs)) {
    const base = resolveInRoot(rootAbs, repositoryDir(repository));
    const found = new Set<string>();
    for (const dir of [
      path.join(base, "_layers", STORAGE_DIGEST_ALGORITHM),
      path.join(base, "_manifests", "revisions", STORAGE_DIGEST_ALGORITHM),
    ]) {
      for (const hex of await names(dir)) if (isSha256Hex(hex) && wanted.has(hex)) found.add(hex);
    }
    for (const hex of found) {
      const digest = `${prefix}${hex}`;
      const list = out.get(digest);
      if (list) list.push(repository);
      else out.set(digest, [repository]);
    }
  }
  return out;
}
