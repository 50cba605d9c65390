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
