// `npm run bench`: how fast Layerscope's sync and tag listing are, against a naive client in
// the same run (what registry UIs without a cache do: GET every manifest and config each time).
// Prints a table; asserts nothing about speed (tests check correctness, this measures).
// `npm run bench -- --scale` measures a production-size registry instead (tests/bench/scale.ts).

import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SYSTEM } from "../../lib/auth/caller";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { createLimiter } from "../../lib/services/limit";
import { type LayerFile, makeLayer, RegistryPusher } from "../fixtures/images";
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

    // ---- layer indexing: a large generated layer, Layerscope's streaming index vs `tar -tzf`
    const big = await bigLayer();
    await new RegistryPusher(registry.url).pushImage("bench/big-layer", ["v1"], {
      layers: [big],
      config: { architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z" },
    });
    const { markLayersPending, indexLayerBlob } = await import("../../lib/services/layer-index");
    const mb = big.tar.length / 1024 / 1024;
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    t = performance.now();
    await markLayersPending([{ digest: big.digest, mediaType: big.mediaType, sizeBytes: big.size }], "bench/big-layer");
    await indexLayerBlob(big.digest);
    const indexMs = performance.now() - t;
    clearInterval(sampler);
    rows.push({
      scenario: `index a ${Math.round(mb)} MB layer (gzip)`,
      approach: "Layerscope (stream)",
      ms: indexMs,
      requests: 1,
      note: `${(mb / (indexMs / 1000)).toFixed(0)} MB/s of tar, peak RSS +${Math.round((peakRss - baseRss) / 1024 / 1024)} MB over ${Math.round(baseRss / 1024 / 1024)} MB`,
    });
    const blobFile = path.join(ROOT, ".tmp", "bench-layer.tar.gz");
    writeFileSync(blobFile, big.blob);
    t = performance.now();
    const listed =
      execFileSync("tar", ["-tzf", blobFile], { maxBuffer: 512 * 1024 * 1024 })
        .toString()
        .split("\n").length - 1;
    const tarMs = performance.now() - t;
    rmSync(blobFile, { force: true });
    rows.push({
      scenario: `index a ${Math.round(mb)} MB layer (gzip)`,
      approach: "tar -tzf (local file)",
      ms: tarMs,
      requests: 0,
      note: `${(mb / (tarMs / 1000)).toFixed(0)} MB/s, ${listed} entries, blob already on disk`,
    });

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

const run = process.argv.includes("--scale") ? () => import("./scale").then((m) => m.scaleBench()).then(() => process.exit(0)) : main;
run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
