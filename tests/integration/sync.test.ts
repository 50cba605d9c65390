// Sync against a real docker-registry filled through its HTTP API, into a real Postgres:
// the cache must equal what the registry says, and a second sync must fetch nothing it has.

import { PrismaPg } from "@prisma/adapter-pg";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import type { TagItem } from "../../lib/contract/repositories";
import { PrismaClient } from "../../lib/db/generated/client";
import { createRegistryClient } from "../../lib/registry/client";
import { MediaType, makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { type FoundationExpectation, seedFoundation } from "../fixtures/scenarios";
import { configureEnv, freshDatabase } from "./helpers";
import { callRoute, ROOT } from "./route-harness";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let expected: FoundationExpectation;
let pusher: RegistryPusher;
let brokenDigest: string;

beforeAll(async () => {
  registry = await startRegistry();
  expected = await seedFoundation(registry.url);
  pusher = new RegistryPusher(registry.url);
  // a repository whose image config is not JSON: its sync fails, the others must not
  const layer = await makeLayer([{ path: "x.txt", content: "x" }]);
  ({ digest: brokenDigest } = await pusher.pushParts("bad/config", ["broken"], {
    format: "oci",
    config: { blob: Buffer.from("this is not json"), mediaType: MediaType.ociConfig },
    layers: [{ blob: layer.blob, mediaType: layer.mediaType }],
  }));
  const databaseUrl = await freshDatabase(inject("databaseUrl"), "sync");
  // the API checks below read as an anonymous viewer; who may call what is role-matrix.test.ts's job
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: databaseUrl,
    SYNC_CONCURRENCY: "8",
    LOG_LEVEL: "error",
    LAYERSCOPE_ANONYMOUS_READ: "true",
  });
}, 300_000);

afterAll(() => closeServices({ registries: [registry] }));

const byPlatform = (a: { os: string; architecture: string; variant: string | null }, b: typeof a) =>
  `${a.os}/${a.architecture}/${a.variant}`.localeCompare(`${b.os}/${b.architecture}/${b.variant}`);

