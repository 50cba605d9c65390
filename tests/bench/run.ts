// `npm run bench`: how fast Layerscope's sync and tag listing are, against a naive client in
// the same run (what registry UIs without a cache do: GET every manifest and config each time).
// Prints a table; asserts nothing about speed (tests check correctness, this measures).
// `npm run bench -- --scale` measures a production-size registry instead (tests/bench/scale.ts);
// `npm run bench -- --paint` the tags page's first rows in Chromium (tests/bench/paint.ts).

import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SYSTEM } from "../../lib/auth/caller";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { createLimiter } from "../../lib/services/limit";
import { type LayerFile, MediaType, makeLayer, mapConcurrent, RegistryPusher } from "../fixtures/images";
import { startRegistry } from "../fixtures/registry";
import { seedFoundation } from "../fixtures/scenarios";
import { freshDatabase } from "../integration/helpers";

const ROOT = path.resolve(__dirname, "../..");
const CONCURRENCY = 8;

type Row = { scenario: string; approach: string; ms: number; requests: number; note: string };

/** ~256 MB of tar: 600 files of 400 KiB (half-compressible blocks) and 20,000 small ones. */
async function bigLayer() {
  const files: LayerFile[] = [];
  const block = Buffer.alloc(400 * 1024);
  for (let i = 0; i < 600; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE(j % 8 === 0 ? (i * 2654435761 + j * 40503) >>> 0 : 0, j);
    files.push({ path: `data/part-${i}.bin`, content: Buffer.from(block) });
  }
  for (let i = 0; i < 20_000; i++) files.push({ path: `small/d${i % 200}/f${i}.txt`, content: `file ${i}\n` });
  return makeLayer(files);
}

