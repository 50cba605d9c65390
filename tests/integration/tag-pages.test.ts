// Tag lists in SQL: the stored sort keys order exactly as lib/oci/tag-sort's comparators (checked
// on generated tag names in the real Postgres), and keyset pages return every tag exactly once in
// every order, also while tags are being pushed and synced between pages.
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import type { TagItem, TagListQuery } from "@/lib/contract/repositories";
import { compareNatural, compareTagsSemver, compareTagsVersionOrder } from "@/lib/oci/tag-sort";
import { MediaType, makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let client: pg.Client;
let databaseUrl: string;

// a tag per the distribution grammar, biased towards what registries hold: versions, prereleases, builds
const tagChar = fc.constantFrom(..."abcXYZ0123456789_.-".split(""));
const tagName = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("", "v", "V"),
      fc.array(fc.nat({ max: 120 }).map(String), { minLength: 1, maxLength: 4 }),
      fc.option(
        fc.array(fc.oneof(fc.nat({ max: 30 }).map(String), fc.constantFrom("rc", "rc1", "beta", "alpha2", "01", "")), {
          minLength: 1,
          maxLength: 3,
        }),
      ),
    )
    .map(([v, nums, pre]) => `${v}${nums.join(".")}${pre ? `-${pre.join(".")}` : ""}`),
  fc
    .tuple(fc.constantFrom("a", "B", "latest", "sha-", "build-", "0"), fc.array(tagChar, { maxLength: 12 }))
    .map(([a, b]) => a + b.join("")),
  fc.nat({ max: 100000 }).map((n) => `0${n}`),
);
const validTag = (t: string) => /^[\w][\w.-]{0,127}$/.test(t);

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  databaseUrl = await freshDatabase(inject("databaseUrl"), "tag_pages");
  client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  configureEnv({ REGISTRY_URL: registry.url, DATABASE_URL: databaseUrl, LOG_LEVEL: "error", LAYERSCOPE_WORKERS: "false" });
}, 300_000);

afterAll(async () => {
  await client?.end();
  await closeServices({ registries: [registry] });
});

async function sqlOrder(tags: string[], key: "version" | "natural"): Promise<string[]> {
  const expr = key === "version" ? "layerscope_version_key(t)" : "convert_to(layerscope_natural_text(t), 'UTF8')";
  const { rows } = await client.query<{ t: string }>(`SELECT t FROM unnest($1::text[]) AS t ORDER BY ${expr}`, [tags]);
  return rows.map((r) => r.t);
}

describe("stored tag sort keys", () => {
  it("order like compareTagsSemver and compareNatural on generated tags", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(tagName.filter(validTag), { minLength: 2, maxLength: 40 }), async (tags) => {
        expect(await sqlOrder(tags, "version")).toEqual([...tags].sort(compareTagsSemver));
        expect(await sqlOrder(tags, "natural")).toEqual([...tags].sort(compareNatural));
      }),
      { numRuns: 150 },
    );
  });

  it("order the cases people notice", async () => {
    const tags = [
      "latest",
      "1.10.0",
      "1.9.0",
      "1.2",
      "1.2.0",
      "v1.2.1",
      "1.2.1-rc.1",
      "1.2.1-rc.10",
      "1.2.1-rc.2",
      "1.2.1-beta",
      "2",
      "build-10",
      "build-9",
    ];
    expect(await sqlOrder(tags, "version")).toEqual([...tags].sort(compareTagsSemver));
    expect(await sqlOrder(tags, "version")).toEqual([
      "1.2",
      "1.2.0",
      "1.2.1-beta",
      "1.2.1-rc.1",
      "1.2.1-rc.2",
      "1.2.1-rc.10",
      "v1.2.1",
      "1.9.0",
      "1.10.0",
      "2",
      "build-9",
      "build-10",
      "latest",
    ]);
  });
});

