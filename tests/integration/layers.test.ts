// The layer file index against the real registry: layers that add, overwrite and white out
// files (and an opaque directory) in gzip, plain tar and zstd; the merged tree, per-layer
// changes, wasted bytes and efficiency equal what is computed by hand below; bad layers fail
// with a reason and leave nothing behind.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { type Layer, type LayerFile, MediaType, makeLayer, RegistryPusher, sha256Digest } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";

let registry: RunningRegistry;
let pusher: RegistryPusher;

const bytes = (n: number, c = "x") => c.repeat(n);

async function zstdLayer(files: LayerFile[]): Promise<Layer> {
  const plain = await makeLayer(files, { compression: "none" });
  const blob = execFileSync("zstd", ["-q", "-c", "-3"], { input: plain.tar });
  return { ...plain, blob, digest: sha256Digest(blob), size: blob.length, mediaType: "application/vnd.oci.image.layer.v1.tar+zstd" };
}

/** A layer whose blob is whatever bytes we say (corrupt, truncated): the digest still matches them. */
function rawLayer(blob: Buffer, mediaType: string = MediaType.ociLayerGzip): Layer {
  return { tar: blob, blob, digest: sha256Digest(blob), diffId: sha256Digest(blob), size: blob.length, mediaType, compression: "gzip" };
}

async function indexImage(repository: string, reference: string) {
  const { markLayersPending, indexLayerBlob } = await import("@/lib/services/layer-index");
  const { resolveImage } = await import("@/lib/services/layers");
  const image = await resolveImage(SYSTEM, repository, reference);
  for (const digest of await markLayersPending(image.layers, repository)) await indexLayerBlob(digest);
  return image;
}

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "layers"),
    LAYER_INDEX_MAX_BYTES: String(300 * 1024 * 1024),
    LOG_LEVEL: "error",
  });

  // L1 (gzip): a 100, b 200, conf 50, cache/x 1000, cache/y 500
  const l1 = await makeLayer([
    { path: "app/", type: "directory" },
    { path: "app/a.txt", content: bytes(100) },
    { path: "app/b.txt", content: bytes(200) },
    { path: "etc/conf", content: bytes(50) },
    { path: "app/cache/x.bin", content: bytes(1000) },
    { path: "app/cache/y.bin", content: bytes(500) },
  ]);
  // L2 (plain tar): a rewritten (150), c added (300), b whited out
  const l2 = await makeLayer(
    [
      { path: "app/a.txt", content: bytes(150, "y") },
      { path: "app/c.txt", content: bytes(300) },
      { path: "app/.wh.b.txt", content: "" },
    ],
    { compression: "none" },
  );
  // L3 (zstd): app/cache made opaque (x and y gone), z added (10)
  const l3 = await zstdLayer([
    { path: "app/cache/.wh..wh..opq", content: "" },
    { path: "app/cache/z.bin", content: bytes(10) },
  ]);
  // v0: the first two layers only — what compare sets against v1
  await pusher.pushImage("layers/demo", ["v0"], {
    layers: [l1, l2],
    config: { architecture: "amd64", os: "linux", created: "2024-04-01T00:00:00Z" },
  });
  await pusher.pushImage("layers/demo", ["v1"], {
    layers: [l1, l2, l3],
    config: {
      architecture: "amd64",
      os: "linux",
      created: "2024-05-01T00:00:00Z",
      history: [
        { created_by: "/bin/sh -c #(nop) ADD file:abc in / " },
        { created_by: "/bin/sh -c #(nop)  ENV A=1", empty_layer: true },
        { created_by: "/bin/sh -c echo hi > /app/a.txt && rm /app/b.txt" },
        { created_by: "/bin/sh -c #(nop) WORKDIR /app", empty_layer: true },
        { created_by: "RUN /bin/sh -c rm -rf /app/cache/* && touch /app/cache/z.bin # buildkit" },
      ],
    },
  });
}, 120_000);

afterAll(async () => {
  const { disconnectDb } = await import("@/lib/db/client");
  await disconnectDb();
  await registry.destroy();
});

