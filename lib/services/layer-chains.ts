// The file system a list of layers leaves, stored once in Postgres so the file views read pages of rows.
// A chain (bottom layer first) is merged in memory once, by one process, the first time anyone views it;
// afterwards every listing, the efficiency, the findings and comparisons are SQL over its rows. Layers never
// change, so neither does a chain: nothing here is ever updated once ready.
import "server-only";
import { createHash } from "node:crypto";
import { AppError } from "@/lib/errors";
import { getDb } from "../db/client";
import { Prisma } from "../db/generated/client";
import { efficiency as computeEfficiency } from "../layers/efficiency";
import { type LayerEntry, parentPath } from "../layers/entries";
import { type Finding, mergeFindings } from "../layers/findings";
import { mergeLayers } from "../layers/merge";
import { directorySizes } from "../layers/tree";
import { logger } from "../log";

/** Rows per INSERT while a chain is written. */
const WRITE_BATCH = 5000;
// a "building" row this old belongs to a process that died mid-build
const STALE_BUILD_MS = 10 * 60 * 1000;
// how long a request waits for another instance's build before answering 503
const WAIT_FOR_OTHER_MS = 120_000;
const POLL_MS = 250;
/** The wasted paths kept with a chain's efficiency. */
export const MAX_WASTED = 500;

export type StoredEfficiency = {
  totalBytes: number;
  finalBytes: number;
  wastedBytes: number;
  efficiency: number;
  /** Largest first; `layers` are positions in the chain. */
  wasted: { path: string; bytes: number; layers: number[] }[];
};

/**
 * A chain's id. `content`: every layer's files carry content digests. A chain built before some of its layers
 * had them keeps the old id (it still serves while the layers are refreshed in the background); once they all
 * have digests the chain is a new one, built afresh with them.
 */
export function chainId(digests: readonly string[], content = false): string {
  return createHash("sha256")
    .update(`${content ? "content:" : ""}${digests.join(",")}`)
    .digest("hex");
}

/** Whether every one of these layers was indexed with content digests. */
export async function layersHaveContentDigests(digests: readonly string[]): Promise<boolean> {
  const unique = [...new Set(digests)];
  const n = await getDb().layerIndex.count({ where: { digest: { in: unique }, contentDigests: true } });
  return n === unique.length;
}

// Builds in this process, by chain id, so concurrent views of one image share one build.
const building = new Map<string, Promise<void>>();
// One merge in memory at a time per process: a burst of views of many images queues instead of piling up.
let tail: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = tail.then(work, work);
  tail = run.catch(() => {});
  return run;
}

/** The id of the chain of these (indexed) layers, its rows written first if nobody has yet. */
export async function readyChain(digests: readonly string[]): Promise<string> {
  const id = chainId(digests, await layersHaveContentDigests(digests));
  const row = await getDb().layerChain.findUnique({ where: { id }, select: { status: true } });
  if (row?.status === "ready") return id;
  let work = building.get(id);
  if (!work) {
    work = oneAtATime(() => claimAndBuild(id, digests)).finally(() => building.delete(id));
    building.set(id, work);
  }
  await work;
  return id;
}

export async function chainSummary(id: string): Promise<{ efficiency: StoredEfficiency; findings: Finding[] }> {
  const row = await getDb().layerChain.findUniqueOrThrow({ where: { id }, select: { efficiency: true, findings: true } });
  return { efficiency: row.efficiency as unknown as StoredEfficiency, findings: (row.findings ?? []) as unknown as Finding[] };
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2002";
}