describe("the Version order", () => {
  const created = fc.option(
    fc.oneof(
      fc.date({ min: new Date("2015-01-01T00:00:00Z"), max: new Date("2030-01-01T00:00:00Z"), noInvalidDate: true }),
      // zero dates of reproducible builds, and a date equal to another tag's
      fc.constantFrom(new Date("0001-01-01T00:00:00Z"), new Date(0), new Date("2024-05-14T00:00:00Z")),
    ),
  );
  async function versionOrder(tags: { name: string; createdAt: Date | null }[]): Promise<string[]> {
    const { rows } = await client.query<{ t: string }>(
      `SELECT t FROM unnest($1::text[], $2::timestamp[]) AS x(t, c) ORDER BY layerscope_version_order(t, c)`,
      [tags.map((t) => t.name), tags.map((t) => t.createdAt?.toISOString().replace("Z", "") ?? null)],
    );
    return rows.map((r) => r.t);
  }

  it("orders like compareTagsVersionOrder on generated tags and creation dates", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ name: tagName.filter(validTag), createdAt: created }), {
          minLength: 2,
          maxLength: 40,
          selector: (t) => t.name,
        }),
        async (tags) => {
          expect(await versionOrder(tags)).toEqual([...tags].sort(compareTagsVersionOrder).map((t) => t.name));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("shows the newest version first, then other tags newest first, undated last (descending)", async () => {
    const at = (d: string) => new Date(d);
    const tags = [
      { name: "sha-4f2a9c1", createdAt: at("2024-05-20T10:00:00Z") },
      { name: "latest", createdAt: at("2024-05-20T10:00:00Z") },
      { name: "build-1290", createdAt: at("2024-05-19T09:00:00Z") },
      { name: "2024.05.14", createdAt: at("2024-05-14T00:00:00Z") },
      { name: "2024.04.30", createdAt: at("2024-05-21T00:00:00Z") },
      { name: "1.2.0-rc.1", createdAt: at("2023-01-01T00:00:00Z") },
      { name: "nightly", createdAt: null },
      { name: "zeroed", createdAt: at("1970-01-01T00:00:00Z") },
    ];
    expect((await versionOrder(tags)).reverse()).toEqual([
      "2024.05.14",
      "2024.04.30",
      "1.2.0-rc.1",
      "sha-4f2a9c1",
      "latest",
      "build-1290",
      "zeroed",
      "nightly",
    ]);
  });
});

describe("keyset pages", () => {
  const REPO = "pages/app";
  let names: string[] = [];

  beforeAll(async () => {
    // three images of different sizes under 90 tags: two dated, one whose config has no created time
    const sample = fc.sample(fc.uniqueArray(tagName.filter(validTag), { minLength: 90, maxLength: 90 }), { numRuns: 1, seed: 42 })[0] ?? [];
    names = sample;
    const part = (i: number) => names.filter((_, j) => j % 3 === i);
    const dated = async (content: string, created: string) => ({
      layers: [await makeLayer([{ path: "f", content }])],
      config: { architecture: "amd64", os: "linux", created },
    });
    await pusher.pushImage(REPO, part(0), await dated("a".repeat(100), "2024-01-01T00:00:00Z"));
    await pusher.pushImage(REPO, part(1), await dated("b".repeat(5000), "2024-06-01T00:00:00Z"));
    const layer = await makeLayer([{ path: "f", content: "c".repeat(900) }]);
    const undated = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.diffId] } };
    await pusher.pushParts(REPO, part(2), {
      format: "oci",
      config: { blob: Buffer.from(JSON.stringify(undated)), mediaType: MediaType.ociConfig },
      layers: [{ blob: layer.blob, mediaType: layer.mediaType }],
    });
    await syncCache();
  }, 300_000);

  async function allPages(q: Omit<TagListQuery, "cursor" | "limit">, limit: number, between?: (page: number) => Promise<void>) {
    const { listTags } = await import("@/lib/services/repositories");
    const seen: TagItem[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await listTags(SYSTEM, REPO, { ...q, limit, cursor });
      seen.push(...res.items);
      await between?.(page);
      if (!res.nextCursor) return seen;
      cursor = res.nextCursor;
    }
    throw new Error("too many pages");
  }

  const byCreated = (a: TagItem, b: TagItem) => (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || compareNatural(a.name, b.name);
  const expected = (items: TagItem[], sort: TagListQuery["sort"], order: "asc" | "desc") => {
    const cmp = {
      name: (a: TagItem, b: TagItem) => compareNatural(a.name, b.name),
      semver: compareTagsVersionOrder,
      created: byCreated,
      size: (a: TagItem, b: TagItem) => a.sizeBytes - b.sizeBytes || compareNatural(a.name, b.name),
    }[sort];
    return [...items]
      .sort((a, b) => {
        if (sort === "created" && (a.createdAt === null) !== (b.createdAt === null)) return a.createdAt === null ? 1 : -1;
        return order === "asc" ? cmp(a, b) : cmp(b, a);
      })
      .map((t) => t.name);
  };

  it("return every tag exactly once, in the order of the comparators, in every sort and direction", async () => {
    const everything = await allPages({ sort: "name", order: "asc" }, 1000);
    expect(everything.map((t) => t.name).sort()).toEqual([...names].sort());
    for (const sort of ["semver", "name", "created", "size"] as const) {
      for (const order of ["asc", "desc"] as const) {
        const paged = (await allPages({ sort, order }, 7)).map((t) => t.name);
        expect(paged, `${sort} ${order}`).toEqual(expected(everything, sort, order));
      }
    }
  });

  it("filters by name with the same pages and totals", async () => {
    const { listTags } = await import("@/lib/services/repositories");
    const needle = "1";
    const want = names.filter((n) => n.toLowerCase().includes(needle));
    const first = await listTags(SYSTEM, REPO, { sort: "semver", q: needle, limit: 5 });
    expect(first.total).toBe(want.length);
    const all = await allPages({ sort: "semver", q: needle }, 5);
    expect(all.map((t) => t.name).sort()).toEqual([...want].sort());
    // LIKE's wildcards are plain characters in the filter
    expect((await listTags(SYSTEM, REPO, { sort: "name", q: "%", limit: 5 })).total).toBe(names.filter((n) => n.includes("%")).length);
  });

  it("keeps every existing tag exactly once while tags are pushed and synced between pages", async () => {
    const image = {
      layers: [await makeLayer([{ path: "f", content: "new" }])],
      config: { architecture: "amd64", os: "linux", created: "2025-01-01T00:00:00Z" },
    };
    let n = 0;
    const seen = await allPages({ sort: "semver" }, 9, async () => {
      await pusher.pushImage(REPO, [`0.0.${n}`, `zz-new-${n}`], image);
      n++;
      await syncCache();
    });
    const counts = new Map<string, number>();
    for (const t of seen) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    for (const name of names) expect(counts.get(name), name).toBe(1);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });
});

