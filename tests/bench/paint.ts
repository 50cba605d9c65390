// `npm run bench -- --paint`: how soon the tags page shows its first rows in Chromium, for a
// 3,000-tag repository next to a one-tag repository, through the README's start command (built
// app, embedded Postgres, the server rendering from its cache). Measures; asserts nothing.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { chromium } from "@playwright/test";
import { signInCookie } from "../e2e/accounts";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { startRegistry } from "../fixtures/registry";

const ROOT = path.resolve(__dirname, "../..");
const PORT = Number(process.env.BENCH_PORT ?? 3127);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { username: "bench", password: "bench admin password" };
const TAGS = 3000;
const RUNS = 20;

/**
 * In the page: when the first row's tag link (elementtiming="first-tag-row" in TagTable) was painted, by the
 * browser's Element Timing, in ms from the document's time origin. A string, not a function: the bench's own
 * transpiler must not rewrite the browser's `performance`.
 */
const FIRST_ROW_PAINTED = `new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const row = list.getEntries().find((e) => e.identifier === "first-tag-row");
    if (row) resolve(row.renderTime || row.loadTime);
  }).observe({ type: "element", buffered: true });
  setTimeout(() => resolve(Number.NaN), 5000);
})`;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

async function waitFor<T>(what: string, probe: () => Promise<T | null>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function paintBench(): Promise<void> {
  const registry = await startRegistry({ logLevel: "error" });
  let app: ChildProcess | null = null;
  try {
    const pusher = new RegistryPusher(registry.url);
    // 3,000 tags over 30 images, as a CI registry holds them: versions, sha-*, build-N, latest
    for (let i = 0; i < 30; i++) {
      const tags = Array.from({ length: TAGS / 30 }, (_, j) => {
        const n = i * (TAGS / 30) + j;
        return n % 3 === 0 ? `1.${i}.${j}` : n % 3 === 1 ? `sha-${(n * 2654435761).toString(16).slice(0, 7)}` : `build-${n}`;
      });
      if (i === 29) tags[0] = "latest";
      await pusher.pushImage("paint/app", tags, {
        layers: [await makeLayer([{ path: `app/v${i}`, content: `release ${i}`.repeat(200) }])],
        config: { architecture: "amd64", os: "linux", created: new Date(Date.UTC(2024, 0, 1 + i)).toISOString() },
      });
    }
    await pusher.pushImage("paint/one", ["only"], {
      layers: [await makeLayer([{ path: "one", content: "one" }])],
      config: { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" },
    });

    const dataDir = path.join(ROOT, ".tmp", "bench-paint-data");
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const started = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        PORT: String(PORT),
        REGISTRY_URL: registry.url,
        LAYERSCOPE_DATA_DIR: dataDir,
        DATABASE_URL: "",
        SYNC_INTERVAL_SECONDS: "0",
        LOG_LEVEL: "warn",
        AUTH_SECRET: "bench-paint-auth-secret-0123456789abcdef",
        LAYERSCOPE_ADMIN_USER: ADMIN.username,
        LAYERSCOPE_ADMIN_PASSWORD: ADMIN.password,
      },
    });
    app = started;
    const basic = { authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}` };
    // the first start builds the app when its sources changed (minutes on 2 cores)
    await waitFor("the dashboard", async () => ((await fetch(`${BASE}/api/v1/health`)).ok ? true : null), 900_000);
    await waitFor(
      "the start-up sync",
      async () => {
        const s = (await (await fetch(`${BASE}/api/v1/sync`, { headers: basic })).json()) as { running: boolean; lastRun: unknown };
        return !s.running && s.lastRun ? true : null;
      },
      300_000,
    );
    const cookie = await signInCookie(BASE, ADMIN);

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ ...cookie, domain: "127.0.0.1", path: "/", httpOnly: true, secure: false, sameSite: "Lax" }]);
    const page = await context.newPage();
    const rows: { measure: string; value: string; note: string }[] = [];
    for (const repository of ["paint/app", "paint/one"]) {
      const rowPainted: number[] = [];
      const firstRow: number[] = [];
      const fcp: number[] = [];
      const inApp: number[] = [];
      for (let i = 0; i < RUNS + 5; i++) {
        // each navigation starts from a settled page: the last one's prefetches and background queries are
        // done, as when a user opens a repository (back to back, they would queue on the server)
        await page.waitForLoadState("networkidle");
        const t = performance.now();
        await page.goto(`${BASE}/repositories/${repository}`, { waitUntil: "commit" });
        await page
          .getByRole("table", { name: `Tags of ${repository}` })
          .getByRole("row")
          .nth(1)
          .waitFor();
        const shown = performance.now() - t;
        const painted = (await page.evaluate(FIRST_ROW_PAINTED)) as number;
        // a string, not a function: the bench's own transpiler must not rewrite the browser's `performance`
        const paint = (await page.evaluate(`performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN`)) as number;
        // the first five warm the server's and the browser's caches
        if (i >= 5) {
          rowPainted.push(painted);
          firstRow.push(shown);
          fcp.push(paint);
        }
      }
      // The same page reached as users mostly reach it: a click on its link in the repository list (a client-side
      // navigation: the page's data comes as a React Server Components payload, the scripts are already running).
      for (let i = 0; i < RUNS + 5; i++) {
        await page.goto(`${BASE}/repositories`, { waitUntil: "load" });
        await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
        await page.waitForLoadState("networkidle");
        const link = page.getByRole("link", { name: repository, exact: true }).first();
        // window.performance: the module's own `performance` (node:perf_hooks) would be renamed by its transpiler
        const clickedAt = await link.evaluate((el) => {
          const t = window.performance.now();
          (el as HTMLElement).click();
          return t;
        });
        const painted = (await page.evaluate(FIRST_ROW_PAINTED)) as number;
        if (i >= 5) inApp.push(painted - clickedAt);
      }
      const label = repository === "paint/app" ? `${TAGS} tags` : "one tag";
      rows.push({
        measure: `tags page, ${label}: navigation → first row painted`,
        value: `p95 ${Math.round(percentile(rowPainted, 95))} ms`,
        note: `p50 ${Math.round(percentile(rowPainted, 50))} ms over ${RUNS} full page loads (the browser's Element Timing)`,
      });
      rows.push({
        measure: `tags page, ${label}: click in the repository list → first row painted`,
        value: `p95 ${Math.round(percentile(inApp, 95))} ms`,
        note: `p50 ${Math.round(percentile(inApp, 50))} ms over ${RUNS} client-side navigations (Element Timing)`,
      });
      rows.push({
        measure: `tags page, ${label}: first contentful paint`,
        value: `p95 ${Math.round(percentile(fcp, 95))} ms`,
        note: `p50 ${Math.round(percentile(fcp, 50))} ms over the full page loads (the browser's own measure)`,
      });
      rows.push({
        measure: `tags page, ${label}: navigation → first row found by Playwright`,
        value: `p95 ${Math.round(percentile(firstRow, 95))} ms`,
        note: `p50 ${Math.round(percentile(firstRow, 50))} ms: its polling waits for the page's scripts, so this includes hydration`,
      });
    }
    await browser.close();

    const w = Math.max(...rows.map((r) => r.measure.length)) + 2;
    console.log(`\n| ${"measure".padEnd(w)}| value        | note`);
    console.log(`|${"-".repeat(w + 1)}|--------------|------`);
    for (const r of rows) console.log(`| ${r.measure.padEnd(w)}| ${r.value.padEnd(13)}| ${r.note}`);
    console.log("\ncommand: npm run bench -- --paint");
  } finally {
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app?.once("exit", r));
      app.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    await registry.destroy();
  }
}
