// Content digests of layer files against the real registry: two releases whose files differ only in content at
// equal sizes are told apart by compare and by the per-layer view, and layers indexed before digests were
// recorded get them from the background refresh without ever leaving "done".
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { type LayerFile, makeLayer, RegistryPusher, sha256Digest } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;

// Same paths, same sizes, other bytes (and one file identical in both).
const release = (n: 1 | 2): LayerFile[] => [
  { path: "opt/app/model.bin", content: (n === 1 ? "a" : "b").repeat(4096) },
  { path: "opt/app/VERSION", content: `1.0.${n}\n` },
  { path: "etc/motd", content: `welcome to release ${n}\n` },
  { path: "opt/app/config.yaml", content: `replicas: ${n}\n` },
  { path: "opt/app/LICENSE", content: "MIT\n" },
];
const contentOf = (n: 1 | 2, path: string) => release(n).find((f) => f.path === path)?.content as string;

async function indexImage(repository: string, reference: string) {
  const { markLayersPending, indexLayerBlob } = await import("@/lib/services/layer-index");
  const { resolveImage } = await import("@/lib/services/layers");
  const image = await resolveImage(SYSTEM, repository, reference);
  for (const digest of await markLayersPending(image.layers, repository)) await indexLayerBlob(digest);
  return image;
}

beforeAll(async () => {
  registry = await startRegistry();
  const pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "layer_content"),
    LOG_LEVEL: "error",
  });
  const base = await makeLayer([{ path: "etc/os-release", content: "ID=test\n" }]);
  const config = { architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z" };
  await pusher.pushImage("content/app", ["1.0.1"], { layers: [base, await makeLayer(release(1))], config });
  await pusher.pushImage("content/app", ["1.0.2"], { layers: [base, await makeLayer(release(2))], config });
  // one image whose upper layer rewrites a file at the same size and copies another unchanged
  await pusher.pushImage("content/layered", ["v1"], {
    layers: [
      await makeLayer([
        { path: "VERSION", content: "1.0.0\n" },
        { path: "same.txt", content: "identical\n" },
      ]),
      await makeLayer([
        { path: "VERSION", content: "1.0.1\n" },
        { path: "same.txt", content: "identical\n" },
      ]),
    ],
    config,
  });
  const { runSync } = await import("@/lib/services/sync");
  await runSync("manual");
  await indexImage("content/app", "1.0.1");
  await indexImage("content/app", "1.0.2");
  await indexImage("content/layered", "v1");
}, 120_000);

afterAll(() => closeServices({ jobs: true, registries: [registry] }));

const changedPaths = ["etc/motd", "opt/app/VERSION", "opt/app/config.yaml", "opt/app/model.bin"];

async function compareReleases() {
  const { compareImages } = await import("@/lib/services/layers");
  return compareImages(SYSTEM, "content/app", { from: "1.0.1", to: "1.0.2", limit: 100 });
}

describe("content digests of layer files", () => {
  it("compare reports files that differ only in content, at equal sizes, with both digests", async () => {
    const result = await compareReleases();
    expect(result.files.indexed).toBe(true);
    expect(result.files.content).toBe(true);
    expect(result.files.counts).toEqual({ added: 0, removed: 0, modified: 4 });
    expect(result.files.modified).toEqual(
      changedPaths.map((path) => ({
        path,
        type: "file",
        fromBytes: Buffer.byteLength(contentOf(1, path)),
        toBytes: Buffer.byteLength(contentOf(2, path)),
        fromDigest: sha256Digest(contentOf(1, path)),
        toDigest: sha256Digest(contentOf(2, path)),
      })),
    );
    for (const m of result.files.modified) expect(m.fromBytes).toBe(m.toBytes);
  });

  it("a layer's changes list a same-size rewrite as modified and an identical copy not at all", async () => {
    const { listFiles, listLayers } = await import("@/lib/services/layers");
    const [, upper] = await listLayers(SYSTEM, "content/layered", "v1");
    const page = await listFiles(SYSTEM, "content/layered", "v1", {
      layer: upper?.digest as string,
      path: "",
      changes: "only",
      recursive: "true",
      limit: 100,
    });
    expect(page.items.map((i) => `${i.change} ${i.path}`)).toEqual(["modified VERSION"]);
    // the full view of that layer still lists the copy, unchanged, with its digest
    const all = await listFiles(SYSTEM, "content/layered", "v1", {
      layer: upper?.digest as string,
      path: "",
      changes: "all",
      recursive: "true",
      limit: 100,
    });
    expect(all.items.map((i) => [i.path, i.change, i.contentDigest])).toEqual([
      ["VERSION", "modified", sha256Digest("1.0.1\n")],
      ["same.txt", "unchanged", sha256Digest("identical\n")],
    ]);
  });

  it("re-reads layers indexed before digests in the background, keeping them done, and compare then sees content", async () => {
    const { getDb } = await import("@/lib/db/client");
    const { queueUnindexedLayers, indexLayerBlob } = await import("@/lib/services/layer-index");
    const { resolveImage } = await import("@/lib/services/layers");
    const db = getDb();
    const old = await resolveImage(SYSTEM, "content/app", "1.0.1");
    const oldDigests = old.layers.map((l) => l.digest);
    // what an index written before this change looks like: no digests on the rows, none on the layer
    await db.layerFile.updateMany({ where: { digest: { in: oldDigests } }, data: { contentDigest: null } });
    await db.layerIndex.updateMany({ where: { digest: { in: oldDigests } }, data: { contentDigests: false, refreshStartedAt: null } });
    await db.layerChain.deleteMany({});
    const rowsBefore = await db.layerFile.count({ where: { digest: { in: oldDigests } } });

    // until refreshed, compare is by metadata only, and says so
    const legacy = await compareReleases();
    expect(legacy.files.indexed).toBe(true);
    expect(legacy.files.content).toBe(false);
    expect(legacy.files.modified).toEqual([]);

    // the background pass after a sync queues exactly those layers (the base layer is shared, so both)
    const queued = await queueUnindexedLayers();
    expect([...queued].sort()).toEqual([...oldDigests].sort());
    for (const digest of queued) await indexLayerBlob(digest); // what the layer-index job runs

    for (const digest of oldDigests) {
      const row = await db.layerIndex.findUniqueOrThrow({ where: { digest } });
      expect(row.status).toBe("done");
      expect(row.contentDigests).toBe(true);
      expect(row.refreshStartedAt).not.toBeNull();
    }
    expect(await db.layerFile.count({ where: { digest: { in: oldDigests } } })).toBe(rowsBefore);
    expect(await db.layerFile.count({ where: { digest: { in: oldDigests }, type: "file", contentDigest: null } })).toBe(0);
    expect(await queueUnindexedLayers()).toEqual([]);

    const refreshed = await compareReleases();
    expect(refreshed.files.content).toBe(true);
    expect(refreshed.files.modified.map((m) => m.path)).toEqual(changedPaths);
  });
});
