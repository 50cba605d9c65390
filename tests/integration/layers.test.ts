// The layer file index against the real registry: layers that add, overwrite and white out
// files (and an opaque directory) in gzip, plain tar and zstd; the merged tree, per-layer
// changes, wasted bytes and efficiency equal what is computed by hand below; bad layers fail
// with a reason and leave nothing behind.
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import {
  type Layer,
  type LayerFile,
  MediaType,
  makeConfig,
  makeLayer,
  manifestBytes,
  RegistryPusher,
  sha256Digest,
} from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { closeServices } from "./teardown";

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
    // above what the good layers below need (20,000 entries, 200 MB), below the bombs'
    LAYER_INDEX_MAX_ENTRIES: "25000",
    LAYER_INDEX_MAX_UNCOMPRESSED_BYTES: String(250 * 1024 * 1024),
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

afterAll(() => closeServices({ registries: [registry] }));

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

  /** Pushes a one-layer image whose manifest declares `declaredSize` for the layer, whatever the blob's length. */
  async function pushDeclaring(repository: string, blob: Buffer, declaredSize: number) {
    const config = makeConfig({ architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z", diffIds: [sha256Digest(blob)] });
    await pusher.pushBlob(repository, config.blob);
    const layer = await pusher.pushBlob(repository, blob);
    const body = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
      layers: [{ mediaType: MediaType.ociLayerGzip, digest: layer.digest, size: declaredSize }],
    });
    const res = await fetch(`${registry.url}/v2/${repository}/manifests/v1`, {
      method: "PUT",
      headers: { "Content-Type": MediaType.ociManifest },
      body: new Uint8Array(body),
    });
    expect(res.status).toBe(201); // the registry takes the pusher's number as it is
    return layer.digest;
  }

  /** Every row written to layer_files, counted per digest by a statement trigger (rows of a failed layer are deleted after). */
  async function countInsertedRows() {
    const { getDb } = await import("@/lib/db/client");
    await getDb().$executeRawUnsafe(`CREATE TABLE IF NOT EXISTS test_inserted (digest text, n int)`);
    await getDb().$executeRawUnsafe(`CREATE OR REPLACE FUNCTION test_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_inserted SELECT digest, count(*) FROM new_rows GROUP BY digest; RETURN NULL; END $$`);
    await getDb().$executeRawUnsafe(`CREATE OR REPLACE TRIGGER test_count_inserted AFTER INSERT ON layer_files
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION test_count_inserted()`);
    return async (digest: string) => {
      const [row] = await getDb().$queryRaw<
        { n: number }[]
      >`SELECT coalesce(sum(n), 0)::int AS n FROM test_inserted WHERE digest = ${digest}`;
      return row?.n ?? 0;
    };
  }

  it("fails a blob longer than its manifest declares (read no further than the declared size), and keeps no rows", async () => {
    const real = await makeLayer([{ path: "a.txt", content: bytes(100) }]);
    const digest = await pushDeclaring("layers/liar", real.blob, 1);
    await indexImage("layers/liar", "v1");
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().layerIndex.findUniqueOrThrow({ where: { digest } });
    expect(row.status).toBe("failed");
    expect(row.error).toMatch(/larger_than_declared: blob larger than its declared size of 1 bytes/);
    expect(row.fileCount).toBeNull();
    expect(await getDb().layerFile.count({ where: { digest } })).toBe(0);
  });

  it("skips a gzip layer of more entries than LAYER_INDEX_MAX_ENTRIES, having written no more rows than the cap", async () => {
    const inserted = await countInsertedRows();
    // 40,000 empty files: a small gzip that lists far more rows than the cap of 25,000
    const bomb = await makeLayer(Array.from({ length: 40_000 }, (_, i) => ({ path: `b/${i}`, content: "" })));
    expect(bomb.blob.length).toBeLessThan(2 * 1024 * 1024);
    await pusher.pushImage("layers/bomb", ["v1"], {
      layers: [bomb],
      config: { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" },
    });
    await indexImage("layers/bomb", "v1");
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().layerIndex.findUniqueOrThrow({ where: { digest: bomb.digest } });
    expect(row).toMatchObject({ status: "skipped", error: expect.stringMatching(/^too_many_entries: layer has more than 25000 entries/) });
    expect(await inserted(bomb.digest)).toBeGreaterThan(0);
    expect(await inserted(bomb.digest)).toBeLessThanOrEqual(25_000);
    expect(await getDb().layerFile.count({ where: { digest: bomb.digest } })).toBe(0);
  }, 120_000);

  it("skips a gzip bomb past LAYER_INDEX_MAX_UNCOMPRESSED_BYTES and says so", async () => {
    // one 300 MiB file of zeros as a few hundred KB of gzip: gzip members concatenate, so one compressed
    // 16 MiB run of zeros is repeated instead of compressing 300 MiB here
    const size = 300 * 1024 * 1024;
    const header = (await makeLayer([{ path: "zeros", content: "" }], { compression: "none" })).tar.subarray(0, 512);
    const tarHeader = Buffer.from(header);
    tarHeader.write(size.toString(8).padStart(11, "0"), 124, "ascii"); // size field, then fix the checksum
    tarHeader.fill(0x20, 148, 156);
    const sum = tarHeader.reduce((s, b) => s + b, 0);
    tarHeader.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    const run = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const blob = Buffer.concat([
      gzipSync(tarHeader),
      ...Array.from({ length: size / (16 * 1024 * 1024) }, () => run),
      gzipSync(Buffer.alloc(1024)),
    ]);
    const digest = await pushDeclaring("layers/zeros", blob, blob.length);
    await indexImage("layers/zeros", "v1");
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().layerIndex.findUniqueOrThrow({ where: { digest } });
    expect(row).toMatchObject({
      status: "skipped",
      error: expect.stringMatching(/^too_large_uncompressed: layer decompresses to more than 262144000 bytes/),
    });
    expect(await getDb().layerFile.count({ where: { digest } })).toBe(0);
  }, 120_000);

  it("re-queues a failed layer once per LAYER_INDEX_RETRY_SECONDS, whoever asks", async () => {
    const { markLayersPending } = await import("@/lib/services/layer-index");
    const { requestLayerIndex, resolveImage } = await import("@/lib/services/layers");
    const { getDb } = await import("@/lib/db/client");
    const image = await resolveImage(SYSTEM, "layers/liar", "v1");
    const digest = image.layers[0]?.digest as string;
    expect((await getDb().layerIndex.findUniqueOrThrow({ where: { digest } })).status).toBe("failed");
    const fail = () => getDb().layerIndex.update({ where: { digest }, data: { status: "failed" } });

    const refused: { digest: string; retryAfterSeconds: number }[] = [];
    expect(await markLayersPending(image.layers, "layers/liar", { retryWindowSeconds: 60, refused })).toEqual([digest]);
    expect(refused).toEqual([]);
    await fail(); // it fails again at once
    expect(await markLayersPending(image.layers, "layers/liar", { retryWindowSeconds: 60, refused })).toEqual([]);
    expect(refused).toEqual([{ digest, retryAfterSeconds: expect.any(Number) }]);
    expect(refused[0]?.retryAfterSeconds).toBeGreaterThan(55);
    expect((await getDb().layerIndex.findUniqueOrThrow({ where: { digest } })).status).toBe("failed");
    // the API answers 429 with the seconds to wait (the route sends them as Retry-After)
    const error = await requestLayerIndex(SYSTEM, "layers/liar", "v1").then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "rate_limited",
      status: 429,
      details: { retryAfterSeconds: expect.any(Number), layers: [digest] },
    });
    // the window is kept in Postgres: once it has passed (as another instance would see it), one more retry goes
    await getDb().layerIndex.update({ where: { digest }, data: { requeuedAt: new Date(Date.now() - 61_000) } });
    expect(await markLayersPending(image.layers, "layers/liar", { retryWindowSeconds: 60 })).toEqual([digest]);
  });

  it("pages a listing in SQL: every entry exactly once across pages, each page at most the limit", async () => {
    const { listFiles } = await import("@/lib/services/layers");
    const { filesQuery } = await import("@/lib/contract/layers");
    // the 20,000-entry layer of layers/hostile, merged with the others
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let total = 0;
    do {
      const page = await listFiles(SYSTEM, "layers/hostile", "v1", filesQuery.parse({ recursive: "true", limit: "3000", cursor }));
      expect(page.items.length).toBeLessThanOrEqual(3000);
      seen.push(...page.items.map((i) => i.path));
      total = page.total;
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
    expect(total).toBeGreaterThan(20_000);
    expect(pages).toBe(Math.ceil(total / 3000));
    // one directory, page by page too
    const dir = await listFiles(SYSTEM, "layers/hostile", "v1", filesQuery.parse({ path: "many/d7", limit: "150" }));
    expect(dir.total).toBe(200);
    expect(dir.items).toHaveLength(150);
    const rest = await listFiles(
      SYSTEM,
      "layers/hostile",
      "v1",
      filesQuery.parse({ path: "many/d7", limit: "150", cursor: dir.nextCursor }),
    );
    expect(rest.items).toHaveLength(50);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...dir.items, ...rest.items].map((i) => i.path)).size).toBe(200);
    // the server refuses pages above its bound
    expect(() => filesQuery.parse({ limit: "100000" })).toThrow();
  });
});
