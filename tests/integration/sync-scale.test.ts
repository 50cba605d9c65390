// The sync at scale, in small: a repository with more tags than one write batch, a sync that is
// interrupted half-way and resumed, and a big repository that must not hold up the small ones.
// The full-size corpus (100,000 tags, 20,000 repositories) is `npm run bench -- --scale`'s job.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PrismaClient } from "../../lib/db/generated/client";
import { createRegistryClient } from "../../lib/registry/client";
import type { SyncRegistry } from "../../lib/services/sync-engine/engine";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { freshClient } from "./helpers";

const BIG_TAGS = 240;
const SMALL_REPOS = 5;

let registry: RunningRegistry;
let serverUrl: string;
const dbs: PrismaClient[] = [];

const newDb = (name: string) => freshClient(serverUrl, name, dbs);

beforeAll(async () => {
  registry = await startRegistry();
  serverUrl = inject("databaseUrl");
  const pusher = new RegistryPusher(registry.url);
  const image = async (content: string) => ({
    layers: [await makeLayer([{ path: "f.txt", content }])],
    config: { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" },
  });
  // big/many: 240 tags over 3 images
  for (let i = 0; i < 3; i++) {
    const tags = Array.from({ length: BIG_TAGS / 3 }, (_, j) => `v${i}.${j}`);
    await pusher.pushImage("big/many", tags, await image(`image ${i}`));
  }
  for (let i = 0; i < SMALL_REPOS; i++) await pusher.pushImage(`small/r${i}`, ["a", "b"], await image(`small ${i}`));
}, 300_000);

afterAll(async () => {
  for (const db of dbs) await db.$disconnect();
  await registry?.destroy();
});

describe("sync in bounded batches", () => {
  it("syncs a repository whose tags span many write batches", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const db = await newDb("sync_batches");
    const outcome = await syncRegistry({ db, registry: createRegistryClient({ baseUrl: registry.url }), concurrency: 4, batchSize: 7 });
    expect(outcome.status).toBe("succeeded");
    const repo = await db.repository.findUniqueOrThrow({ where: { name: "big/many" } });
    expect(await db.tag.count({ where: { repositoryId: repo.id } })).toBe(BIG_TAGS);
    expect(repo.tagCount).toBe(BIG_TAGS);
    expect(outcome.counters.tags).toBe(BIG_TAGS + SMALL_REPOS * 2);
  });

  it("keeps what an interrupted sync wrote, and the next run fetches only the rest", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const db = await newDb("sync_resume");
    const real = createRegistryClient({ baseUrl: registry.url });
    // the connection drops for good after 100 manifest GETs of big/many
    let gets = 0;
    const failing: SyncRegistry = {
      ...real,
      catalog: () => real.catalog(),
      listTags: (r) => real.listTags(r),
      headManifest: (r, ref) => real.headManifest(r, ref),
      getBlobText: (r, d) => real.getBlobText(r, d),
      getManifest: async (r, ref) => {
        if (r === "big/many" && ++gets > 100) throw new Error("connection reset by peer");
        return real.getManifest(r, ref);
      },
    };
    const first = await syncRegistry({ db, registry: failing, concurrency: 2, batchSize: 20 });
    expect(first.status).toBe("partial");
    const repo = await db.repository.findUniqueOrThrow({ where: { name: "big/many" } });
    const kept = await db.tag.count({ where: { repositoryId: repo.id } });
    // whole batches of 20 landed before the failure; the failing batch wrote nothing
    expect(kept).toBeGreaterThanOrEqual(80);
    expect(kept).toBeLessThanOrEqual(100);
    expect(kept % 20).toBe(0);

    const second = await syncRegistry({ db, registry: real, concurrency: 2, batchSize: 20 });
    expect(second.status).toBe("succeeded");
    expect(await db.tag.count({ where: { repositoryId: repo.id } })).toBe(BIG_TAGS);
    // the tags kept are HEADed, only the missing ones are fetched again (small repositories: all HEADs)
    expect(second.counters.manifestsFetched).toBe(BIG_TAGS - kept);
    expect(second.counters.manifestHeads).toBe(kept + SMALL_REPOS * 2);
  });

  it("does not let one big repository hold up the small ones", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const db = await newDb("sync_fair");
    const real = createRegistryClient({ baseUrl: registry.url });
    // the order in which requests reach the registry, by repository
    const order: string[] = [];
    const logged: SyncRegistry = {
      catalog: () => real.catalog(),
      listTags: (r) => {
        order.push(r);
        return real.listTags(r);
      },
      headManifest: (r, ref) => {
        order.push(r);
        return real.headManifest(r, ref);
      },
      getBlobText: (r, d) => real.getBlobText(r, d),
      getManifest: (r, ref) => {
        order.push(r);
        return real.getManifest(r, ref);
      },
    };
    const outcome = await syncRegistry({ db, registry: logged, concurrency: 2, batchSize: 50 });
    expect(outcome.status).toBe("succeeded");
    const lastBig = order.lastIndexOf("big/many");
    for (let i = 0; i < SMALL_REPOS; i++) {
      // every small repository is done while big/many still has requests to make
      expect(order.lastIndexOf(`small/r${i}`), `small/r${i}`).toBeLessThan(lastBig);
    }
  });
});

