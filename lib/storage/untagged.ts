// Untagged manifests, read from the registry's storage root: the registry API cannot list them. Layerscope's GC
// deletes these through the API instead of passing `--delete-untagged`, which on 2.8 also deletes the children
// of *tagged* multi-arch indexes (distribution#3178). Kept: every manifest a tag reaches (through index
// children, transitively) and every referrer (`subject`) of a kept manifest — signatures and SBOMs stay with
// their image.
import "server-only";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ManifestParseError, parseManifest } from "../oci/manifest";
import { blobDataPath, isSha256Hex, parseLinkContent, REPOSITORIES_DIR, resolveInRoot, tagsDir } from "./layout";
import { listStorageRepositories } from "./locate";

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function readLink(file: string): Promise<string | null> {
  try {
    return parseLinkContent(await readFile(file, "utf8"));
  } catch {
    return null;
  }
}

type Refs = { children: string[]; subject: string | null };

async function manifestRefs(root: string, digest: string): Promise<Refs | null> {
  let body: string;
  try {
    const buf = await readFile(resolveInRoot(root, blobDataPath(digest)));
    if (buf.length > MAX_MANIFEST_BYTES) return null;
    body = buf.toString("utf8");
  } catch {
    return null; // the blob is gone: nothing to follow
  }
  try {
    const m = parseManifest(body, null);
    if (m.kind === "index") return { children: m.manifests.map((c) => c.digest), subject: m.subject?.digest ?? null };
    if (m.kind === "image" || m.kind === "artifact") return { children: [], subject: m.subject?.digest ?? null };
    return { children: [], subject: null };
  } catch (e) {
    if (e instanceof ManifestParseError) return null;
    throw e;
  }
}

export type UntaggedManifest = { repository: string; digest: string };

/** Per repository, the manifest revisions no tag reaches and that refer to nothing kept. */
export async function findUntaggedManifests(root: string): Promise<UntaggedManifest[]> {
  const out: UntaggedManifest[] = [];
  for (const repository of await listStorageRepositories(root)) {
    const repoDir = resolveInRoot(root, path.posix.join(REPOSITORIES_DIR, repository));
    const revisionsDir = path.join(repoDir, "_manifests", "revisions", "sha256");
    const revisions = (await entries(revisionsDir)).filter(isSha256Hex).map((hex) => `sha256:${hex}`);
    if (revisions.length === 0) continue;
    // a revision whose link file is missing was already deleted through the API
    const present: string[] = [];
    for (const d of revisions) if ((await readLink(path.join(revisionsDir, d.slice(7), "link"))) === d) present.push(d);

    const tagged = new Set<string>();
    const tagsPath = resolveInRoot(root, tagsDir(repository));
    for (const tag of await entries(tagsPath)) {
      const d = await readLink(path.join(tagsPath, tag, "current", "link"));
      if (d) tagged.add(d);
    }

    const refs = new Map<string, Refs | null>();
    for (const d of present) refs.set(d, await manifestRefs(root, d));
    const kept = new Set<string>();
    const keep = (d: string) => {
      if (kept.has(d)) return;
      kept.add(d);
      for (const c of refs.get(d)?.children ?? []) keep(c);
    };
    for (const d of tagged) keep(d);
    // referrers of kept manifests stay, and so does what they reach; repeat until nothing changes
    for (let changed = true; changed; ) {
      changed = false;
      for (const d of present) {
        const subject = refs.get(d)?.subject;
        if (!kept.has(d) && subject && kept.has(subject)) {
          keep(d);
          changed = true;
        }
      }
    }
    for (const d of present) if (!kept.has(d)) out.push({ repository, digest: d });
  }
  return out;
}