describe("sync from a real registry", () => {
  it("caches every repository, tag, digest, size and platform the registry reports", async () => {
    const { runSync } = await import("../../lib/services/sync");
    const { listRepositories, listTags } = await import("../../lib/services/repositories");
    const run = await runSync("manual");
    expect(run).not.toBeNull();
    expect(run?.status).toBe("partial");
    expect(run?.errors.map((e) => e.repository)).toEqual(["bad/config"]);
    expect(run?.errors[0]?.message).toMatch(/config/i);

    const repos = await listRepositories(SYSTEM, { sort: "name", limit: 5000 });
    const names = repos.items.map((r) => r.name);
    expect(repos.total).toBe(expected.repositoryCount + 1);
    expect(names).toEqual([...names].sort());
    const byName = new Map(repos.items.map((r) => [r.name, r]));
    for (const [name, repo] of Object.entries(expected.repositories)) {
      const got = byName.get(name);
      expect(got, name).toBeDefined();
      expect(got?.tagCount, name).toBe(Object.keys(repo.tags).length);
      expect(got?.sizeBytes, name).toBe(repo.repositorySizeBytes);
    }
    // a repository whose only manifest was deleted stays listed with no tags
    expect(byName.get("deleted/only")?.tagCount).toBe(0);

    for (const [name, repo] of Object.entries(expected.repositories)) {
      const tagCount = Object.keys(repo.tags).length;
      if (tagCount === 0 || name.startsWith("many/")) continue;
      // every tag as a row, signatures and SBOMs included (by default they are counted on their subject)
      const list = await listTags(SYSTEM, name, { sort: "name", limit: 5000, artifacts: "rows" });
      expect(list.total, name).toBe(tagCount);
      const got = new Map<string, TagItem>(list.items.map((t) => [t.name, t]));
      for (const [tag, want] of Object.entries(repo.tags)) {
        const item = got.get(tag);
        expect(item, `${name}:${tag}`).toBeDefined();
        if (!item) continue;
        expect(item.digest, `${name}:${tag}`).toBe(want.digest);
        expect(item.mediaType).toBe(want.mediaType);
        expect(item.kind).toBe(want.kind);
        expect(item.sizeBytes, `${name}:${tag} size`).toBe(want.sizeBytes);
        expect(item.createdAt ? new Date(item.createdAt).toISOString() : null).toBe(
          want.created ? new Date(want.created).toISOString() : null,
        );
        expect([...item.platforms].sort(byPlatform)).toEqual([...want.platforms].sort(byPlatform));
      }
    }
  });

  it("marks tags that share a digest, and sorts tags semver-aware", async () => {
    const { listTags } = await import("../../lib/services/repositories");
    const tags = await listTags(SYSTEM, "demo/app", { sort: "semver", order: "desc", limit: 100 });
    const latest = tags.items.find((t) => t.name === "latest");
    expect(latest?.sharedWith).toEqual(["1.1.0"]);
    expect(latest?.sharedCount).toBe(1);
    // 1,500 tags over 3 digests: each tag lists a bounded sample of its ~500 siblings, and the true count
    const big = await listTags(SYSTEM, "big/tags", { sort: "name", limit: 5000 });
    const first = big.items[0];
    const siblings = big.items.filter((t) => t.digest === first?.digest).length - 1;
    expect(first?.sharedCount).toBe(siblings);
    expect(first?.sharedWith.length).toBe(Math.min(20, siblings));
    const versions = tags.items.map((t) => t.name).filter((n) => /^\d/.test(n));
    expect(versions.slice(0, 2)).toEqual(["1.1.0", "1.0.0"]);
  });

  it("shows an index's platforms without its attestation manifests", async () => {
    const { getManifestDetail } = await import("../../lib/services/manifests");
    const want = expected.repositories["multi/platform"]?.tags.v2;
    const detail = await getManifestDetail(SYSTEM, "multi/platform", "v2");
    expect(detail.kind).toBe("index");
    expect(detail.platforms.map((p) => `${p.os}/${p.architecture}`).sort()).toEqual(["linux/amd64", "linux/arm64"]);
    expect(detail.attestations.map((a) => a.digest)).toEqual(want?.attestations);
    expect(detail.sizeBytes).toBe(want?.sizeBytes);
  });

  it("keeps an artifact's artifactType and subject", async () => {
    const { getManifestDetail } = await import("../../lib/services/manifests");
    const referrer = expected.repositories["demo/app"]?.referrers[0];
    expect(referrer).toBeDefined();
    if (!referrer) return;
    const detail = await getManifestDetail(SYSTEM, "demo/app", referrer.digest);
    expect(detail.kind).toBe("artifact");
    expect(detail.artifactType).toBe(referrer.artifactType);
    expect(detail.subject).toBe(referrer.subject);
  });

  it("a second sync fetches no manifest or config it already has: one HEAD per tag", async () => {
    const { runSync } = await import("../../lib/services/sync");
    // the broken repository is retried by every sync (it never reached the cache): remove it first
    await pusher.deleteManifest("bad/config", brokenDigest);
    const run = await runSync("manual");
    expect(run?.status).toBe("succeeded");
    expect(run?.manifestsFetched).toBe(0);
    expect(run?.configsFetched).toBe(0);
    expect(run?.manifestHeads).toBe(expected.tagCount);
    expect(run?.tags).toBe(expected.tagCount);
  });

  it("follows a moved tag with one HEAD and one GET, and drops a deleted tag", async () => {
    const { runSync } = await import("../../lib/services/sync");
    const { listTags, listRepositories } = await import("../../lib/services/repositories");
    const layer = await makeLayer([{ path: "new.txt", content: "moved" }]);
    const moved = await pusher.pushImage("demo/app", ["latest"], {
      layers: [layer],
      config: { architecture: "amd64", os: "linux", created: "2025-06-01T00:00:00Z" },
    });
    const dockerDigest = expected.repositories["demo/app-docker"]?.tags["1.0.0"]?.digest ?? "";
    await pusher.deleteManifest("demo/app-docker", dockerDigest);

    const run = await runSync("manual");
    expect(run?.manifestsFetched).toBe(1);
    expect(run?.configsFetched).toBe(1);
    const tags = await listTags(SYSTEM, "demo/app", { sort: "name", limit: 100 });
    expect(tags.items.find((t) => t.name === "latest")?.digest).toBe(moved.digest);
    expect(tags.items.find((t) => t.name === "1.1.0")?.sharedWith).toEqual([]);
    const docker = await listRepositories(SYSTEM, { sort: "name", q: "demo/app-docker", limit: 10 });
    expect(docker.items[0]?.tagCount).toBe(0);
  });

  it("runs one sync at a time: a concurrent request gets null", async () => {
    const { runSync } = await import("../../lib/services/sync");
    const [a, b] = await Promise.all([runSync("manual"), runSync("manual")]);
    expect([a, b].filter((r) => r === null)).toHaveLength(1);
  });
});