describe("planner statistics and search indexes", () => {
  it("are brought up to date by a sync that wrote many tag rows, so pages and searches do not wait for autovacuum", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const db = await newDb("sync_analyze");
    const lastAnalyze = async () =>
      (await db.$queryRaw<{ at: Date | null }[]>`SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'tags'`)[0]?.at ?? null;
    // rows not yet merged into the name searches' trigram (GIN) indexes: every search reads them in full
    await db.$executeRawUnsafe("CREATE EXTENSION IF NOT EXISTS pgstattuple");
    const pendingPages = async () =>
      (
        await db.$queryRaw<{ pages: number }[]>`
          SELECT (SELECT pending_pages FROM pgstatginindex('tags_name_trgm_idx'))
               + (SELECT pending_pages FROM pgstatginindex('repositories_name_trgm_idx')) AS pages`
      )[0]?.pages;
    expect(await lastAnalyze()).toBeNull();
    const out = await syncRegistry({
      db,
      registry: createRegistryClient({ baseUrl: registry.url }),
      concurrency: 4,
      analyzeAfterRows: 100,
    });
    expect(out.status).toBe("succeeded");
    expect(await lastAnalyze()).not.toBeNull();
    expect(await pendingPages()).toBe(0);
    // (at 240 tags a sort is the right plan; the 100,000-tag case is the scale bench's: 45 ms → 0.1 ms)
  });
});

describe("sync over many pages of repositories", () => {
  /** Every cached (repository, tag) → digest, to compare whole caches. */
  const cache = async (db: PrismaClient) =>
    (await db.tag.findMany({ select: { name: true, digest: true, repository: { select: { name: true } } } }))
      .map((t) => `${t.repository.name}:${t.name}=${t.digest}`)
      .sort();

  it("reads every repository exactly once, cold and unchanged, from disk and over HTTP, however the pages fall", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const { storageTagDigests } = await import("../../lib/storage/catalog");
    const storage = { tagDigests: (r: string) => storageTagDigests(registry.rootDir, r) };
    const http = createRegistryClient({ baseUrl: registry.url });
    const total = BIG_TAGS + SMALL_REPOS * 2;
    // pages of 2 and 4 repositories: the big one lands in a page with small ones, workers outnumber pages
    for (const [pageSize, concurrency] of [
      [2, 4],
      [4, 3],
    ] as const) {
      const fromDisk = await newDb(`sync_pages_disk_${pageSize}`);
      const overHttp = await newDb(`sync_pages_http_${pageSize}`);
      for (const round of ["cold", "unchanged"]) {
        const disk = await syncRegistry({ db: fromDisk, registry: http, concurrency, pageSize, storage });
        const net = await syncRegistry({ db: overHttp, registry: http, concurrency, pageSize });
        for (const out of [disk, net]) {
          expect(out.status, `${round}, pages of ${pageSize}`).toBe("succeeded");
          expect(out.counters.tags, `${round}, pages of ${pageSize}`).toBe(total);
          expect(out.counters.repositoriesDone).toBe(SMALL_REPOS + 1);
        }
        expect(await fromDisk.tag.count()).toBe(total);
        expect(await cache(fromDisk)).toEqual(await cache(overHttp));
      }
    }
  });

  it("a resync after pushes, moves and deletes ends with the registry's tags in every page", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const { storageTagDigests } = await import("../../lib/storage/catalog");
    const storage = { tagDigests: (r: string) => storageTagDigests(registry.rootDir, r) };
    const http = createRegistryClient({ baseUrl: registry.url });
    const fromDisk = await newDb("sync_pages_changes_disk");
    const overHttp = await newDb("sync_pages_changes_http");
    await syncRegistry({ db: fromDisk, registry: http, concurrency: 3, pageSize: 2, storage });
    await syncRegistry({ db: overHttp, registry: http, concurrency: 3, pageSize: 2 });
    // a new repository (last page), a tag added to one small repository, one moved in another
    const pusher = new RegistryPusher(registry.url);
    const spec = async (content: string) => ({
      layers: [await makeLayer([{ path: "g.txt", content }])],
      config: { architecture: "amd64", os: "linux", created: "2024-06-01T00:00:00Z" },
    });
    await pusher.pushImage("small/r1", ["c"], await spec("added"));
    await pusher.pushImage("small/r3", ["a"], await spec("moved"));
    await pusher.pushImage("zz/late", ["x", "y"], await spec("late"));
    // small/r4 loses its only image: both its tags go, the repository stays in the catalog
    const gone = await fromDisk.tag.findFirstOrThrow({ where: { name: "a", repository: { name: "small/r4" } } });
    await pusher.deleteManifest("small/r4", gone.digest);
    {
      for (const [db, opts] of [
        [fromDisk, { storage }],
        [overHttp, {}],
      ] as const) {
        const out = await syncRegistry({ db, registry: http, concurrency: 3, pageSize: 2, ...opts });
        expect(out.status).toBe("succeeded");
        const names = (repo: string) =>
          db.tag.findMany({ where: { repository: { name: repo } }, select: { name: true }, orderBy: { name: "asc" } });
        expect((await names("small/r1")).map((t) => t.name)).toEqual(["a", "b", "c"]);
        expect((await names("zz/late")).map((t) => t.name)).toEqual(["x", "y"]);
        expect(await names("small/r4")).toEqual([]);
        expect(await db.tag.count()).toBe(BIG_TAGS + SMALL_REPOS * 2 + 1);
      }
      expect(await cache(fromDisk)).toEqual(await cache(overHttp));
      const moved = await fromDisk.tag.findFirstOrThrow({ where: { name: "a", repository: { name: "small/r3" } } });
      const before = await fromDisk.tag.findFirstOrThrow({ where: { name: "b", repository: { name: "small/r3" } } });
      expect(moved.digest).not.toBe(before.digest);
    }
  });
});