/** Claims the chain in Postgres (so two instances never write the same rows), or waits for whoever has it. */
async function claimAndBuild(id: string, digests: readonly string[]): Promise<void> {
  const db = getDb();
  const deadline = Date.now() + WAIT_FOR_OTHER_MS;
  for (;;) {
    let claimed = false;
    try {
      await db.layerChain.create({ data: { id, status: "building", layerCount: digests.length } });
      claimed = true;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const takeover = await db.layerChain.updateMany({
        where: { id, status: "building", claimedAt: { lt: new Date(Date.now() - STALE_BUILD_MS) } },
        data: { claimedAt: new Date() },
      });
      claimed = takeover.count === 1;
    }
    if (claimed) return build(id, digests);
    const row = await db.layerChain.findUnique({ where: { id }, select: { status: true } });
    if (row?.status === "ready") return;
    if (row && Date.now() > deadline) {
      throw new AppError("unavailable", "the file views of this image are still being prepared: try again in a minute");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

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
    contentDigest: r.contentDigest,
  }));
}

type ChainRow = {
  path: string;
  entry: LayerEntry;
  dirBytes: number | null;
  layer: number;
  change: string | null;
  removed: boolean;
};

async function build(id: string, digests: readonly string[]): Promise<void> {
  const db = getDb();
  const started = Date.now();
  try {
    await db.layerChainFile.deleteMany({ where: { chainId: id } }); // rows of a build that died
    const inputs = [];
    for (const digest of digests) inputs.push({ digest, entries: await loadEntries(digest) });
    const merge = mergeLayers(inputs);
    inputs.length = 0;
    const top = digests.length - 1;
    const dirBytes = directorySizes(Array.from(merge.final.values(), (f) => f.entry));
    const changeOf = merge.changes.map((cs) => new Map(cs.map((c) => [c.path, c.change])));

    let batch: ChainRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      await db.$executeRaw`
        INSERT INTO layer_chain_files (chain_id, key, parent, path, type, size, dir_bytes, mode, link_target, layer, change, removed,
                                       content_digest)
        SELECT ${id}, convert_to(u.path, 'UTF8'), convert_to(u.parent, 'UTF8'), u.path, u.type, u.size, u.dir_bytes, u.mode,
               u.link_target, u.layer, u.change, u.removed, u.content_digest
        FROM unnest(
          ${rows.map((r) => r.path)}::text[],
          ${rows.map((r) => parentPath(r.path))}::text[],
          ${rows.map((r) => r.entry.type)}::text[],
          ${rows.map((r) => r.entry.size)}::bigint[],
          ${rows.map((r) => r.dirBytes)}::bigint[],
          ${rows.map((r) => r.entry.mode)}::int[],
          ${rows.map((r) => r.entry.linkTarget)}::text[],
          ${rows.map((r) => r.layer)}::int[],
          ${rows.map((r) => r.change)}::text[],
          ${rows.map((r) => r.removed)}::boolean[],
          ${rows.map((r) => r.entry.contentDigest ?? null)}::text[]
        ) AS u(path, parent, type, size, dir_bytes, mode, link_target, layer, change, removed, content_digest)`;
    };
    const push = async (row: ChainRow) => {
      batch.push(row);
      if (batch.length >= WRITE_BATCH) await flush();
    };
    for (const [path, f] of merge.final) {
      const dir = f.entry.type === "dir";
      await push({
        path,
        entry: f.entry,
        dirBytes: dir ? (dirBytes.get(path) ?? 0) : null,
        layer: f.layer,
        // no record from its layer: a directory it only implied (null), or a copy identical to the version
        // below ("unchanged": the layer wrote it, but changed nothing)
        change: changeOf[f.layer]?.get(path) ?? (dir ? null : "unchanged"),
        removed: false,
      });
    }
    for (const c of merge.changes[top] ?? []) {
      if (c.change !== "removed") continue;
      await push({
        path: c.path,
        entry: c.entry,
        dirBytes: c.entry.type === "dir" ? 0 : null,
        layer: top,
        change: "removed",
        removed: true,
      });
    }
    await flush();

    const e = computeEfficiency(merge);
    const efficiency: StoredEfficiency = {
      totalBytes: e.totalBytes,
      finalBytes: e.finalBytes,
      wastedBytes: e.wastedBytes,
      efficiency: e.efficiency,
      wasted: e.wasted.slice(0, MAX_WASTED).map((w) => ({ path: w.path, bytes: w.bytes, layers: w.layers })),
    };
    const findings = mergeFindings(merge);
    await db.layerChain.update({
      where: { id },
      data: {
        status: "ready",
        efficiency: efficiency as unknown as Prisma.InputJsonValue,
        findings: findings as unknown as Prisma.InputJsonValue,
      },
    });
    // the same layers' chain from before they had content digests is superseded by this one
    if (id === chainId(digests, true)) await db.layerChain.deleteMany({ where: { id: chainId(digests, false), status: "ready" } });
    logger.info("layer chain stored", { id, layers: digests.length, paths: merge.final.size, ms: Date.now() - started });
  } catch (e) {
    await db.layerChain.deleteMany({ where: { id } }); // its rows go with it (cascade); the next view builds again
    throw e;
  }
}

