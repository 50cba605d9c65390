// What an image's layers put on disk, read from the layer file index: per-layer changes, the
// merged file system, wasted space. The merged trees are stored once per list of layers (a chain,
// see layer-chains.ts): every view reads pages of SQL rows, never every row of every layer.
import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { ManifestDetail } from "../contract/images";
import type {
  CompareQuery,
  FileList,
  FilesQuery,
  ImageComparison,
  ImageEfficiency,
  ImageFindings,
  ImageHistory,
  ImageLayer,
  LayerIndexRequest,
} from "../contract/layers";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { enqueueLayerIndex } from "../jobs/definitions";
import type { EscapedName } from "../layers/entries";
import { configFindings, escapeFindings, sortFindings } from "../layers/findings";
import { createdByOf, historyLines, instructionFromCreatedBy, pairHistory } from "../layers/history";
import { parseImageConfig } from "../oci/config";
import { chainFiles, chainSummary, compareChains, readyChain } from "./layer-chains";
import { markLayersPending, type RefusedRequeue } from "./layer-index";
import { getManifestDetail } from "./manifests";

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

/** A failed layer was re-queued less than LAYER_INDEX_RETRY_SECONDS ago (the route adds Retry-After). */
function reindexRateLimited(refused: RefusedRequeue[]): AppError {
  const retryAfterSeconds = Math.max(...refused.map((r) => r.retryAfterSeconds));
  const what = refused.length === 1 ? "a failed layer of this image was" : `${refused.length} failed layers of this image were`;
  return new AppError("rate_limited", `${what} re-queued moments ago: try again in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
    layers: refused.map((r) => r.digest),
  });
}

/** The seconds to wait when `e` is requestLayerIndex's refusal, else null. */
export function reindexRetryAfter(e: unknown): number | null {
  if (!(e instanceof AppError) || e.code !== "rate_limited") return null;
  const details = e.details as { retryAfterSeconds?: unknown } | undefined;
  return typeof details?.retryAfterSeconds === "number" ? details.retryAfterSeconds : null;
}

/**
 * Queues the index of every layer of the image not indexed yet (202 for the route). Any viewer may, so a
 * failed layer is re-queued at most once per LAYER_INDEX_RETRY_SECONDS: a second retry within the window is
 * refused (429) once the layers that may go are queued.
 */
export async function requestLayerIndex(
  caller: Caller,
  repository: string,
  reference: string,
  platform?: string,
): Promise<LayerIndexRequest> {
  authorize(caller, "repository:read", repository);
  const image = await resolveImage(caller, repository, reference, platform);
  const refused: RefusedRequeue[] = [];
  const queue = await markLayersPending(image.layers, repository, { retryWindowSeconds: getEnv().LAYER_INDEX_RETRY_SECONDS, refused });
  for (const digest of queue) await enqueueLayerIndex(digest);
  if (refused.length > 0) throw reindexRateLimited(refused);
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

/**
 * The image's build history, every entry in order: the ones that made no layer (ENV, LABEL, CMD…) marked,
 * each layer next to the entry that made it. Needs only the config, not the layer index.
 */
export async function getHistory(caller: Caller, repository: string, reference: string, platform?: string): Promise<ImageHistory> {
  const image = await resolveImage(caller, repository, reference, platform);
  const config = image.config
    ? await getDb().imageConfig.findUnique({ where: { digest: image.config.digest }, select: { raw: true } })
    : null;
  const history = configHistory(config?.raw ?? null);
  const pairing = pairHistory(history, image.layers.length);
  return {
    digest: image.digest,
    steps: historyLines(history, image.layers.length).map((line) => {
      const entry = line.historyIndex !== null ? history[line.historyIndex] : undefined;
      const layer = line.layerIndex !== null ? image.layers[line.layerIndex] : undefined;
      return {
        ...line,
        created: entry?.created ?? null,
        layer: layer ? { digest: layer.digest, sizeBytes: layer.sizeBytes } : null,
      };
    }),
    mismatch: pairing.mismatch,
  };
}

export async function listLayers(caller: Caller, repository: string, reference: string, platform?: string): Promise<ImageLayer[]> {
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

/** Per layer of the image (by position): its entries that escaped the root, as the archive names them. */
async function layerEscapes(digests: readonly string[]) {
  const rows = await getDb().layerIndex.findMany({
    where: { digest: { in: [...digests] }, escapedPaths: { gt: 0 } },
    select: { digest: true, escapedPaths: true, escapedNames: true },
  });
  return digests.flatMap((digest, layer) => {
    const row = rows.find((r) => r.digest === digest);
    if (!row) return [];
    const names = Array.isArray(row.escapedNames) ? (row.escapedNames as EscapedName[]) : null;
    return [{ layer, count: row.escapedPaths, names }];
  });
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

function normalizeDir(p: string): string {
  return p.replace(/^\/+|\/+$/g, "");
}

// Keyset cursors: the last path of the page (paths are unique within a view), base64url.
function encodePathCursor(path: string): string {
  return Buffer.from(JSON.stringify({ p: path })).toString("base64url");
}

function decodePathCursor(cursor: string | undefined): string | null {
  if (!cursor) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (parsed && typeof parsed === "object" && "p" in parsed && typeof parsed.p === "string") return parsed.p;
  } catch {
    // fall through to the error below
  }
  throw new AppError("bad_request", "cursor is not valid: use the nextCursor value of a previous page");
}

/**
 * Files of the merged file system, or of the file system as one layer left it (with that layer's changes):
 * one page (at most `limit`, enforced by the query schema) of SQL rows, keyset-paged in path byte order.
 */
export async function listFiles(caller: Caller, repository: string, reference: string, q: FilesQuery): Promise<FileList> {
  const image = await indexedImage(caller, repository, reference, q.platform);
  const digests = image.layers.map((l) => l.digest);
  const top = q.layer === "merged" ? digests.length - 1 : digests.indexOf(q.layer);
  if (top < 0) throw new AppError("not_found", `${q.layer} is not a layer of ${repository}@${image.digest}`);
  const id = await readyChain(digests.slice(0, top + 1));
  const dir = normalizeDir(q.path);
  const page = await chainFiles(id, {
    view: q.layer === "merged" ? "merged" : q.changes,
    top,
    dir,
    recursive: q.recursive === "true",
    after: decodePathCursor(q.cursor),
    limit: q.limit,
  });
  // entries that escaped the root are shown as the archive names them
  const stored = new Map<string, string>();
  for (const e of await layerEscapes(digests)) for (const n of e.names ?? []) stored.set(`${e.layer}\u0000${n.path}`, n.name);
  return {
    layer: q.layer,
    path: dir,
    total: page.total,
    items: page.items.map((i) => {
      const storedName = stored.get(`${i.layer}\u0000${i.path}`);
      return { ...i, layer: digests[i.layer] ?? "", ...(storedName !== undefined ? { storedName } : {}) };
    }),
    nextCursor: page.more && page.last !== null ? encodePathCursor(page.last) : null,
  };
}

export async function getEfficiency(caller: Caller, repository: string, reference: string, platform?: string): Promise<ImageEfficiency> {
  const image = await indexedImage(caller, repository, reference, platform);
  const digests = image.layers.map((l) => l.digest);
  const { efficiency: e } = await chainSummary(await readyChain(digests));
  return {
    digest: image.digest,
    totalBytes: e.totalBytes,
    finalBytes: e.finalBytes,
    wastedBytes: e.wastedBytes,
    efficiency: e.efficiency,
    wasted: e.wasted.map((w) => ({ path: w.path, bytes: w.bytes, layers: w.layers.map((i) => digests[i] ?? "") })),
    formula:
      "efficiency = finalBytes / totalBytes; totalBytes = bytes of every file version in every layer; wastedBytes = bytes of versions a later layer overwrote or removed (each version once)",
  };
}

/** Best-practice findings from the history, the config and every layer's files. */
export async function getFindings(caller: Caller, repository: string, reference: string, platform?: string): Promise<ImageFindings> {
  const image = await indexedImage(caller, repository, reference, platform);
  const config = image.config
    ? await getDb().imageConfig.findUnique({ where: { digest: image.config.digest }, select: { raw: true } })
    : null;
  if (!config) throw new AppError("not_found", `the config of ${repository}@${image.digest} is not cached yet`);
  const info = parseImageConfig(config.raw);
  const digests = image.layers.map((l) => l.digest);
  const { findings } = await chainSummary(await readyChain(digests));
  const escapes = escapeFindings(await layerEscapes(digests));
  return { digest: image.digest, items: sortFindings([...findings, ...escapes, ...configFindings(info, image.layers.length)]) };
}

/**
 * Two images of a repository side by side: which layer blobs they share and which are only in
 * one, and — once both are indexed — the files added, removed and changed between their merged
 * file systems (a file changed when its type, size, mode, link target or content digest differ).
 */
export async function compareImages(caller: Caller, repository: string, q: CompareQuery): Promise<ImageComparison> {
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
      files: { indexed: false, content: false, added: [], removed: [], modified: [], truncated: false },
    };
  }
  // Layers indexed before content digests were recorded: compared by metadata only until the background
  // refresh reaches them; asking for this comparison moves them up the queue.
  const withoutDigests = await getDb().layerIndex.findMany({
    where: { digest: { in: all }, contentDigests: false },
    select: { digest: true, refreshStartedAt: true },
  });
  for (const l of withoutDigests) if (l.refreshStartedAt === null) await enqueueLayerIndex(l.digest);
  const [fromChain, toChain] = await Promise.all([readyChain(fromDigests), readyChain(toDigests)]);
  const diff = await compareChains(fromChain, toChain, q.limit);
  const truncated = Math.max(diff.counts.added, diff.counts.removed, diff.counts.modified) > q.limit;
  return {
    from: side(q.from, from),
    to: side(q.to, to),
    layers,
    files: {
      indexed: true,
      // files were compared by content (every layer has digests), not only by type, size, mode and link target
      content: withoutDigests.length === 0,
      counts: diff.counts,
      added: diff.added,
      removed: diff.removed,
      modified: diff.modified,
      truncated,
    },
  };
}
