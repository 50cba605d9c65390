// What an image's layers put on disk, read from the layer file index: per-layer changes, the
// merged file system, wasted space. Merges are computed from immutable rows (blobs never change),
// so a merge is cached in memory by its list of layer digests.
import "server-only";
import { z } from "zod";
import type { Caller } from "../auth/caller";
import { getDb } from "../db/client";
import { AppError } from "../http/errors";
import { enqueueLayerIndex } from "../jobs/layer-index";
import { efficiency as computeEfficiency } from "../layers/efficiency";
import type { LayerEntry } from "../layers/entries";
import { findings } from "../layers/findings";
import { createdByOf, instructionFromCreatedBy, pairHistory } from "../layers/history";
import { type MergeResult, mergeLayers } from "../layers/merge";
import { directorySizes } from "../layers/tree";
import { parseImageConfig } from "../oci/config";
import type { ManifestDetail } from "./api-types";
import { decodeCursor, nextCursorFor } from "./cursor";
import { markLayersPending } from "./layer-index";
import { authorize } from "./permissions";
import { getManifestDetail } from "./repositories";

export const imageQuery = z.object({
  platform: z
    .string()
    .regex(/^[a-z0-9._-]+\/[a-z0-9._-]+(\/[a-z0-9._-]+)?$/i, "platform is os/architecture[/variant], e.g. linux/amd64")
    .optional(),
});

/** The image a reference means: itself, or for an index the platform asked for (default linux/amd64, else the first). */
export async function resolveImage(caller: Caller, repository: string, reference: string, platform?: string): Promise<ManifestDetail> {
  const detail = await getManifestDetail(caller, repository, reference);
  if (detail.kind === "image") return detail;
  if (detail.kind !== "index") {
    throw new AppError(
      "bad_request",
      `${repository}@${detail.digest} is ${detail.kind === "legacy" ? "a legacy schema1 manifest" : "an artifact"}, not an image: it has no file system to inspect`,
    );
  }
  const wanted = platform ?? "linux/amd64";
  const key = (p: { os: string; architecture: string; variant: string | null }) =>
    [p.os, p.architecture, p.variant].filter(Boolean).join("/");
  const match =
    detail.platforms.find((p) => key(p) === wanted) ??
    detail.platforms.find((p) => `${p.os}/${p.architecture}` === wanted) ??
    (platform ? undefined : detail.platforms[0]);
  if (!match) {
    throw new AppError(
      "not_found",
      `${repository}:${reference} has no ${wanted} image (platforms: ${detail.platforms.map(key).join(", ") || "none"})`,
    );
  }
  return getManifestDetail(caller, repository, match.digest);
}

export type IndexStatus = "pending" | "running" | "done" | "failed" | "skipped";

/** Queues the index of every layer of the image not indexed yet (202 for the route). */
export async function requestLayerIndex(caller: Caller, repository: string, reference: string, platform?: string) {
  authorize(caller, "repository:read", repository);
  const image = await resolveImage(caller, repository, reference, platform);
  const queue = await markLayersPending(image.layers, repository);
  for (const digest of queue) await enqueueLayerIndex(digest);
  return { digest: image.digest, queued: queue.length, layers: await listLayers(caller, repository, image.digest) };
}

/** The image's history from its cached config (none when the config is missing or unreadable). */
function configHistory(raw: string | null) {
  if (!raw) return [];
  try {
    return parseImageConfig(raw).history;
  } catch {
    return [];
  }
}

export async function listLayers(caller: Caller, repository: string, reference: string, platform?: string) {
  const image = await resolveImage(caller, repository, reference, platform);
  const db = getDb();
  const [rows, config] = await Promise.all([
    db.layerIndex.findMany({ where: { digest: { in: image.layers.map((l) => l.digest) } } }),
    image.config ? db.imageConfig.findUnique({ where: { digest: image.config.digest }, select: { raw: true } }) : null,
  ]);
  const byDigest = new Map(rows.map((r) => [r.digest, r]));
  const paired = pairHistory(configHistory(config?.raw ?? null), image.layers.length);
  return image.layers.map((l, i) => {
    const row = byDigest.get(l.digest);
    const history = paired.layers[i] ?? null;
    return {
      digest: l.digest,
      mediaType: l.mediaType,
      sizeBytes: l.sizeBytes,
      uncompressedBytes: row?.uncompressedBytes != null ? Number(row.uncompressedBytes) : null,
      fileCount: row?.fileCount ?? null,
      createdBy: history && createdByOf(history) ? instructionFromCreatedBy(createdByOf(history)) : null,
      emptyLayer: row?.status === "done" ? row.fileCount === 0 : null,
      index: {
        status: (row?.status ?? "pending") as IndexStatus,
        error: row?.error ?? null,
        bytesRead: row ? Number(row.bytesRead) : 0,
        queued: row !== undefined,
      },
    };
  });
}

// ---- merges --------------------------------------------------------------------------------

const MERGE_CACHE_SIZE = 8;
const merges = new Map<string, Promise<MergeResult>>();