describe("repository pages", () => {
  beforeAll(async () => {
    // 30 repositories: different tag counts, sizes and dates; two without tags (never updated)
    for (let i = 0; i < 30; i++) {
      const name = `rp/${["alpha", "beta", "gamma"][i % 3]}-${i}`;
      const pushed = await pusher.pushImage(
        name,
        Array.from({ length: 1 + (i % 4) }, (_, t) => `t${t}`),
        {
          layers: [await makeLayer([{ path: "f", content: "r".repeat(100 * ((i * 7) % 11)) }])],
          config: { architecture: "amd64", os: "linux", created: `2024-0${1 + (i % 9)}-01T00:00:00Z` },
        },
      );
      if (i % 15 === 0) await pusher.deleteManifest(name, pushed.digest);
    }
    await syncCache();
  }, 300_000);

  it("return every repository exactly once in every sort and direction, filtered by name and namespace", async () => {
    const { listRepositories } = await import("@/lib/services/repositories");
    const all = async (q: { sort: "name" | "updated" | "size" | "tags"; order?: "asc" | "desc"; q?: string; namespace?: string }) => {
      const out: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await listRepositories(SYSTEM, { ...q, limit: 4, cursor });
        out.push(...page.items.map((r) => r.name));
        if (!page.nextCursor) return { names: out, total: page.total };
        cursor = page.nextCursor;
      }
      throw new Error("too many pages");
    };
    const everything = (await listRepositories(SYSTEM, { sort: "name", limit: 5000, namespace: "rp" })).items;
    expect(everything).toHaveLength(30);
    const key = { updated: "updatedAt", size: "sizeBytes", tags: "tagCount" } as const;
    for (const sort of ["name", "updated", "size", "tags"] as const) {
      for (const order of ["asc", "desc"] as const) {
        const want = [...everything]
          .sort((a, b) => {
            if (sort === "name") return order === "asc" ? (a.name < b.name ? -1 : 1) : a.name < b.name ? 1 : -1;
            const x = a[key[sort]];
            const y = b[key[sort]];
            if (x === null || y === null)
              return x === y ? (order === "asc" ? (a.name < b.name ? -1 : 1) : a.name < b.name ? 1 : -1) : x === null ? 1 : -1;
            const c = x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : 1;
            return order === "asc" ? c : -c;
          })
          .map((r) => r.name);
        const got = await all({ sort, order, namespace: "rp" });
        expect(got.names, `${sort} ${order}`).toEqual(want);
        expect(got.total).toBe(30);
      }
    }
    const filtered = await all({ sort: "size", q: "BETA" });
    expect(filtered.names.sort()).toEqual(
      everything
        .map((r) => r.name)
        .filter((n) => n.includes("beta"))
        .sort(),
    );
    expect(filtered.total).toBe(10);
  });
});

