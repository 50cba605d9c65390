import "server-only";
import { errorMessage } from "@/lib/errors";
import type { Db } from "../../db/client";
import type { RegistryClient } from "../../registry/client";
import { RegistryError } from "../../registry/errors";
import { createLimiter } from "../limit";
import { createManifestCache } from "./manifest-cache";
import { refreshRepositoryAggregates } from "./store";

export type SyncRegistry = Pick<RegistryClient, "catalog" | "listTags" | "headManifest" | "getManifest" | "getBlobText">;

export type SyncCounters = {
  repositoriesTotal: number;
  repositoriesDone: number;
  tags: number;
  manifestsFetched: number;
  configsFetched: number;
  manifestHeads: number;
  catalogRequests: number;
  tagListRequests: number;
};

export type SyncError = { repository: string | null; code: string; message: string };

export type SyncOutcome = { status: "succeeded" | "partial" | "failed"; counters: SyncCounters; errors: SyncError[] };

/** Tags resolved and written per batch: each batch is one short transaction, whatever the repository's size. */
export const DEFAULT_TAG_BATCH = 1000;

export type SyncOptions = {
  db: Db;
  registry: SyncRegistry;
  concurrency: number;
  /** shares the registry between requests (an adaptive limiter in production); default: `concurrency` at once */
  requestLimiter?: <T>(task: () => Promise<T>) => Promise<T>;
  /** tags resolved and written per transaction (tests set it low) */
  batchSize?: number;
  /** repositories read from the cache per keyset page (tests set it low to cross many pages) */
  pageSize?: number;
  /** tag rows written from which planner statistics are refreshed at the end (default 1,000) */
  analyzeAfterRows?: number;
  /**
   * The registry's storage root, when mounted: tags and their digests are read from disk, so only
   * manifests and configs with new digests cost a request (null for a repository not found there:
   * that one is read over HTTP)
   */
  storage?: { tagDigests: (repository: string) => Promise<Map<string, string> | null> };
  /** called whenever counters change enough to be worth persisting (progress bar) */
  onProgress?: (counters: SyncCounters) => void | Promise<void>;
};

function errorOf(repository: string | null, e: unknown): SyncError {
  if (e instanceof RegistryError) return { repository, code: e.kind, message: e.message };
  return { repository, code: "internal", message: errorMessage(e) };
}

const PAGE = 5000;

/** Tag rows written by one sync from which the tables' planner statistics are refreshed at its end. */
const ANALYZE_AFTER_ROWS = 1000;

type RepositoryRow = { id: number; name: string; tagCount: number; lastSyncedAt: Date | null; lastError: string | null };

/** Repositories with at most this many cached tags have them read with their page, in one query. */
const SMALL_REPOSITORY = 20;

/** Every (name → digest) of one repository's cached tags, read in keyset pages (no giant result set). */
async function cachedTagDigests(db: Db, repositoryId: number): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  let after: string | null = null;
  for (;;) {
    const rows: { name: string; digest: string }[] = await db.tag.findMany({
      where: { repositoryId, ...(after === null ? {} : { name: { gt: after } }) },
      select: { name: true, digest: true },
      orderBy: { name: "asc" },
      take: PAGE,
    });
    for (const r of rows) known.set(r.name, r.digest);
    if (rows.length < PAGE) return known;
    after = rows[rows.length - 1]?.name ?? null;
  }
}

/** Bring the repository table in line with the catalog, in bounded statements (20,000+ names). */
async function reconcileRepositories(db: Db, names: string[]): Promise<void> {
  const inCatalog = new Set(names);
  const gone: number[] = [];
  let afterId = 0;
  for (;;) {
    const rows = await db.repository.findMany({
      where: { id: { gt: afterId } },
      select: { id: true, name: true },
      orderBy: { id: "asc" },
      take: PAGE,
    });
    for (const r of rows) if (!inCatalog.has(r.name)) gone.push(r.id);
    if (rows.length < PAGE) break;
    afterId = rows[rows.length - 1]?.id ?? afterId;
  }
  // repositories that left the catalog are removed (their tags cascade)
  for (let i = 0; i < gone.length; i += PAGE) await db.repository.deleteMany({ where: { id: { in: gone.slice(i, i + PAGE) } } });
  for (let i = 0; i < names.length; i += PAGE) {
    await db.repository.createMany({ data: names.slice(i, i + PAGE).map((name) => ({ name })), skipDuplicates: true });
  }
}

/**
 * One pass over the registry: catalog → tags → manifests → configs → index children.
 * Issues the fewest requests registry:2 allows: a known tag costs one HEAD; a new tag one GET
 * (the digest comes with it); a digest already cached is never fetched again.
 *
 * Scale: each repository keeps at most `concurrency` requests in flight, so a repository of
 * 100,000 tags shares the registry with the others instead of queueing ahead of them; its tags
 * are resolved and written in batches, each its own short transaction, so an interrupted run
 * keeps what it wrote (the next run HEADs those tags instead of fetching them again).
 */
