// The sync reading tags from the registry's storage root (REGISTRY_STORAGE_ROOT) and the sync over
// HTTP must build the same cache, on a generated registry with images, an index, an artifact, moved
// tags, a repository whose only manifest was deleted (tags: null) and one emptied tag by tag; with
// the root, only new digests cost a request.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { PrismaClient } from "../../lib/db/generated/client";
import { createRegistryClient, type RegistryRequestEvent } from "../../lib/registry/client";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { freshClient } from "./helpers";

let registry: RunningRegistry;
let serverUrl: string;
const dbs: PrismaClient[] = [];

const newDb = (name: string) => freshClient(serverUrl, name, dbs);

async function image(content: string, arch = "amd64", created = "2024-03-01T00:00:00Z") {
  return { layers: [await makeLayer([{ path: "f.txt", content }])], config: { architecture: arch, os: "linux", created } };
}

beforeAll(async () => {
  registry = await startRegistry();
  serverUrl = inject("databaseUrl");
  const p = new RegistryPusher(registry.url);
  // generated content: several repositories of several tags over a few images
  for (let r = 0; r < 6; r++) {
    for (let i = 0; i < 3; i++) {
      await p.pushImage(
        `gen/r${r}`,
        Array.from({ length: 4 }, (_, t) => `v${i}.${t}`),
        await image(`r${r} i${i}`, "amd64", `2024-0${i + 1}-01T00:00:00Z`),
      );
    }
  }
  const amd = await p.pushImage("gen/multi", [], await image("multi", "amd64"));
  const arm = await p.pushImage("gen/multi", ["arm-only"], await image("multi arm", "arm64"));
  await p.pushIndex("gen/multi", ["1.0", "latest"], { manifests: [{ manifest: amd }, { manifest: arm }] });
  const layer = await makeLayer([{ path: "chart.tgz", content: "not really a chart" }]);
  await p.pushArtifact("gen/artifact", ["v1"], { layers: [{ blob: layer.blob, mediaType: "application/vnd.example.data" }] });
  // a tag moved to another image
  await p.pushImage("gen/r0", ["v0.0"], await image("moved"));
  // tags: null (the only manifest deleted) and an emptied repository (each tag deleted)
  const only = await p.pushImage("gen/deleted-only", ["x"], await image("deleted"));
  await p.deleteManifest("gen/deleted-only", only.digest);
  const a = await p.pushImage("gen/emptied", ["a"], await image("emptied a"));
  const b = await p.pushImage("gen/emptied", ["b"], await image("emptied b"));
  await p.deleteManifest("gen/emptied", a.digest);
  await p.deleteManifest("gen/emptied", b.digest);
}, 300_000);

afterAll(async () => {
  for (const db of dbs) await db.$disconnect();
  await registry?.destroy();
});

async function snapshot(db: PrismaClient) {
  const repositories = await db.repository.findMany({
    select: { name: true, tagCount: true, sizeBytes: true, updatedAt: true },
    orderBy: { name: "asc" },
  });
  const tags = await db.tag.findMany({
    select: { repository: { select: { name: true } }, name: true, digest: true, createdAt: true, sizeBytes: true },
    orderBy: [{ repositoryId: "asc" }, { name: "asc" }],
  });
  const manifests = await db.manifest.findMany({
    select: { digest: true, kind: true, sizeBytes: true, createdAt: true },
    orderBy: { digest: "asc" },
  });
  return {
    // a repository without an image creation time shows when its tags last changed: the sync's own time
    repositories: repositories.map((r) => ({
      ...r,
      updatedAt: r.updatedAt && r.updatedAt.getFullYear() < 2025 ? r.updatedAt : "sync time",
    })),
    tags: tags
      .map((t) => ({ ...t, repository: t.repository.name }))
      .sort((x, y) => `${x.repository}:${x.name}`.localeCompare(`${y.repository}:${y.name}`)),
    manifests,
  };
}

describe("sync from the storage root", () => {
  it("builds the same cache as the sync over HTTP, with a request only per new digest", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const { storageTagDigests } = await import("../../lib/storage/catalog");
    const storage = { tagDigests: (r: string) => storageTagDigests(registry.rootDir, r) };

    const overHttp = await newDb("sync_http");
    const http = await syncRegistry({ db: overHttp, registry: createRegistryClient({ baseUrl: registry.url }), concurrency: 4 });
    expect(http.status).toBe("succeeded");

    const fromDisk = await newDb("sync_disk");
    const requests: RegistryRequestEvent[] = [];
    const client = createRegistryClient({ baseUrl: registry.url, onRequest: (e) => requests.push(e) });
    const disk = await syncRegistry({ db: fromDisk, registry: client, concurrency: 4, storage });
    expect(disk.status).toBe("succeeded");

    const [a, b] = [await snapshot(overHttp), await snapshot(fromDisk)];
    expect(b.repositories).toEqual(a.repositories);
    expect(b.tags).toEqual(a.tags);
    expect(b.manifests).toEqual(a.manifests);
    expect(a.repositories.find((r) => r.name === "gen/deleted-only")?.tagCount).toBe(0);
    expect(a.repositories.find((r) => r.name === "gen/emptied")?.tagCount).toBe(0);

    // no tags/list and no HEAD: one GET per distinct manifest and config, plus the catalog
    expect(disk.counters.tagListRequests).toBe(0);
    expect(disk.counters.manifestHeads).toBe(0);
    const manifestGets = requests.filter((r) => r.method === "GET" && r.path.includes("/manifests/")).length;
    expect(manifestGets).toBe(b.manifests.length);
    expect(disk.counters.tags).toBe(http.counters.tags);

    // nothing changed: only the catalog is requested, and no repository row is rewritten (each rewrite is a dead
    // row for autovacuum to clean up after every periodic sync)
    const rowVersions = () =>
      fromDisk.$queryRaw<{ id: number; xmin: string }[]>`SELECT id, xmin::text AS xmin FROM repositories ORDER BY id`;
    const versions = await rowVersions();
    requests.length = 0;
    const again = await syncRegistry({ db: fromDisk, registry: client, concurrency: 4, storage });
    expect(again.status).toBe("succeeded");
    expect(requests.every((r) => r.path.includes("/_catalog"))).toBe(true);
    expect(await snapshot(fromDisk)).toEqual(b);
    expect(await rowVersions()).toEqual(versions);
  });

  it("reads a repository missing from the root over HTTP (a root that does not match the registry)", async () => {
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const db = await newDb("sync_wrong_root");
    const storage = { tagDigests: async () => null };
    const outcome = await syncRegistry({ db, registry: createRegistryClient({ baseUrl: registry.url }), concurrency: 4, storage });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.counters.tagListRequests).toBe(outcome.counters.repositoriesTotal);
  });
});
