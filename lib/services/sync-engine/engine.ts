import "server-only";
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

export type SyncOptions = {
  db: Db;
  registry: SyncRegistry;
  concurrency: number;
  /** called whenever counters change enough to be worth persisting (progress bar) */
  onProgress?: (counters: SyncCounters) => void | Promise<void>;
};

function errorOf(repository: string | null, e: unknown): SyncError {
  if (e instanceof RegistryError) return { repository, code: e.kind, message: e.message };
  return { repository, code: "internal", message: e instanceof Error ? e.message : String(e) };
}

/**
 * One pass over the registry: catalog → tags → manifests → configs → index children.
 * Issues the fewest requests registry:2 allows: a known tag costs one HEAD; a new tag one GET
 * (the digest comes with it); a digest already cached is never fetched again.
 */
export async function syncRegistry(opts: SyncOptions): Promise<SyncOutcome> {
  const { db, registry } = opts;
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
  const request = createLimiter(opts.concurrency);
  const repoLimit = createLimiter(opts.concurrency);
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

  // Repositories that left the catalog are removed (their tags cascade); new ones are added.
  await db.repository.deleteMany({ where: { name: { notIn: names } } });
  if (names.length) await db.repository.createMany({ data: names.map((name) => ({ name })), skipDuplicates: true });
  const repos = await db.repository.findMany({ select: { id: true, name: true } });

  async function syncRepository(repo: { id: number; name: string }): Promise<void> {
    counters.tagListRequests++;
    const tagNames = await request(() => registry.listTags(repo.name));
    const known = new Map(
      (await db.tag.findMany({ where: { repositoryId: repo.id }, select: { name: true, digest: true } })).map((t) => [t.name, t.digest]),
    );
    const current = new Map<string, string>();

    await Promise.all(
      tagNames.map(async (tag) => {
        const previous = known.get(tag);
        if (previous !== undefined) {
          counters.manifestHeads++;
          const head = await request(() => registry.headManifest(repo.name, tag));
          if (!head) return; // deleted between tags/list and HEAD
          if (head.digest !== previous) await ensureManifest(repo.name, head.digest, null, 0);
          current.set(tag, head.digest);
        } else {
          counters.manifestsFetched++;
          const fetched = await request(() => registry.getManifest(repo.name, tag));
          await ensureManifest(repo.name, fetched.digest, fetched, 0);
          current.set(tag, fetched.digest);
        }
      }),
    );

    // A fixed number of statements however many tags moved (a repository can have thousands).
    const gone = [...known.keys()].filter((t) => !current.has(t));
    const created = [...current].filter(([name]) => !known.has(name));
    const moved = new Map<string, string[]>();
    for (const [name, digest] of current) {
      const previous = known.get(name);
      if (previous !== undefined && previous !== digest) moved.set(digest, [...(moved.get(digest) ?? []), name]);
    }
    await db.$transaction([
      db.tag.deleteMany({ where: { repositoryId: repo.id, name: { in: gone } } }),
      db.tag.createMany({ data: created.map(([name, digest]) => ({ repositoryId: repo.id, name, digest })), skipDuplicates: true }),
      ...[...moved].map(([digest, names]) =>
        db.tag.updateMany({ where: { repositoryId: repo.id, name: { in: names } }, data: { digest, changedAt: new Date() } }),
      ),
    ]);
    await refreshRepositoryAggregates(db, repo.id);
    counters.tags += current.size;
  }

  // Once the registry stops answering, the remaining repositories are skipped (their cached
  // data stays as it was) instead of each waiting through its own retries.
  let unreachable: SyncError | null = null;
  await Promise.all(
    repos.map((repo) =>
      repoLimit(async () => {
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
      }),
    ),
  );

  const status = errors.length === 0 ? "succeeded" : unreachable || counters.repositoriesDone <= errors.length ? "failed" : "partial";
  return { status, counters, errors };
}