// What an open tags page polls (tagsVersionOptions): it moves with every write to a repository's tags, whichever
// path made it, and only then, so the page reloads its pages only when they changed.
describe("the tags version", () => {
  const VERSIONED = "pages/versioned";
  const version = async (repository = VERSIONED) => {
    const { listTags } = await import("@/lib/services/repositories");
    return BigInt((await listTags(SYSTEM, repository, { sort: "name", limit: 1 })).repository.tagsVersion);
  };
  const image = (content: string) =>
    makeLayer([{ path: "v.txt", content }]).then((layer) => ({
      layers: [layer],
      config: { architecture: "amd64", os: "linux", created: "2024-02-01T00:00:00Z" },
    }));

  it("moves when a sync adds or repoints tags, not when a sync finds nothing new", async () => {
    const one = await image("one");
    await pusher.pushImage(VERSIONED, ["a", "b"], one);
    await syncCache();
    const synced = await version();

    await syncCache();
    expect(await version()).toBe(synced);

    await pusher.pushImage(VERSIONED, ["c"], one);
    await syncCache();
    const added = await version();
    expect(added).toBeGreaterThan(synced);

    await pusher.pushImage(VERSIONED, ["a"], await image("two"));
    await syncCache();
    expect(await version()).toBeGreaterThan(added);
  });

  it("moves once per statement that writes tags, for each repository it touched, and no other", async () => {
    const other = await version("pages/app");
    const before = await version();
    const ids = `(SELECT id FROM repositories WHERE name = '${VERSIONED}')`;
    await client.query(`UPDATE tags SET changed_at = now() WHERE repository_id = ${ids}`);
    expect(await version()).toBe(before + 1n);
    await client.query(`DELETE FROM tags WHERE repository_id = ${ids} AND name IN ('b', 'c')`);
    expect(await version()).toBe(before + 2n);
    // a statement that matches no row changes nothing
    await client.query(`DELETE FROM tags WHERE repository_id = ${ids} AND name = 'never-there'`);
    expect(await version()).toBe(before + 2n);
    expect(await version("pages/app")).toBe(other);
  });

  // Inserting a tag checks its repository (the foreign key takes FOR KEY SHARE on the row) before the trigger bumps
  // the version. Two writers on one repository must then queue, not deadlock: each holds KEY SHARE when it bumps.
  it("lets two writers of one repository's tags queue instead of deadlocking", async () => {
    const { rows } = await client.query<{ id: number }>("SELECT id FROM repositories WHERE name = $1", [VERSIONED]);
    const id = rows[0]?.id as number;
    const before = await version();
    const second = new pg.Client({ connectionString: databaseUrl });
    await second.connect();
    try {
      await client.query("BEGIN");
      await second.query("BEGIN");
      await client.query("SELECT 1 FROM repositories WHERE id = $1 FOR KEY SHARE", [id]);
      await second.query("SELECT 1 FROM repositories WHERE id = $1 FOR KEY SHARE", [id]);
      const insert = (c: pg.Client, tag: string) =>
        c.query(
          `INSERT INTO tags (repository_id, name, digest, changed_at)
           SELECT repository_id, $2, digest, changed_at FROM tags WHERE repository_id = $1 AND name = 'a'`,
          [id, tag],
        );
      const first = insert(client, "writer-one");
      const other = insert(second, "writer-two");
      await first;
      await client.query("COMMIT");
      await other;
      await second.query("COMMIT");
    } finally {
      await client.query("ROLLBACK").catch(() => {});
      await second.end();
    }
    expect(await version()).toBe(before + 2n);
  });

  // Events and syncs write the tags, then refresh the repository's totals in a later statement. A page that reloaded
  // in between holds the new tags with the old count, and reloads once more when the refresh changes the totals.
  it("moves again when refreshing the totals changes them, and not when they were already right", async () => {
    const { getDb } = await import("@/lib/db/client");
    const { refreshRepositoryAggregates } = await import("@/lib/services/sync-engine/store");
    const { rows } = await client.query<{ id: number }>("SELECT id FROM repositories WHERE name = $1", [VERSIONED]);
    const id = rows[0]?.id as number;
    await refreshRepositoryAggregates(getDb(), id);
    const settled = await version();
    await refreshRepositoryAggregates(getDb(), id);
    expect(await version()).toBe(settled);

    await client.query(
      `INSERT INTO tags (repository_id, name, digest, changed_at)
       SELECT repository_id, 'added-by-hand', digest, changed_at FROM tags WHERE repository_id = $1 AND name = 'a'`,
      [id],
    );
    expect(await version()).toBe(settled + 1n);
    const count = async () =>
      (await client.query<{ tag_count: number }>("SELECT tag_count FROM repositories WHERE id = $1", [id])).rows[0]?.tag_count;
    const stale = (await count()) as number;
    await refreshRepositoryAggregates(getDb(), id);
    expect(await count()).toBe(stale + 1);
    expect(await version()).toBe(settled + 2n);
    await refreshRepositoryAggregates(getDb(), id);
    expect(await version()).toBe(settled + 2n);
  });
});