describe("layer index on the real registry", () => {
  it("indexes gzip, plain and zstd layers and pairs history with layers (skipping empty_layer)", async () => {
    await indexImage("layers/demo", "v1");
    const { listLayers } = await import("@/lib/services/layers");
    const layers = await listLayers(SYSTEM, "layers/demo", "v1");
    expect(layers.map((l) => l.index.status)).toEqual(["done", "done", "done"]);
    expect(layers.map((l) => l.fileCount)).toEqual([6, 3, 2]);
    expect(layers[0]?.createdBy).toBe("ADD file:abc in /");
    expect(layers[1]?.createdBy).toBe("RUN echo hi > /app/a.txt && rm /app/b.txt");
    expect(layers[2]?.createdBy).toMatch(/^RUN rm -rf \/app\/cache\/\* && touch \/app\/cache\/z\.bin/);
    expect(layers[1]?.uncompressedBytes).toBeGreaterThan(450);
  });

  it("merges layers: overwrites, whiteouts and opaque directories give the final tree", async () => {
    const { listFiles } = await import("@/lib/services/layers");
    const q = { layer: "merged", path: "", changes: "all", recursive: "true", limit: 1000 } as const;
    const merged = await listFiles(SYSTEM, "layers/demo", "v1", q);
    const files = Object.fromEntries(merged.items.filter((i) => i.type === "file").map((i) => [i.path, i.sizeBytes]));
    expect(files).toEqual({ "app/a.txt": 150, "app/c.txt": 300, "app/cache/z.bin": 10, "etc/conf": 50 });
    const app = (await listFiles(SYSTEM, "layers/demo", "v1", { ...q, recursive: "false" })).items.find((i) => i.path === "app");
    expect(app).toMatchObject({ type: "dir", sizeBytes: 460 }); // 150 + 300 + 10 under app/
  });

  it("shows what each layer changed", async () => {
    const { listFiles, listLayers } = await import("@/lib/services/layers");
    const [, l2, l3] = await listLayers(SYSTEM, "layers/demo", "v1");
    const changes = async (layer: string) =>
      (await listFiles(SYSTEM, "layers/demo", "v1", { layer, path: "", changes: "only", recursive: "true", limit: 1000 })).items
        .filter((i) => i.type !== "dir")
        .map((i) => `${i.change} ${i.path}`);
    expect(await changes(l2?.digest as string)).toEqual(["modified app/a.txt", "removed app/b.txt", "added app/c.txt"]);
    expect(await changes(l3?.digest as string)).toEqual(["removed app/cache/x.bin", "removed app/cache/y.bin", "added app/cache/z.bin"]);
  });

  it("counts wasted bytes once per superseded version, and efficiency = final / total", async () => {
    const { getEfficiency } = await import("@/lib/services/layers");
    const e = await getEfficiency(SYSTEM, "layers/demo", "v1");
    // versions: L1 100+200+50+1000+500 = 1850, L2 150+300 = 450, L3 10 → total 2310
    // final: a 150 + c 300 + conf 50 + z 10 = 510; wasted: a(v1) 100 + b 200 + x 1000 + y 500 = 1800
    expect(e).toMatchObject({ totalBytes: 2310, finalBytes: 510, wastedBytes: 1800 });
    expect(e.efficiency).toBeCloseTo(510 / 2310, 6);
    expect(e.wasted.map((w) => [w.path, w.bytes])).toEqual([
      ["app/cache/x.bin", 1000],
      ["app/cache/y.bin", 500],
      ["app/b.txt", 200],
      ["app/a.txt", 100],
    ]);
  });

  it("reports findings: files removed in a later layer with their bytes, and running as root", async () => {
    const { getFindings } = await import("@/lib/services/layers");
    const { items } = await getFindings(SYSTEM, "layers/demo", "v1");
    const ids = items.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(["removed-in-later-layer", "runs-as-root"]));
    expect(items.find((f) => f.id === "removed-in-later-layer")?.bytes).toBe(1700); // b 200 + x 1000 + y 500
  });

  it("compares two tags: shared and own layers, then the files between their merged trees", async () => {
    const { compareImages } = await import("@/lib/services/layers");
    const before = await compareImages(SYSTEM, "layers/demo", { from: "v0", to: "v1", limit: 100 });
    expect(before.layers.shared).toHaveLength(2);
    expect(before.layers.onlyFrom).toEqual([]);
    expect(before.layers.onlyTo).toHaveLength(1);
    expect(before.files.indexed).toBe(true); // v0's layers are v1's first two, indexed above
    const paths = (xs: { path: string }[]) => xs.filter((x) => !x.path.endsWith("cache")).map((x) => x.path);
    expect(paths(before.files.added)).toEqual(["app/cache/z.bin"]);
    expect(paths(before.files.removed)).toEqual(["app/cache/x.bin", "app/cache/y.bin"]);
    expect(before.files.modified).toEqual([]);
  });

  it("marks a corrupt, truncated or missing layer failed with a reason, and keeps no rows of it", async () => {
    const good = await makeLayer([{ path: "ok.txt", content: "ok" }]);
    const corrupt = Buffer.from(good.blob);
    corrupt.fill(0x55, 12, 40);
    const bigTar = (await makeLayer([{ path: "big.bin", content: Buffer.alloc(64 * 1024, 7) }], { compression: "none" })).tar;
    const truncated = bigTar.subarray(0, 20_000);
    const gone = await makeLayer([{ path: "gone.txt", content: "soon gone" }]);
    await pusher.pushImage("layers/bad", ["v1"], {
      layers: [rawLayer(corrupt), rawLayer(truncated, MediaType.ociLayer), gone],
      config: { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" },
    });
    // the registry forgets the last blob: GET answers 404 BLOB_UNKNOWN
    const del = await fetch(`${registry.url}/v2/layers/bad/blobs/${gone.digest}`, { method: "DELETE" });
    expect(del.status).toBe(202);

    await indexImage("layers/bad", "v1");
    const { listLayers } = await import("@/lib/services/layers");
    const layers = await listLayers(SYSTEM, "layers/bad", "v1");
    expect(layers.map((l) => l.index.status)).toEqual(["failed", "failed", "failed"]);
    expect(layers[0]?.index.error).toMatch(/corrupt_compression/);
    expect(layers[1]?.index.error).toMatch(/truncated/);
    expect(layers[2]?.index.error).toMatch(/registry: .*(BLOB_UNKNOWN|not found|unknown)/i);
    const { getDb } = await import("@/lib/db/client");
    expect(await getDb().layerFile.count({ where: { digest: { in: layers.map((l) => l.digest) } } })).toBe(0);
  });

  it("indexes hostile names under the root, 20,000 entries and a 200 MB layer", async () => {
    const many: LayerFile[] = Array.from({ length: 20_000 }, (_, i) => ({ path: `many/d${i % 100}/f${i}.txt`, content: "" }));
    const hostile = await makeLayer([
      { path: "../../escape.txt", content: "nope" },
      { path: "/etc/passwd", content: "root:x:0:0" },
      { path: "ünïcødé/файл.txt", content: "u" },
      { path: `long/${"d".repeat(150)}/${"f".repeat(120)}.txt`, content: "long" },
      { path: "lnk", type: "symlink", linkname: `/${"t".repeat(200)}` },
      { path: "hard", type: "link", linkname: "etc/passwd" },
      // a rootless build's owner: PAX uid/gid above 2^31 (an int4 column once failed the whole layer)
      { path: "home/remapped/file", content: "r", uid: 65534, gid: 65534, pax: { uid: "3000000000", gid: "4294967294" } },
    ]);
    const huge = await makeLayer([{ path: "huge.bin", content: Buffer.alloc(200 * 1024 * 1024) }]);
    await pusher.pushImage("layers/hostile", ["v1"], {
      layers: [hostile, await makeLayer(many), huge],
      config: { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" },
    });
    const before = process.memoryUsage().rss;
    await indexImage("layers/hostile", "v1");
    const grown = process.memoryUsage().rss - before;
    const { listLayers, listFiles } = await import("@/lib/services/layers");
    const layers = await listLayers(SYSTEM, "layers/hostile", "v1");
    expect(layers.map((l) => l.index.status)).toEqual(["done", "done", "done"]);
    expect(layers[1]?.fileCount).toBe(20_000); // tar entries (the directories are implied, not entries)
    expect(layers[2]?.uncompressedBytes).toBeGreaterThan(200 * 1024 * 1024);
    // the 200 MB never sat in memory (the blob is streamed; only entries are kept)
    expect(grown).toBeLessThan(150 * 1024 * 1024);

    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().layerIndex.findUniqueOrThrow({ where: { digest: hostile.digest } });
    expect(row.escapedPaths).toBe(1);
    const owned = await getDb().layerFile.findFirstOrThrow({ where: { digest: hostile.digest, path: "home/remapped/file" } });
    expect([owned.uid, owned.gid]).toEqual([3_000_000_000n, 4_294_967_294n]);
    const top = await listFiles(SYSTEM, "layers/hostile", "v1", {
      layer: hostile.digest,
      path: "",
      changes: "only",
      recursive: "true",
      limit: 1000,
    });
    const paths = top.items.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["escape.txt", "etc/passwd", "ünïcødé/файл.txt", "lnk", "hard"]));
    expect(paths.some((p) => p.startsWith("..") || p.startsWith("/"))).toBe(false);
    expect(top.items.find((i) => i.path === "lnk")?.linkTarget).toBe(`/${"t".repeat(200)}`);
  }, 240_000);

  it("skips blobs over LAYER_INDEX_MAX_BYTES and says so", async () => {
    const { markLayersPending } = await import("@/lib/services/layer-index");
    const queued = await markLayersPending(
      [{ digest: `sha256:${"e".repeat(64)}`, mediaType: MediaType.ociLayerGzip, sizeBytes: 400 * 1024 * 1024 }],
      "layers/demo",
    );
    expect(queued).toEqual([]);
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().layerIndex.findUniqueOrThrow({ where: { digest: `sha256:${"e".repeat(64)}` } });
    expect(row).toMatchObject({ status: "skipped", error: expect.stringContaining("LAYER_INDEX_MAX_BYTES") });
  });
});