async function main() {
  const pgDir = path.join(ROOT, ".tmp", "bench-pg");
  rmSync(pgDir, { recursive: true, force: true });
  const pg = await startEmbeddedPostgres(pgDir);
  const registry = await startRegistry();
  const rows: Row[] = [];
  try {
    const seedStart = performance.now();
    const expected = await seedFoundation(registry.url, { manyRepositories: 300, manyTags: 1500 });
    console.log(
      `seeded ${expected.repositoryCount} repositories, ${expected.tagCount} tags in ${Math.round(performance.now() - seedStart)} ms`,
    );

    process.env.REGISTRY_URL = registry.url;
    process.env.DATABASE_URL = await freshDatabase(pg.connectionString, "bench");
    process.env.SYNC_CONCURRENCY = String(CONCURRENCY);
    process.env.LOG_LEVEL = "error";
    const { runSync } = await import("../../lib/services/sync");
    const { listTags } = await import("../../lib/services/repositories");
    const { createRegistryClient } = await import("../../lib/registry/client");
    const { disconnectDb } = await import("../../lib/db/client");

    for (const label of ["cold (empty cache)", "warm (nothing changed)"]) {
      const t = performance.now();
      const run = await runSync("manual");
      rows.push({
        scenario: `full sync, ${label}`,
        approach: "Layerscope",
        ms: performance.now() - t,
        requests: run?.requests ?? -1,
        note: `${run?.manifestsFetched} manifest GETs, ${run?.manifestHeads} HEADs, ${run?.configsFetched} config GETs`,
      });
    }

    // Naive: every repository, every tag, GET manifest (and children) and config, every time.
    let requests = 0;
    const naive = createRegistryClient({ baseUrl: registry.url, onRequest: () => requests++ });
    const limit = createLimiter(CONCURRENCY);
    const naiveTags = async (repo: string) => {
      const tags = await limit(() => naive.listTags(repo));
      await Promise.all(
        tags.map(async (tag) => {
          const m = await limit(() => naive.getManifest(repo, tag));
          const images =
            m.manifest.kind === "index"
              ? await Promise.all(m.manifest.manifests.map((c) => limit(() => naive.getManifest(repo, c.digest))))
              : [m];
          for (const img of images) {
            if (img.manifest.kind === "image") {
              const cfg = img.manifest.config.digest;
              await limit(() => naive.getBlobText(repo, cfg));
            }
          }
        }),
      );
    };
    let t = performance.now();
    const repos = await naive.catalog();
    await Promise.all(repos.map((r) => naiveTags(r)));
    rows.push({
      scenario: "full sync, every run",
      approach: "naive client",
      ms: performance.now() - t,
      requests,
      note: "GET every manifest + config",
    });

    // Listing the 1,500 tags of one repository with sizes, dates and platforms.
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      await listTags(SYSTEM, "big/tags", { sort: "semver", limit: 5000 });
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    rows.push({
      scenario: "list 1,500 tags (sizes, dates)",
      approach: "Layerscope (cache)",
      ms: samples[2] ?? 0,
      requests: 0,
      note: "median of 5",
    });
    requests = 0;
    t = performance.now();
    await naiveTags("big/tags");
    rows.push({
      scenario: "list 1,500 tags (sizes, dates)",
      approach: "naive client",
      ms: performance.now() - t,
      requests,
      note: "tags/list + manifests + configs",
    });

    // ---- deletion preview: every tag of a 3,000-tag repository whose images share layers, and the 50
    // tags matching "rc". Layerscope answers from the cache (one tags/list) and computes the bytes a GC
    // would free in one set-wise query; the previous code HEADed every tag involved and counted the tags
    // reaching each blob.
    {
      const repo = "bench/delete";
      const pusher = new RegistryPusher(registry.url);
      const base = await makeLayer([{ path: "etc/os-release", content: "ID=bench\n" }]);
      const tagNames = Array.from({ length: 3000 }, (_, i) => (i % 60 === 59 ? `1.${i}.0-rc` : `1.${i}.0`));
      for (let m = 0; m < 3; m++) {
        const mine = tagNames.filter((_, i) => i % 3 === m);
        const pushed = await pusher.pushImage(repo, mine.slice(0, 1), {
          layers: [base, await makeLayer([{ path: `app/${m}`, content: String(m).repeat(1000 * (m + 1)) }])],
          config: { architecture: "amd64", os: "linux", created: `2024-02-0${m + 1}T00:00:00Z` },
        });
        // the other tags on the same manifest, CONCURRENCY at a time
        const body = (await pusher.fetchManifest(repo, pushed.digest)).body;
        await mapConcurrent(mine.slice(1), CONCURRENCY, (tag) => pusher.pushManifest(repo, tag, body, MediaType.ociManifest));
      }
      await runSync("manual");
      const { previewDeletion } = await import("../../lib/services/deletions");
      const { blobUsage } = await import("../../lib/services/blob-usage");
      const { getDb } = await import("../../lib/db/client");
      for (const [label, request] of [
        ["preview deleting 3,000 tags", { repository: repo, allTags: true }],
        ['preview deleting the 50 "rc" tags', { repository: repo, tagFilter: "rc" }],
      ] as const) {
        const fast: number[] = [];
        let bytes = 0;
        for (let i = 0; i < 3; i++) {
          t = performance.now();
          const preview = await previewDeletion(SYSTEM, request, { against: "cache" });
          fast.push(performance.now() - t);
          bytes = preview.bytesFreed;
        }
        fast.sort((a, b) => a - b);
        rows.push({
          scenario: label,
          approach: "Layerscope (cache + SQL)",
          ms: fast[1] ?? 0,
          requests: 1,
          note: `median of 3, ${bytes} bytes freed`,
        });
        requests = 0;
        t = performance.now();
        const checked = await previewDeletion(SYSTEM, request);
        const old = await blobUsage(getDb(), checked.manifestsRemoved, checked.tagsRemoved);
        rows.push({
          scenario: label,
          approach: "HEAD per tag (previous)",
          ms: performance.now() - t,
          requests: checked.tagsRemoved.length,
          note: `HEAD every tag involved + per-tag blob count, ${old.bytesFreed} bytes freed`,
        });
      }
    }

    rows.push(...(await layerIndexBench(registry.url)));

    await disconnectDb();
    await naive.close();
  } finally {
    await registry.destroy();
    await pg.stop();
  }

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${pad("scenario", 34)}${pad("approach", 24)}${pad("ms", 10)}${pad("requests", 10)}note`);
  for (const r of rows) {
    console.log(`${pad(r.scenario, 34)}${pad(r.approach, 24)}${pad(String(Math.round(r.ms)), 10)}${pad(String(r.requests), 10)}${r.note}`);
  }
  const warm = rows.find((r) => r.scenario.includes("warm"));
  const naiveRow = rows.find((r) => r.scenario === "full sync, every run");
  if (warm && naiveRow) {
    console.log(
      `\nwarm sync vs naive: ${(naiveRow.ms / warm.ms).toFixed(1)}× faster, ${(naiveRow.requests / Math.max(1, warm.requests)).toFixed(1)}× fewer requests`,
    );
  }
  process.exit(0);
}

/**
 * Layer indexing: a large generated layer through Layerscope's streaming index (download, gunzip, tar parse,
 * sha256 of every file, batched inserts) against `tar -tzf` listing the same blob from a local file. Wall time
 * and CPU time of each: on a loaded machine the CPU ratio is the steadier of the two.
 */
async function layerIndexBench(registryUrl: string): Promise<Row[]> {
  const rows: Row[] = [];
  const big = await bigLayer();
  await new RegistryPusher(registryUrl).pushImage("bench/big-layer", ["v1"], {
    layers: [big],
    config: { architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z" },
  });
  const { markLayersPending, indexLayerBlob } = await import("../../lib/services/layer-index");
  const { getDb } = await import("../../lib/db/client");
  // a running server's worker is warm: its database pool, its connection to the registry and the
  // compiled parser exist before the big layer comes. Index a small layer first, unmeasured.
  const small = await makeLayer([{ path: "warm/up.txt", content: "warm up\n".repeat(1000) }]);
  await new RegistryPusher(registryUrl).pushImage("bench/warm-up", ["v1"], {
    layers: [small],
    config: { architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z" },
  });
  await markLayersPending([{ digest: small.digest, mediaType: small.mediaType, sizeBytes: small.size }], "bench/warm-up");
  await indexLayerBlob(small.digest);
  const mb = big.tar.length / 1024 / 1024;
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const cpu = process.cpuUsage();
  const t = performance.now();
  await markLayersPending([{ digest: big.digest, mediaType: big.mediaType, sizeBytes: big.size }], "bench/big-layer");
  await indexLayerBlob(big.digest);
  const indexMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const indexCpuMs = (used.user + used.system) / 1000;
  clearInterval(sampler);
  const row = await getDb().layerIndex.findUniqueOrThrow({ where: { digest: big.digest } });
  if (row.status !== "done" || !row.contentDigests)
    throw new Error(`bench layer not indexed with digests: ${row.status} ${row.error ?? ""}`);

  const blobFile = path.join(ROOT, ".tmp", "bench-layer.tar.gz");
  writeFileSync(blobFile, big.blob);
  const tarStart = performance.now();
  // `times` prints the CPU time of bash's children (tar and the gzip it runs) on its second line
  const out = execFileSync("bash", ["-c", 'tar -tzf "$1" | wc -l; times', "bash", blobFile], { encoding: "utf8" }).trim().split("\n");
  const tarMs = performance.now() - tarStart;
  rmSync(blobFile, { force: true });
  const listed = Number(out[0]);
  const seconds = (s: string | undefined) =>
    (s ?? "").match(/(\d+)m([\d.]+)s/g)?.reduce((sum, part) => {
      const [, m, sec] = part.match(/(\d+)m([\d.]+)s/) ?? [];
      return sum + Number(m) * 60 + Number(sec);
    }, 0) ?? 0;
  const tarCpuMs = seconds(out[2]) * 1000;

  const rate = (ms: number) => mb / (ms / 1000);
  rows.push({
    scenario: `index a ${Math.round(mb)} MB layer (gzip)`,
    approach: "Layerscope (+sha256)",
    ms: indexMs,
    requests: 1,
    note:
      `${rate(indexMs).toFixed(0)} MB/s of tar with every file hashed (${Math.round((100 * tarMs) / indexMs)}% of tar -tzf), ` +
      `CPU ${Math.round(indexCpuMs)} ms (${Math.round((100 * tarCpuMs) / indexCpuMs)}% of tar's), ` +
      `peak RSS +${Math.round((peakRss - baseRss) / 1024 / 1024)} MB over ${Math.round(baseRss / 1024 / 1024)} MB`,
  });
  rows.push({
    scenario: `index a ${Math.round(mb)} MB layer (gzip)`,
    approach: "tar -tzf (local file)",
    ms: tarMs,
    requests: 0,
    note: `${rate(tarMs).toFixed(0)} MB/s, CPU ${Math.round(tarCpuMs)} ms (tar + gzip), ${listed} entries, blob already on disk`,
  });
  return rows;
}