async function loadEntries(digest: string): Promise<LayerEntry[]> {
  const rows = await getDb().layerFile.findMany({ where: { digest }, orderBy: { seq: "asc" } });
  return rows.map((r) => ({
    path: r.path,
    type: r.type as LayerEntry["type"],
    size: Number(r.size),
    mode: r.mode,
    uid: Number(r.uid),
    gid: Number(r.gid),
    linkTarget: r.linkTarget,
    whiteout: r.whiteout,
    opaque: r.opaque,
  }));
}

/** The merge of these layers (bottom first); every one must be indexed. */
async function mergeOf(digests: string[]): Promise<MergeResult> {
  const key = digests.join(",");
  let m = merges.get(key);
  if (!m) {
    m = (async () => mergeLayers(await Promise.all(digests.map(async (digest) => ({ digest, entries: await loadEntries(digest) })))))();
    m.catch(() => merges.delete(key));
    merges.set(key, m);
    if (merges.size > MERGE_CACHE_SIZE) merges.delete(merges.keys().next().value as string);
  }
  return m;
}

async function indexedImage(caller: Caller, repository: string, reference: string, platform?: string) {
  const image = await resolveImage(caller, repository, reference, platform);
  const rows = await getDb().layerIndex.findMany({ where: { digest: { in: image.layers.map((l) => l.digest) } } });
  const notDone = image.layers.filter((l) => rows.find((r) => r.digest === l.digest)?.status !== "done");
  if (notDone.length > 0) {
    throw new AppError(
      "conflict",
      `${notDone.length} of ${image.layers.length} layers are not indexed yet: POST …/manifests/${reference}/index and wait for them`,
    );
  }
  return image;
}

export const filesQuery = imageQuery.extend({
  layer: z.union([z.literal("merged"), z.string().regex(/^sha256:[a-f0-9]{64}$/, "layer is a layer digest or merged")]).default("merged"),
  path: z.string().max(4096).default(""),
  changes: z.enum(["only", "all"]).default("all"),
  recursive: z.enum(["true", "false"]).default("false"),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  cursor: z.string().max(200).optional(),
});
export type FilesQuery = z.infer<typeof filesQuery>;

type FileItem = {
  path: string;
  type: LayerEntry["type"];
  sizeBytes: number;
  mode: number;
  linkTarget: string | null;
  change: "added" | "modified" | "removed" | "unchanged";
  layer: string;
};

function normalizeDir(p: string): string {
  return p.replace(/^\/+|\/+$/g, "");
}

function inDir(path: string, dir: string, recursive: boolean): boolean {
  if (dir === "") return recursive || !path.includes("/");
  if (!path.startsWith(`${dir}/`)) return false;
  return recursive || !path.slice(dir.length + 1).includes("/");
}

/** Files of the merged file system, or of the file system as one layer left it (with that layer's changes). */
export async function listFiles(caller: Caller, repository: string, reference: string, q: FilesQuery) {
  const image = await indexedImage(caller, repository, reference, q.platform);
  const digests = image.layers.map((l) => l.digest);
  const top = q.layer === "merged" ? digests.length - 1 : digests.indexOf(q.layer);
  if (top < 0) throw new AppError("not_found", `${q.layer} is not a layer of ${repository}@${image.digest}`);
  const merge = await mergeOf(digests.slice(0, top + 1));
  const dir = normalizeDir(q.path);
  const recursive = q.recursive === "true";
  const changed = new Map((merge.changes[top] ?? []).map((c) => [c.path, c]));

  // directory sizes over the whole tree at this layer: a directory's size is the bytes under it
  const dirBytes = directorySizes(Array.from(merge.final.values(), (f) => f.entry));
  const item = (path: string, entry: LayerEntry, layer: number, change: FileItem["change"]): FileItem => ({
    path,
    type: entry.type,
    sizeBytes: entry.type === "dir" ? (dirBytes.get(path) ?? 0) : entry.size,
    mode: entry.mode,
    linkTarget: entry.linkTarget,
    change,
    layer: digests[layer] ?? "",
  });

  const changeOf = merge.changes.map((cs) => new Map(cs.map((c) => [c.path, c.change])));
  const items: FileItem[] = [];
  if (q.layer !== "merged" && q.changes === "only") {
    for (const c of changed.values()) if (inDir(c.path, dir, recursive)) items.push(item(c.path, c.entry, top, c.change));
  } else {
    for (const [path, f] of merge.final) {
      if (!inDir(path, dir, recursive)) continue;
      const c = changed.get(path);
      const change = q.layer === "merged" ? (changeOf[f.layer]?.get(path) ?? "added") : (c?.change ?? "unchanged");
      items.push(item(path, f.entry, f.layer, change === "removed" ? "unchanged" : change));
    }
    if (q.layer !== "merged") {
      for (const c of changed.values())
        if (c.change === "removed" && inDir(c.path, dir, recursive)) items.push(item(c.path, c.entry, top, "removed"));
    }
  }
  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const offset = decodeCursor(q.cursor);
  const page = items.slice(offset, offset + q.limit);
  return { layer: q.layer, path: dir, total: items.length, items: page, nextCursor: nextCursorFor(offset, page.length, items.length) };
}

