// Starts what the e2e run drives: a real registry filled with the demo images, and the
// dashboard through the README's own start command (build once, embedded Postgres).
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, type WriteStream, writeFileSync } from "node:fs";
import path from "node:path";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { startRegistry } from "../fixtures/registry";
import { seedDemo } from "../fixtures/scenarios";
import { E2E, signInCookie } from "./accounts";

const ROOT = path.resolve(__dirname, "../..");

/** Ends a wait at once (other probe errors are retried until the deadline). */
class StartFailed extends Error {}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch((e: unknown) => {
      if (e instanceof StartFailed) throw e;
      return null;
    });
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const port = Number(process.env.E2E_PORT ?? 3107);
  const registry = await startRegistry();
  // a real GC stops the registry (pre-command) and starts a new process (post-command) that writes this file
  const pidFile = path.join(registry.rootDir, "restarted.pid");
  let app: ChildProcess | null = null;
  let log: WriteStream | null = null;

  const teardown = async () => {
    const running = app;
    if (running && running.exitCode === null && running.signalCode === null) {
      running.kill("SIGTERM");
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          running.kill("SIGKILL");
          resolve();
        }, 15_000);
        running.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    log?.end();
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, "utf8").trim()));
      } catch {
        // already stopped (the outage spec stops it)
      }
    }
    await registry.destroy();
  };

  try {
    await seedDemo(registry.url);
    // the delete spec's repository: two tags on one digest (registry 2.x deletes both) and a third
    const pusher = new RegistryPusher(registry.url);
    const image = (content: string) =>
      makeLayer([{ path: "delete-me.txt", content }]).then((layer) => ({
        layers: [layer],
        config: { architecture: "amd64", os: "linux", created: "2024-03-01T00:00:00Z" },
      }));
    await pusher.pushImage("e2e/delete-me", ["a", "b"], await image("a".repeat(4000)));
    await pusher.pushImage("e2e/delete-me", ["c"], await image("c".repeat(5000)));
    process.env.E2E_REGISTRY_URL = registry.url;
    process.env.E2E_REGISTRY_PIDFILE = pidFile;
    // the outage spec stops the registry by pid (it runs last)
    process.env.E2E_REGISTRY_PID = String(registry.pid);

    const dataDir = path.join(ROOT, ".tmp", "e2e-data");
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const started = spawn(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "lib/cli/start.ts"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PORT: String(port),
        REGISTRY_URL: registry.url,
        LAYERSCOPE_DATA_DIR: dataDir,
        DATABASE_URL: "",
        SYNC_INTERVAL_SECONDS: "0",
        // the layers spec watches an image being indexed on demand
        LAYER_INDEX_BACKGROUND: "false",
        // garbage collection with the exec runner on this host, as the README's first setup
        REGISTRY_STORAGE_ROOT: registry.rootDir,
        GC_RUNNER: "exec",
        GC_REGISTRY_BINARY: registry.binaryPath,
        GC_REGISTRY_CONFIG: registry.configPath,
        GC_PRE_COMMAND: `PID=$(cat ${pidFile} 2>/dev/null || echo ${registry.pid}); kill $PID; while kill -0 $PID 2>/dev/null; do sleep 0.05; done`,
        GC_POST_COMMAND: `${registry.binaryPath} serve ${registry.configPath} >> ${registry.logPath} 2>&1 & echo $! > ${pidFile}; sleep 1`,
        LOG_LEVEL: "info",
        // secrets the security spec looks for in the client bundles and the server log; the
        // registry has no auth, so it ignores the credentials the client sends
        ...E2E.secrets,
        LAYERSCOPE_ADMIN_USER: E2E.admin.username,
        LAYERSCOPE_ADMIN_PASSWORD: E2E.admin.password,
      },
    });
    app = started;
    // the server's output goes to the terminal and to a file the security spec reads
    const out = createWriteStream(E2E.serverLog);
    log = out;
    for (const stream of [started.stdout, started.stderr]) {
      stream?.on("data", (chunk: Buffer) => {
        process.stdout.write(chunk);
        out.write(chunk);
      });
    }
    const base = `http://127.0.0.1:${port}`;
    const admin = { authorization: `Basic ${Buffer.from(`${E2E.admin.username}:${E2E.admin.password}`).toString("base64")}` };
    // the first start may build the app (a minute or two on 2 cores); a start that fails (a build
    // error, a port in use) ends the wait at once
    await waitFor(
      "the dashboard to answer",
      async () => {
        if (started.exitCode !== null || started.signalCode !== null) {
          throw new StartFailed(`the dashboard exited (${started.exitCode ?? started.signalCode}) before answering: see its output above`);
        }
        return (await fetch(`${base}/api/v1/health`)).ok ? true : null;
      },
      600_000,
    );
    await waitFor(
      "the start-up sync to finish",
      async () => {
        const s = (await (await fetch(`${base}/api/v1/sync`, { headers: admin })).json()) as {
          running: boolean;
          lastRun: { status: string } | null;
        };
        return !s.running && s.lastRun ? s.lastRun : null;
      },
      120_000,
    );
    // a viewer for the role specs, and a signed-in browser state for each account
    const created = await fetch(`${base}/api/v1/users`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ username: E2E.viewer.username, password: E2E.viewer.password, role: "viewer" }),
    });
    if (created.status !== 201) throw new Error(`could not create the e2e viewer: ${created.status} ${await created.text()}`);
    mkdirSync(path.dirname(E2E.adminState), { recursive: true });
    for (const [account, file] of [
      [E2E.admin, E2E.adminState],
      [E2E.viewer, E2E.viewerState],
    ] as const) {
      const cookie = await signInCookie(base, account);
      writeFileSync(
        file,
        JSON.stringify({
          cookies: [{ ...cookie, domain: "127.0.0.1", path: "/", expires: -1, httpOnly: true, secure: false, sameSite: "Lax" }],
          origins: [],
        }),
      );
    }
  } catch (e) {
    // Playwright runs no teardown when the setup throws: stop the app and the registry here, so
    // the next run does not find the port taken
    await teardown();
    throw e;
  }
  return teardown;
}
