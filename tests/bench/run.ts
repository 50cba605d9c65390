// `npm run bench`: how fast Layerscope's sync and tag listing are, against a naive client in
// the same run (what registry UIs without a cache do: GET every manifest and config each time).
// Prints a table; asserts nothing about speed (tests check correctness, this measures).

import { rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SYSTEM } from "../../lib/auth/caller";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { createLimiter } from "../../lib/services/limit";
import { startRegistry } from "../fixtures/registry";
import { seedFoundation } from "../fixtures/scenarios";
import { freshDatabase } from "../integration/helpers";

const ROOT = path.resolve(__dirname, "../..");
const CONCURRENCY = 8;

type Row = { scenario: string; approach: string; ms: number; requests: number; note: string };

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

    await disconnectDb();
    await naive.close();
  } finally {
    await registry.destroy();
    await pg.stop();
  }

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${pad("scenario", 34)}${pad("approach", 22)}${pad("ms", 10)}${pad("requests", 10)}note`);
  for (const r of rows) {
    console.log(`${pad(r.scenario, 34)}${pad(r.approach, 22)}${pad(String(Math.round(r.ms)), 10)}${pad(String(r.requests), 10)}${r.note}`);
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

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