// ---- reading ---------------------------------------------------------------------------------

/** merged: the final tree; all: the tree as the chain's top layer left it, its removals too; only: its changes. */
export type ChainView = "merged" | "all" | "only";

export type ChainFile = {
  path: string;
  type: LayerEntry["type"];
  sizeBytes: number;
  mode: number;
  linkTarget: string | null;
  change: "added" | "modified" | "removed" | "unchanged";
  /** Position of the layer the entry comes from. */
  layer: number;
  /** A regular file's "sha256:<hex>"; null for other types or when its layer has no digests yet. */
  contentDigest: string | null;
};

type RawChainFile = {
  path: string;
  type: string;
  size: bigint;
  dir_bytes: bigint | null;
  mode: number;
  link_target: string | null;
  layer: number;
  change: string | null;
  removed: boolean;
  content_digest: string | null;
};

function viewFilter(view: ChainView, top: number): Prisma.Sql {
  if (view === "merged") return Prisma.sql`AND NOT removed`;
  if (view === "only") return Prisma.sql`AND (removed OR (layer = ${top} AND change IN ('added', 'modified')))`;
  return Prisma.empty;
}

function dirFilter(dir: string, recursive: boolean): Prisma.Sql {
  if (!recursive) return Prisma.sql`AND parent = convert_to(${dir}, 'UTF8')`;
  if (dir === "") return Prisma.empty;
  // "/" is 0x2F and "0" 0x30: the byte range of every path under dir/
  return Prisma.sql`AND key > convert_to(${`${dir}/`}, 'UTF8') AND key < convert_to(${`${dir}0`}, 'UTF8')`;
}