/** `npm run bench -- --layer-index`: only the layer indexing rows, without seeding the sync scenarios. */
async function layerIndexOnly() {
  const pgDir = path.join(ROOT, ".tmp", "bench-pg");
  rmSync(pgDir, { recursive: true, force: true });
  const pg = await startEmbeddedPostgres(pgDir);
  const registry = await startRegistry();
  let rows: Row[] = [];
  try {
    process.env.REGISTRY_URL = registry.url;
    process.env.DATABASE_URL = await freshDatabase(pg.connectionString, "bench");
    process.env.LOG_LEVEL = "error";
    rows = await layerIndexBench(registry.url);
    const { disconnectDb } = await import("../../lib/db/client");
    await disconnectDb();
  } finally {
    await registry.destroy();
    await pg.stop();
  }
  for (const r of rows) console.log(`${r.scenario.padEnd(34)}${r.approach.padEnd(24)}${String(Math.round(r.ms)).padEnd(10)}${r.note}`);
  process.exit(0);
}

const run = process.argv.includes("--layer-index")
  ? layerIndexOnly
  : process.argv.includes("--scale")
    ? () => import("./scale").then((m) => m.scaleBench()).then(() => process.exit(0))
    : process.argv.includes("--paint")
      ? () => import("./paint").then((m) => m.paintBench()).then(() => process.exit(0))
      : main;
run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
