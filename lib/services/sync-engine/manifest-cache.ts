import "server-only";
import type { Db } from "../../db/client";
import type { ParsedManifest } from "../../oci/manifest";
import { HELM_CHART_CONFIG, isImageConfigMediaType } from "../../oci/media-types";
import type { RegistryClient } from "../../registry/client";
import { type FetchedManifest, hasConfig, storeConfig, storeManifest } from "./store";

export type CacheRegistry = Pick<RegistryClient, "getManifest" | "getBlobText">;

export type CacheCounters = { manifestsFetched: number; configsFetched: number };

const MAX_INDEX_DEPTH = 2;
const MAX_HELM_CONFIG_BYTES = 1024 * 1024;
const MAX_REMEMBERED = 50_000;

/**
 * Read-through cache of digest-keyed rows, shared by sync runs and page reads.
 * A digest already in Postgres is never fetched again; concurrent requests for one digest
 * share one fetch.
 */
export function createManifestCache(deps: {
  db: Db;
  registry: CacheRegistry;
  counters: CacheCounters;
  limit: <T>(task: () => Promise<T>) => Promise<T>;
}) {
  const { db, registry, counters, limit } = deps;
  const inFlight = new Map<string, Promise<bigint>>();
  // sizes of digests known to be stored: one database round trip per digest and run, not per tag
  // (100,000 tags on one image); bounded, forgotten wholesale when full
  const stored = new Map<string, bigint>();
  const remember = (digest: string, size: bigint) => {
    if (stored.size >= MAX_REMEMBERED) stored.clear();
    stored.set(digest, size);
    return size;
  };

  /** Make sure `digest` (and what it references) is cached; returns its size in bytes. */
  async function ensureManifest(repo: string, digest: string, prefetched: FetchedManifest | null = null, depth = 0) {
    const memo = stored.get(digest);
    if (memo !== undefined) return memo;
    const existing = await db.manifest.findUnique({ where: { digest }, select: { sizeBytes: true } });
    if (existing) return remember(digest, existing.sizeBytes);
    let pending = inFlight.get(digest);
    if (!pending) {
      pending = (async () => {
        let fetched = prefetched;
        if (!fetched) {
          counters.manifestsFetched++;
          fetched = await limit(() => registry.getManifest(repo, digest));
        }
        return storeFetched(repo, fetched, depth);
      })();
      inFlight.set(digest, pending);
      pending.catch(() => undefined).finally(() => inFlight.delete(digest));
    }
    return pending;
  }

  async function ensureConfig(repo: string, m: ParsedManifest): Promise<void> {
    if (m.kind !== "image" && m.kind !== "artifact") return;
    const { digest, mediaType, size } = m.config;
    // Configs we read: image configs and Helm chart metadata (small JSON). Others stay unfetched.
    const wanted = isImageConfigMediaType(mediaType) || (mediaType === HELM_CHART_CONFIG && size < MAX_HELM_CONFIG_BYTES);
    if (!wanted || (await hasConfig(db, digest))) return;
    counters.configsFetched++;
    const body = await limit(() => registry.getBlobText(repo, digest));
    await storeConfig(db, digest, mediaType, body);
  }

  async function storeFetched(repo: string, fetched: FetchedManifest, depth: number): Promise<bigint> {
    const m = fetched.manifest;
    const childSizes = new Map<string, bigint>();
    if (m.kind === "index") {
      if (depth >= MAX_INDEX_DEPTH) throw new Error(`index ${fetched.digest} nests indexes too deeply`);
      await Promise.all(
        m.manifests.map(async (c) => {
          childSizes.set(c.digest, await ensureManifest(repo, c.digest, null, depth + 1));
        }),
      );
    } else {
      await ensureConfig(repo, m);
    }
    await storeManifest(db, fetched, childSizes);
    const row = await db.manifest.findUniqueOrThrow({ where: { digest: fetched.digest }, select: { sizeBytes: true } });
    return remember(fetched.digest, row.sizeBytes);
  }

  return { ensureManifest };
}