/** One page of a chain's view of a directory (or its subtree), in byte order of the path, after `after`. */
export async function chainFiles(
  id: string,
  q: { view: ChainView; top: number; dir: string; recursive: boolean; after: string | null; limit: number },
): Promise<{ total: number; items: ChainFile[]; last: string | null; more: boolean }> {
  const db = getDb();
  const where = Prisma.sql`chain_id = ${id} ${dirFilter(q.dir, q.recursive)} ${viewFilter(q.view, q.top)}`;
  const cursor = q.after === null ? Prisma.empty : Prisma.sql`AND key > convert_to(${q.after}, 'UTF8')`;
  const [rows, counted] = await Promise.all([
    db.$queryRaw<RawChainFile[]>`
      SELECT path, type, size, dir_bytes, mode, link_target, layer, change, removed, content_digest
      FROM layer_chain_files WHERE ${where} ${cursor}
      ORDER BY key LIMIT ${q.limit + 1}`,
    db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM layer_chain_files WHERE ${where}`,
  ]);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const items = page.map((r): ChainFile => {
    let change: ChainFile["change"];
    if (r.removed) change = "removed";
    else if (q.view === "merged")
      change = r.change === "added" || r.change === "modified" ? r.change : r.change === null ? "added" : "unchanged";
    else change = r.layer === q.top && (r.change === "added" || r.change === "modified") ? r.change : "unchanged";
    return {
      path: r.path,
      type: r.type as LayerEntry["type"],
      sizeBytes: Number(r.type === "dir" ? (r.dir_bytes ?? 0n) : r.size),
      mode: r.mode,
      linkTarget: r.link_target,
      change,
      layer: r.layer,
      contentDigest: r.content_digest,
    };
  });
  return { total: counted[0]?.n ?? 0, items, last: page.at(-1)?.path ?? null, more };
}

export type ComparedSide = { path: string; type: LayerEntry["type"]; sizeBytes: number };
export type ComparedChange = {
  path: string;
  type: LayerEntry["type"];
  fromBytes: number;
  toBytes: number;
  /** The regular file's content digest on each side (null: not a file there, or not known). */
  fromDigest: string | null;
  toDigest: string | null;
};

/**
 * The files added, removed and modified (type, size, mode, link target or content digest differ) from one chain's final tree
 * to another's: counts of each, and at most `limit` of each in path byte order.
 */
export async function compareChains(from: string, to: string, limit: number) {
  const db = getDb();
  const added = Prisma.sql`FROM layer_chain_files b WHERE b.chain_id = ${to} AND NOT b.removed
    AND NOT EXISTS (SELECT 1 FROM layer_chain_files a WHERE a.chain_id = ${from} AND a.key = b.key AND NOT a.removed)`;
  const removed = Prisma.sql`FROM layer_chain_files a WHERE a.chain_id = ${from} AND NOT a.removed
    AND NOT EXISTS (SELECT 1 FROM layer_chain_files b WHERE b.chain_id = ${to} AND b.key = a.key AND NOT b.removed)`;
  const modified = Prisma.sql`FROM layer_chain_files b JOIN layer_chain_files a ON a.chain_id = ${from} AND a.key = b.key AND NOT a.removed
    WHERE b.chain_id = ${to} AND NOT b.removed
    AND (a.type <> b.type OR a.size <> b.size OR a.mode <> b.mode OR a.link_target IS DISTINCT FROM b.link_target
         OR a.content_digest <> b.content_digest)`;
  type Side = { path: string; type: string; size: bigint };
  const [a, r, m, counts] = await Promise.all([
    db.$queryRaw<Side[]>`SELECT b.path, b.type, b.size ${added} ORDER BY b.key LIMIT ${limit}`,
    db.$queryRaw<Side[]>`SELECT a.path, a.type, a.size ${removed} ORDER BY a.key LIMIT ${limit}`,
    db.$queryRaw<
      { path: string; type: string; from_size: bigint; to_size: bigint; from_digest: string | null; to_digest: string | null }[]
    >`
      SELECT b.path, b.type, a.size AS from_size, b.size AS to_size, a.content_digest AS from_digest, b.content_digest AS to_digest
      ${modified} ORDER BY b.key LIMIT ${limit}`,
    db.$queryRaw<{ added: number; removed: number; modified: number }[]>`
      SELECT (SELECT count(*)::int ${added}) AS added, (SELECT count(*)::int ${removed}) AS removed,
             (SELECT count(*)::int ${modified}) AS modified`,
  ]);
  const side = (x: Side): ComparedSide => ({ path: x.path, type: x.type as LayerEntry["type"], sizeBytes: Number(x.size) });
  return {
    counts: counts[0] ?? { added: 0, removed: 0, modified: 0 },
    added: a.map(side),
    removed: r.map(side),
    modified: m.map(
      (x): ComparedChange => ({
        path: x.path,
        type: x.type as LayerEntry["type"],
        fromBytes: Number(x.from_size),
        toBytes: Number(x.to_size),
        fromDigest: x.from_digest,
        toDigest: x.to_digest,
      }),
    ),
  };
}