export async function syncRegistry(opts: SyncOptions): Promise<SyncOutcome> {
  const { db, registry } = opts;
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_TAG_BATCH);
  const pageSize = Math.max(1, opts.pageSize ?? PAGE);
  const counters: SyncCounters = {
    repositoriesTotal: 0,
    repositoriesDone: 0,
    tags: 0,
    manifestsFetched: 0,
    configsFetched: 0,
    manifestHeads: 0,
    catalogRequests: 0,
    tagListRequests: 0,
  };
  const errors: SyncError[] = [];
  let rowsWritten = 0;
  const request = opts.requestLimiter ?? createLimiter(opts.concurrency);
  const { ensureManifest } = createManifestCache({ db, registry, counters, limit: request });

  let names: string[];
  try {
    counters.catalogRequests++;
    names = await request(() => registry.catalog());
  } catch (e) {
    errors.push(errorOf(null, e));
    return { status: "failed", counters, errors };
  }
  counters.repositoriesTotal = names.length;
  await opts.onProgress?.(counters);
  await reconcileRepositories(db, names);

  async function syncRepository(repo: RepositoryRow): Promise<void> {
    const fromDisk = opts.storage ? await opts.storage.tagDigests(repo.name) : null;
    let tagNames: string[];
    if (fromDisk) tagNames = [...fromDisk.keys()];
    else {
      counters.tagListRequests++;
      tagNames = [...new Set(await request(() => registry.listTags(repo.name)))];
    }
    const known = takePrefetched(repo) ?? (await cachedTagDigests(db, repo.id));
    // this repository's share of the registry: never more than `concurrency` of its requests queued
    const own = createLimiter(opts.concurrency);
    const seen = new Set<string>();
    let changed = false;

    /** The tag's digest now: from disk (a GET only for a new digest), else HEAD for a known tag, GET for a new one. */
    const resolve = async (tag: string): Promise<[string, string] | null> => {
      const previous = known.get(tag);
      const onDisk = fromDisk?.get(tag);
      if (onDisk !== undefined) {
        if (onDisk !== previous) await ensureManifest(repo.name, onDisk, null, 0);
        return [tag, onDisk];
      }
      if (previous !== undefined) {
        counters.manifestHeads++;
        const head = await request(() => registry.headManifest(repo.name, tag));
        if (!head) return null; // deleted between tags/list and HEAD
        if (head.digest !== previous) await ensureManifest(repo.name, head.digest, null, 0);
        return [tag, head.digest];
      }
      counters.manifestsFetched++;
      const fetched = await request(() => registry.getManifest(repo.name, tag));
      await ensureManifest(repo.name, fetched.digest, fetched, 0);
      return [tag, fetched.digest];
    };

    for (let start = 0; start < tagNames.length; start += batchSize) {
      const batch = tagNames.slice(start, start + batchSize);
      const resolved = await Promise.all(
        batch.map((tag) => (fromDisk && fromDisk.get(tag) === known.get(tag) ? resolve(tag) : own(() => resolve(tag)))),
      );
      const created: { repositoryId: number; name: string; digest: string }[] = [];
      const moved = new Map<string, string[]>();
      for (const entry of resolved) {
        if (!entry) continue;
        const [name, digest] = entry;
        seen.add(name);
        const previous = known.get(name);
        if (previous === undefined) created.push({ repositoryId: repo.id, name, digest });
        else if (previous !== digest) moved.set(digest, [...(moved.get(digest) ?? []), name]);
      }
      if (created.length > 0 || moved.size > 0) {
        changed = true;
        rowsWritten += created.length + [...moved.values()].reduce((n, tags) => n + tags.length, 0);
        // a fixed number of statements per batch, however many tags moved
        await db.$transaction([
          db.tag.createMany({ data: created, skipDuplicates: true }),
          ...[...moved].map(([digest, tags]) =>
            db.tag.updateMany({ where: { repositoryId: repo.id, name: { in: tags } }, data: { digest, changedAt: new Date() } }),
          ),
        ]);
      }
      counters.tags += resolved.filter((e) => e !== null).length;
      await opts.onProgress?.(counters);
    }

    const gone = [...known.keys()].filter((t) => !seen.has(t));
    for (let i = 0; i < gone.length; i += batchSize) {
      await db.tag.deleteMany({ where: { repositoryId: repo.id, name: { in: gone.slice(i, i + batchSize) } } });
    }
    if (gone.length > 0) changed = true;
    rowsWritten += gone.length;
    // An unchanged repository's row is left as it is: a no-change resync of 20,000 repositories would otherwise
    // recompute every one's totals, and stamping only its sync time still rewrote every row, so autovacuum went
    // through the table after each periodic sync. One whose last sync failed or never finished is recomputed,
    // which clears its error and stamps it.
    if (changed || repo.lastError !== null || repo.lastSyncedAt === null) await refreshRepositoryAggregates(db, repo.id);
  }

  // Once the registry stops answering, the remaining repositories are skipped (their cached
  // data stays as it was) instead of each waiting through its own retries.
  let unreachable: SyncError | null = null;
  const runRepository = async (repo: RepositoryRow) => {
    if (unreachable) {
      counters.repositoriesDone++;
      return;
    }
    try {
      await syncRepository(repo);
    } catch (e) {
      const err = errorOf(repo.name, e);
      if (e instanceof RegistryError && (e.kind === "unreachable" || e.kind === "timeout")) {
        if (!unreachable) {
          unreachable = { repository: null, code: e.kind, message: `registry stopped answering: ${e.message}` };
          errors.push(unreachable);
        }
        return;
      }
      errors.push(err);
      await db.repository.update({ where: { id: repo.id }, data: { lastError: err.message } }).catch(() => undefined);
    } finally {
      counters.repositoriesDone++;
      await opts.onProgress?.(counters);
    }
  };

  // A registry of many small repositories: their cached tags are read with their page, in one
  // query, instead of one query per repository (the no-change resync of 20,000 repositories).
  const prefetched = new Map<number, Map<string, string>>();
  /** The page's read of a small repository's tags, if it still holds what the repository row counted. */
  function takePrefetched(repo: RepositoryRow): Map<string, string> | null {
    const tags = prefetched.get(repo.id);
    prefetched.delete(repo.id);
    return tags && tags.size === repo.tagCount ? tags : null;
  }

  // `concurrency` workers take repositories from keyset pages as they free up, so a slow
  // repository holds one worker, never the repositories behind it. A page is read whole (its
  // rows and its small repositories' tags) before any worker sees it: the workers shift the
  // published array, so nothing may look at it after an await.
  let afterId = 0;
  let page: RepositoryRow[] = [];
  let exhausted = false;
  let loading: Promise<void> | null = null;
  const loadPage = async () => {
    const rows = await db.repository.findMany({
      where: { id: { gt: afterId } },
      select: { id: true, name: true, tagCount: true, lastSyncedAt: true, lastError: true },
      orderBy: { id: "asc" },
      take: pageSize,
    });
    const last = rows[rows.length - 1]?.id ?? afterId;
    const done = rows.length < pageSize;
    const small = rows.filter((r) => r.tagCount <= SMALL_REPOSITORY).map((r) => r.id);
    const tags = new Map<number, Map<string, string>>(small.map((id) => [id, new Map()]));
    if (small.length > 0) {
      const found = await db.tag.findMany({
        where: { repositoryId: { in: small } },
        select: { repositoryId: true, name: true, digest: true },
      });
      for (const t of found) tags.get(t.repositoryId)?.set(t.name, t.digest);
    }
    for (const [id, known] of tags) prefetched.set(id, known);
    afterId = last;
    exhausted = done;
    page = rows;
  };
  const nextRepository = async (): Promise<RepositoryRow | null> => {
    for (;;) {
      const repo = page.shift();
      if (repo) return repo;
      if (exhausted) return null;
      loading ??= loadPage().finally(() => {
        loading = null;
      });
      await loading;
    }
  };
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      for (let repo = await nextRepository(); repo; repo = await nextRepository()) await runRepository(repo);
    }),
  );
  // A sync that rewrote much of the cache (the first one above all) leaves the planner's statistics
  // describing an empty table until autovacuum gets to it; meanwhile a tags page of a 100,000-tag
  // repository sorts every row (45 ms) instead of walking its index (0.1 ms). Refresh them now.
  // The name searches' trigram (GIN) indexes likewise keep new rows in a pending list, which every search
  // reads in full until autovacuum merges it: a search of 20,000 repositories took 12–30 ms instead of 4
  // in the minutes after a first sync. Merge them now too.
  if (rowsWritten >= (opts.analyzeAfterRows ?? ANALYZE_AFTER_ROWS)) {
    await db.$executeRawUnsafe("ANALYZE tags, repositories, namespaces");
    await db.$queryRawUnsafe(
      "SELECT gin_clean_pending_list(index) FROM unnest(ARRAY['tags_name_trgm_idx', 'repositories_name_trgm_idx']::regclass[]) AS index",
    );
  }

  const status = errors.length === 0 ? "succeeded" : unreachable || counters.repositoriesDone <= errors.length ? "failed" : "partial";
  return { status, counters, errors };
}