export async function getEfficiency(caller: Caller, repository: string, reference: string, platform?: string) {
  const image = await indexedImage(caller, repository, reference, platform);
  const digests = image.layers.map((l) => l.digest);
  const e = computeEfficiency(await mergeOf(digests));
  return {
    digest: image.digest,
    totalBytes: e.totalBytes,
    finalBytes: e.finalBytes,
    wastedBytes: e.wastedBytes,
    efficiency: e.efficiency,
    wasted: e.wasted.slice(0, 500).map((w) => ({ path: w.path, bytes: w.bytes, layers: w.layers.map((i) => digests[i] ?? "") })),
    formula:
      "efficiency = finalBytes / totalBytes; totalBytes = bytes of every file version in every layer; wastedBytes = bytes of versions a later layer overwrote or removed (each version once)",
  };
}

/** Best-practice findings from the history, the config and every layer's files. */
export async function getFindings(caller: Caller, repository: string, reference: string, platform?: string) {
  const image = await indexedImage(caller, repository, reference, platform);
  const config = image.config
    ? await getDb().imageConfig.findUnique({ where: { digest: image.config.digest }, select: { raw: true } })
    : null;
  if (!config) throw new AppError("not_found", `the config of ${repository}@${image.digest} is not cached yet`);
  const info = parseImageConfig(config.raw);
  const merge = await mergeOf(image.layers.map((l) => l.digest));
  return { digest: image.digest, items: findings({ config: info, merge }) };
}

export const compareQuery = imageQuery.extend({
  from: z.string().min(1).max(200),
  to: z.string().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(10_000).default(2000),
});
export type CompareQuery = z.infer<typeof compareQuery>;

type FileSide = { path: string; type: LayerEntry["type"]; sizeBytes: number };

/**
 * Two images of a repository side by side: which layer blobs they share and which are only in
 * one, and — once both are indexed — the files added, removed and changed between their merged
 * file systems (a file changed when its type, size, mode or link target differ).
 */
export async function compareImages(caller: Caller, repository: string, q: CompareQuery) {
  const [from, to] = await Promise.all([
    resolveImage(caller, repository, q.from, q.platform),
    resolveImage(caller, repository, q.to, q.platform),
  ]);
  const fromDigests = from.layers.map((l) => l.digest);
  const toDigests = to.layers.map((l) => l.digest);
  const toSet = new Set(toDigests);
  const fromSet = new Set(fromDigests);
  const size = new Map([...from.layers, ...to.layers].map((l) => [l.digest, l.sizeBytes]));
  const layer = (digest: string) => ({ digest, sizeBytes: size.get(digest) ?? 0 });
  const layers = {
    shared: fromDigests.filter((d) => toSet.has(d)).map(layer),
    onlyFrom: fromDigests.filter((d) => !toSet.has(d)).map(layer),
    onlyTo: toDigests.filter((d) => !fromSet.has(d)).map(layer),
  };
  const all = [...new Set([...fromDigests, ...toDigests])];
  const done = await getDb().layerIndex.count({ where: { digest: { in: all }, status: "done" } });
  const side = (reference: string, image: ManifestDetail) => ({ reference, digest: image.digest });
  if (done < all.length) {
    return {
      from: side(q.from, from),
      to: side(q.to, to),
      layers,
      files: { indexed: false, added: [], removed: [], modified: [], truncated: false },
    };
  }
  const [a, b] = await Promise.all([mergeOf(fromDigests), mergeOf(toDigests)]);
  const view = (e: LayerEntry, path: string): FileSide => ({ path, type: e.type, sizeBytes: e.size });
  const added: FileSide[] = [];
  const removed: FileSide[] = [];
  const modified: { path: string; type: LayerEntry["type"]; fromBytes: number; toBytes: number }[] = [];
  for (const [path, f] of b.final) {
    const old = a.final.get(path);
    if (!old) added.push(view(f.entry, path));
    else if (
      old.entry.type !== f.entry.type ||
      old.entry.size !== f.entry.size ||
      old.entry.mode !== f.entry.mode ||
      old.entry.linkTarget !== f.entry.linkTarget
    ) {
      modified.push({ path, type: f.entry.type, fromBytes: old.entry.size, toBytes: f.entry.size });
    }
  }
  for (const [path, f] of a.final) if (!b.final.has(path)) removed.push(view(f.entry, path));
  const byPath = (x: { path: string }, y: { path: string }) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
  const truncated = Math.max(added.length, removed.length, modified.length) > q.limit;
  return {
    from: side(q.from, from),
    to: side(q.to, to),
    layers,
    files: {
      indexed: true,
      counts: { added: added.length, removed: removed.length, modified: modified.length },
      added: added.sort(byPath).slice(0, q.limit),
      removed: removed.sort(byPath).slice(0, q.limit),
      modified: modified.sort(byPath).slice(0, q.limit),
      truncated,
    },
  };
}
