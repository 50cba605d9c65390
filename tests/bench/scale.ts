// `npm run bench -- --scale [--tags=100000] [--repos=20000] [--pushes=100] [--skip-http]`: Layerscope on a
// production-size registry (issue: the cost of a change, not of the whole registry). Builds the
// registry through its HTTP API (one repository of --tags tags on one image, --repos repositories
// of one tag each by cross-repository mount), then prints one table:
//   cold sync over HTTP next to a naive crawl, cold sync and no-change resync from the storage root,
//   push → visible through real registry notifications, tags API first and deep pages next to a
//   one-tag repository, and this process's RSS (it is the server here).
// Measures only: nothing here asserts a speed.
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SYSTEM } from "../../lib/auth/caller";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { createLimiter } from "../../lib/services/limit";
import { makeLayer, mapConcurrent, RegistryPusher } from "../fixtures/images";
import { startRegistry } from "../fixtures/registry";
import { freshDatabase } from "../integration/helpers";

const ROOT = path.resolve(__dirname, "../..");
const SECRET = "bench-webhook-secret-0123456789abcdef";

function arg(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = raw === undefined ? fallback : Number(raw.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

type Row = { measure: string; value: string; note: string };

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const ms = (x: number) => `${Math.round(x)} ms`;
const secs = (x: number) => `${(x / 1000).toFixed(1)} s`;
const mib = (x: number) => `${Math.round(x / 1024 / 1024)} MiB`;

export async function scaleBench(): Promise<void> {
  const TAGS = arg("tags", 100_000);
  const REPOS = arg("repos", 20_000);
  const PUSHES = arg("pushes", 100);
  const rows: Row[] = [];
  const pg = await startEmbeddedPostgres(path.join(ROOT, ".tmp", "bench-scale-pg"));

  // the registry's notifications reach the webhook route through this server; while the corpus is
  // built they are acknowledged and dropped, so the cold syncs start from an empty cache
  let deliver = false;
  let envelopes = 0;
  let lastEnvelopeAt = 0;
  const hook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      envelopes++;
      lastEnvelopeAt = Date.now();
      if (!deliver) return void res.writeHead(202).end();
      const { NextRequest } = await import("next/server");
      const { POST } = await import("../../app/api/v1/webhooks/registry/route");
      const answer = await POST(
        new NextRequest("http://localhost/api/v1/webhooks/registry", {
          method: "POST",
          headers: { authorization: req.headers.authorization ?? "", "content-type": "application/json" },
          body: Buffer.concat(chunks).toString("utf8"),
        }),
        { params: Promise.resolve({}) },
      );
      res.writeHead(answer.status).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const hookPort = (hook.address() as AddressInfo).port;
  const registry = await startRegistry({
    logLevel: "error",
    extraConfig: {
      notifications: {
        endpoints: [
          {
            name: "layerscope",
            url: `http://127.0.0.1:${hookPort}/api/v1/webhooks/registry`,
            headers: { Authorization: [`Bearer ${SECRET}`] },
            timeout: "2s",
            threshold: 5,
            backoff: "1s",
          },
        ],
      },
    },
  });

  try {
    // ---- the corpus
    let t = performance.now();
    const pusher = new RegistryPusher(registry.url);
    const image = await pusher.pushImage("scale/big", ["seed"], {
      layers: [await makeLayer([{ path: "app/bin", content: "x".repeat(2048) }])],
      config: { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" },
    });
    const tags = Array.from({ length: TAGS - 1 }, (_, i) => (i % 2 === 0 ? `1.${Math.floor(i / 1000)}.${i % 1000}` : `build-${i}`));
    await mapConcurrent(tags, 16, (tag) => pusher.pushManifest("scale/big", tag, image.manifest, image.mediaType));
    const oneSpec = {
      layers: [await makeLayer([{ path: "one", content: "one" }])],
      config: { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" },
    };
    await pusher.pushImage("scale/one", ["only"], oneSpec);
    // every other repository: the same small image, its blobs mounted from scale/one (3 requests each)
    const repoNames = Array.from({ length: Math.max(0, REPOS - 2) }, (_, i) => `fleet/team-${Math.floor(i / 100)}/svc-${i}`);
    await mapConcurrent(repoNames, 16, (name) => pusher.pushImage(name, ["latest"], oneSpec));
    /** Waits until the registry has been silent for 3 s, so that its deliveries do not compete with what is measured. */
    const backlogDrained = async (when: string) => {
      const started = performance.now();
      const before = envelopes;
      while (Date.now() - lastEnvelopeAt < 3000) await new Promise((r) => setTimeout(r, 500));
      rows.push({
        measure: `registry's notification backlog drained, ${when}`,
        value: secs(performance.now() - started),
        note: `${envelopes - before} more envelopes (${envelopes} in all) before the queue was idle for 3 s`,
      });
      console.log(rows.at(-1));
    };
    const totalTags = TAGS + REPOS - 1;
    rows.push({
      measure: "corpus pushed",
      value: secs(performance.now() - t),
      note: `${REPOS} repositories, ${totalTags} tags, one repository of ${TAGS}`,
    });
    console.log(rows.at(-1));

    await backlogDrained("after the corpus");
    process.env.REGISTRY_URL = registry.url;
    process.env.LOG_LEVEL = "error";
    process.env.LAYERSCOPE_WORKERS = "false";
    process.env.LAYERSCOPE_WEBHOOK_SECRET = SECRET;
    process.env.SYNC_CONCURRENCY = "8";
    const { syncRegistry } = await import("../../lib/services/sync-engine/engine");
    const { storageTagDigests } = await import("../../lib/storage/catalog");
    const { createRegistryClient } = await import("../../lib/registry/client");
    const { PrismaClient } = await import("../../lib/db/generated/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const storage = { tagDigests: (r: string) => storageTagDigests(registry.rootDir, r) };

    // ---- cold sync over HTTP, and the naive crawl it is compared with (the longest part: --skip-http leaves it out)
    if (!process.argv.includes("--skip-http")) {
      const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: await freshDatabase(pg.connectionString, "scale_http") }) });
      let requests = 0;
      const client = createRegistryClient({ baseUrl: registry.url, onRequest: () => requests++ });
      t = performance.now();
      const out = await syncRegistry({ db, registry: client, concurrency: 8 });
      rows.push({
        measure: "cold sync over HTTP (Layerscope)",
        value: secs(performance.now() - t),
        note: `${out.status}, ${requests} requests`,
      });
      console.log(rows.at(-1));
      await db.$disconnect();

      let naiveRequests = 0;
      const naive = createRegistryClient({ baseUrl: registry.url, onRequest: () => naiveRequests++ });
      const limit = createLimiter(8);
      t = performance.now();
      // every repository at once through the same limiter as Layerscope's (8 in flight)
      await Promise.all(
        (await naive.catalog()).map(async (repo) => {
          const repoTags = await limit(() => naive.listTags(repo));
          await Promise.all(
            repoTags.map(async (tag) => {
              const m = await limit(() => naive.getManifest(repo, tag));
              if (m.manifest.kind === "image") {
                const cfg = m.manifest.config.digest;
                await limit(() => naive.getBlobText(repo, cfg));
              }
            }),
          );
        }),
      );
      rows.push({
        measure: "cold crawl over HTTP (naive client)",
        value: secs(performance.now() - t),
        note: `${naiveRequests} requests: GET every manifest and config, nothing stored`,
      });
      console.log(rows.at(-1));
    }

    // ---- with the storage root mounted: cold, then nothing changed
    process.env.DATABASE_URL = await freshDatabase(pg.connectionString, "scale_disk");
    const { getDb } = await import("../../lib/db/client");
    const db = getDb();
    for (const label of ["cold sync from the storage root", "no-change resync from the storage root"]) {
      let requests = 0;
      const client = createRegistryClient({ baseUrl: registry.url, onRequest: () => requests++ });
      t = performance.now();
      const out = await syncRegistry({ db, registry: client, concurrency: 8, storage });
      rows.push({
        measure: label,
        value: secs(performance.now() - t),
        note: `${out.status}, ${requests} requests, ${out.counters.tags} tags`,
      });
      console.log(rows.at(-1));
    }
    rows.push({
      measure: "server RSS after the syncs",
      value: mib(process.memoryUsage().rss),
      note: "this process: sync engine, Prisma, pg",
    });

    // The registry sends its events one after another, and the syncs above made hundreds of thousands (a pull
    // for each manifest GET, which the webhook drops as Layerscope's own). This process is also the webhook: let
    // the registry deliver them first, so the latencies below measure the queries, not a flood of envelopes
    // (run M: the first tags page's p95 was 56 ms, p50 5 ms, while 179,433 of them arrived).
    await backlogDrained("before the API latencies");

    // ---- tags API: first and deep pages at TAGS tags, next to a one-tag repository
    const { listTags } = await import("../../lib/services/repositories");
    const { encodeTagCursor } = await import("../../lib/services/cursor");
    const big = await db.repository.findUniqueOrThrow({ where: { name: "scale/big" } });
    const deepIndex = Math.max(0, Math.floor(TAGS * 0.95));
    for (const sort of ["semver", "created"] as const) {
      const orderColumn = sort === "semver" ? "version_key" : "created_at DESC, natural_key";
      const deep = await db.$queryRawUnsafe<{ name: string; created_at: Date | null }[]>(
        `SELECT name, created_at FROM tags WHERE repository_id = $1 ORDER BY ${sort === "semver" ? `${orderColumn} DESC` : orderColumn} OFFSET $2 LIMIT 1`,
        big.id,
        deepIndex,
      );
      const deepCursor = deep[0]
        ? encodeTagCursor({ name: deep[0].name, value: sort === "created" ? (deep[0].created_at?.toISOString() ?? null) : null })
        : undefined;
      const cases = [
        { label: `tags page 1, ${TAGS} tags`, repo: "scale/big", cursor: undefined },
        { label: `tags page at ~${deepIndex}, ${TAGS} tags`, repo: "scale/big", cursor: deepCursor },
        { label: "tags page 1, one-tag repository", repo: "scale/one", cursor: undefined },
      ];
      for (const c of cases) {
        const samples: number[] = [];
        for (let i = 0; i < 60; i++) {
          const s = performance.now();
          await listTags(SYSTEM, c.repo, { sort, limit: 100, cursor: c.cursor });
          samples.push(performance.now() - s);
        }
        rows.push({
          measure: `${c.label}, sort ${sort}`,
          value: `p95 ${ms(percentile(samples.slice(10), 95))}`,
          note: `p50 ${ms(percentile(samples.slice(10), 50))}, 50 calls after 10 warm-up`,
        });
        console.log(rows.at(-1));
      }
    }

    // ---- the namespace tree and the repository list at REPOS repositories, next to the GROUP BY over
    // every repository name that the tree used to run (the naive baseline)
    const { listNamespaces, listRepositories } = await import("../../lib/services/repositories");
    const groupBy = (base: string) =>
      db.$queryRaw`SELECT split_part(substr(name, ${base.length + 1}), '/', 1) AS segment, COUNT(*) AS count
        FROM repositories WHERE starts_with(name, ${base}) GROUP BY 1 ORDER BY 1`;
    const sample = async (label: string, note: string, call: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < 60; i++) {
        const s = performance.now();
        await call();
        samples.push(performance.now() - s);
      }
      rows.push({
        measure: label,
        value: `p95 ${ms(percentile(samples.slice(10), 95))}`,
        note: `p50 ${ms(percentile(samples.slice(10), 50))}; ${note}`,
      });
      console.log(rows.at(-1));
    };
    for (const prefix of ["", "fleet"]) {
      const shown = prefix || "(root)";
      await sample(`namespace level ${shown}, ${REPOS} repositories`, "first page of 200 children", () =>
        listNamespaces(SYSTEM, { prefix }),
      );
      await sample(`naive: GROUP BY every name under ${shown}`, "the tree's previous query", () => groupBy(prefix ? `${prefix}/` : ""));
    }
    await sample(`repository list page 1 by name, ${REPOS} repositories`, "100 rows", () =>
      listRepositories(SYSTEM, { sort: "name", limit: 100 }),
    );
    await sample(`repository search "svc-1999", ${REPOS} repositories`, "100 rows, trigram index", () =>
      listRepositories(SYSTEM, { sort: "name", limit: 100, q: "svc-1999" }),
    );

    // ---- push → visible through the registry's own notifications: after the backlog (drained above, and
    // again here for whatever the latencies' requests added), so a push is not measured behind it.
    await backlogDrained("before the pushes");
    deliver = true;
    const latencies: number[] = [];
    for (let i = 0; i < PUSHES; i++) {
      const tag = `pushed-${i}`;
      const s = performance.now();
      await pusher.pushManifest("scale/big", tag, image.manifest, image.mediaType);
      for (;;) {
        const row = await db.tag.findUnique({
          where: { repositoryId_name: { repositoryId: big.id, name: tag } },
          select: { digest: true },
        });
        if (row) break;
        if (performance.now() - s > 30_000) throw new Error(`${tag} did not become visible within 30 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
      latencies.push(performance.now() - s);
    }
    rows.push({
      measure: `push → visible (${PUSHES} pushes)`,
      value: `p95 ${ms(percentile(latencies, 95))}`,
      note: `p50 ${ms(percentile(latencies, 50))}; PUT answered → tag in the cache, through the registry's notification`,
    });
    rows.push({ measure: "server RSS at the end", value: mib(process.memoryUsage().rss), note: "" });
    // the webhook started the job queue (its fallback drain): stop it before Postgres goes
    const { stopBoss } = await import("../../lib/jobs/queue");
    await stopBoss();
    const { disconnectDb } = await import("../../lib/db/client");
    await disconnectDb();
  } finally {
    await registry.destroy();
    await new Promise((resolve) => hook.close(resolve));
    await pg.stop();
  }

  const w = Math.max(...rows.map((r) => r.measure.length)) + 2;
  console.log(`\n| ${"measure".padEnd(w)}| value       | note`);
  console.log(`|${"-".repeat(w + 1)}|-------------|------`);
  for (const r of rows) console.log(`| ${r.measure.padEnd(w)}| ${r.value.padEnd(12)}| ${r.note}`);
  console.log(`\ncommand: npm run bench -- ${process.argv.slice(2).join(" ")}`);
}