describe("API routes over the cache", () => {
  const call = async (path: string, init?: { method?: string }) => {
    const url = new URL(`http://localhost${path}`);
    const req = new NextRequest(url, { method: init?.method ?? "GET" });
    const segments = url.pathname.split("/").slice(4).map(decodeURIComponent);
    if (url.pathname.startsWith("/api/v1/repositories/")) {
      const mod = await import("../../app/api/v1/repositories/[...path]/route");
      return mod.GET(req, { params: Promise.resolve({ path: segments }) });
    }
    if (url.pathname === "/api/v1/repositories") {
      const mod = await import("../../app/api/v1/repositories/route");
      return mod.GET(req, { params: Promise.resolve({}) });
    }
    if (url.pathname.startsWith("/api/registry/v2")) {
      const mod = await import("../../app/api/registry/v2/[[...path]]/route");
      const path = url.pathname.split("/").slice(4).filter(Boolean).map(decodeURIComponent);
      const handler = (init?.method === "DELETE" ? mod.DELETE : mod.GET) as typeof mod.GET;
      return handler(req, { params: Promise.resolve({ path }) });
    }
    throw new Error(`no route for ${path}`);
  };

  it("lists repositories sorted by size with a working cursor", async () => {
    const first = await call("/api/v1/repositories?sort=size&order=desc&limit=2");
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { items: { sizeBytes: number }[]; nextCursor: string };
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0]?.sizeBytes).toBeGreaterThanOrEqual(page1.items[1]?.sizeBytes ?? 0);
    const second = await call(`/api/v1/repositories?sort=size&order=desc&limit=2&cursor=${page1.nextCursor}`);
    const page2 = (await second.json()) as { items: { sizeBytes: number }[] };
    expect(page2.items[0]?.sizeBytes).toBeLessThanOrEqual(page1.items[1]?.sizeBytes ?? 0);
  });

  it("answers tags and manifests for names with slashes, resolved from the right", async () => {
    const tags = await call("/api/v1/repositories/multi/platform/tags");
    expect(tags.status).toBe(200);
    const manifest = await call("/api/v1/repositories/multi/platform/manifests/v2");
    expect(manifest.status).toBe(200);
    const body = (await manifest.json()) as { digest: string; kind: string };
    expect(body.kind).toBe("index");
  });

  it("answers 400 for names that break the grammar and 404 for unknown ones, in one error shape", async () => {
    const bad = await call("/api/v1/repositories/Bad..Name/tags");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request" } });
    const unknown = await call("/api/v1/repositories/no/such/repo/tags");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
    const badRef = await call("/api/v1/repositories/demo/app/manifests/sha256:xyz");
    expect(badRef.status).toBe(400);
    const badSort = await call("/api/v1/repositories?sort=bogus");
    expect(badSort.status).toBe(400);
  });

  it("proxies registry reads and refuses writes and traversal", async () => {
    const ok = await call("/api/registry/v2/demo/app/tags/list");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { name: string }).name).toBe("demo/app");
    expect((await call("/api/registry/v2/demo/app/manifests/latest", { method: "DELETE" })).status).toBe(405);
    // dot segments are resolved by URL parsing before routing; encoded separators must be refused
    expect((await call("/api/registry/v2/demo%2F..%2Fapp/tags/list")).status).toBe(400);
    expect((await call("/api/registry/v2/demo/app/uploads")).status).toBe(404);
  });

  it("lets anonymous readers (LAYERSCOPE_ANONYMOUS_READ) read but nothing more", async () => {
    const me = await callRoute(`${ROOT}/app/api/v1/me/route.ts`, "GET", { url: "/api/v1/me" });
    expect(await me.json()).toMatchObject({ user: null, role: "viewer", anonymous: true, permissions: ["repository:read"] });
    const sync = await callRoute(`${ROOT}/app/api/v1/sync/route.ts`, "POST", { url: "/api/v1/sync" });
    expect(sync.status).toBe(401);
    const users = await callRoute(`${ROOT}/app/api/v1/users/route.ts`, "GET", { url: "/api/v1/users" });
    expect(users.status).toBe(401);
  });
});

describe("a registry behind basic auth", () => {
  let authRegistry: RunningRegistry;
  let db: PrismaClient;
  beforeAll(async () => {
    const credentials = { username: "ci", password: "s3cret-pass" };
    authRegistry = await startRegistry({ htpasswd: credentials });
    const p = new RegistryPusher(authRegistry.url, credentials);
    const layer = await makeLayer([{ path: "hello.txt", content: "hi" }]);
    await p.pushImage("private/app", ["v1"], {
      layers: [layer],
      config: { architecture: "amd64", os: "linux", created: "2024-02-02T00:00:00Z" },
    });
    const url = await freshDatabase(inject("databaseUrl"), "basic_auth");
    db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  }, 120_000);
  afterAll(async () => {
    await db?.$disconnect();
    await authRegistry?.destroy();
  });

  it("syncs with credentials and reports unauthorized without them", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const anonymous = await syncRegistry({ db, registry: createRegistryClient({ baseUrl: authRegistry.url, retries: 0 }), concurrency: 2 });
    expect(anonymous.status).toBe("failed");
    expect(anonymous.errors[0]?.code).toBe("unauthorized");
    const withAuth = await syncRegistry({
      db,
      registry: createRegistryClient({ baseUrl: authRegistry.url, username: "ci", password: "s3cret-pass" }),
      concurrency: 2,
    });
    expect(withAuth.status).toBe("succeeded");
    expect(await db.tag.count()).toBe(1);
    expect(withAuth.counters.manifestsFetched).toBe(1);
  });
});
