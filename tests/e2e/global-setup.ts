// Starts what the e2e run drives: a real registry filled with the demo images, and the
// dashboard through the README's own start command (build once, embedded Postgres).
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, type WriteStream, writeFileSync } from "node:fs";
import path from "node:path";
import { generateCosignKey, pushCosignSignature, writePublicKey } from "../fixtures/cosign";
import { MediaType, makeLayer, RegistryPusher, sha256Digest } from "../fixtures/images";
import { startRegistry } from "../fixtures/registry";
import { seedDemo } from "../fixtures/scenarios";
import { makeTar } from "../unit/layers/fixtures";
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
    // the browse spec's long tag list: more tags than the first page and the one behind it, loaded as the user scrolls
    await pusher.pushImage(
      "e2e/many-tags",
      Array.from({ length: 1200 }, (_, i) => `build-${String(i).padStart(4, "0")}`),
      await image("m".repeat(2500)),
    );
    // the browse spec's live tags page: one tag now, a second pushed while the page is open
    await pusher.pushImage("e2e/live", ["v1"], await image("l".repeat(3000)));
    // the hostile-names spec: names that climb out of the root, and a newline that must not pass for a space
    // (a raw tar: makeLayer would strip the leading "/")
    const hostileTar = await makeTar([
      { name: "etc/os-release", content: "ID=hostile\n" },
      { name: "../../escape.txt", content: "x" },
      { name: "/escape-abs.txt", content: "x" },
      { name: "tricky/../../../escape-mid.txt", content: "x" },
      { name: "new\nline.txt", content: "x" },
      { name: "new line.txt", content: "x" },
    ]);
    const hostileConfig = {
      architecture: "amd64",
      os: "linux",
      created: "2024-03-02T00:00:00Z",
      rootfs: { type: "layers", diff_ids: [sha256Digest(hostileTar)] },
    };
    await pusher.pushParts("e2e/hostile", ["1.0"], {
      format: "oci",
      config: { blob: Buffer.from(JSON.stringify(hostileConfig)), mediaType: MediaType.ociConfig },
      layers: [{ blob: hostileTar, mediaType: MediaType.ociLayer }],
    });
    // the broken-image spec: an image whose layer blob is gone from the registry's disk before the app first syncs
    const broken = await pusher.pushImage("e2e/broken", ["1.0"], await image("m".repeat(3500)));
    const missing = broken.layers[0]?.digest.slice("sha256:".length) ?? "";
    rmSync(path.join(registry.rootDir, "docker/registry/v2/blobs/sha256", missing.slice(0, 2), missing), { recursive: true });
    process.env.E2E_BROKEN_LAYER = `sha256:${missing}`;
    // the signatures spec: 1.0 signed by the key the app is given, 2.0 by a key it doesn't know
    const cosignDir = path.join(ROOT, ".tmp", "e2e-cosign");
    rmSync(cosignDir, { recursive: true, force: true });
    mkdirSync(cosignDir, { recursive: true });
    const releaseKey = generateCosignKey("ecdsa-p256");
    const cosignKeyFile = writePublicKey(cosignDir, "release.pub", releaseKey);
    const signedV1 = await pusher.pushImage("e2e/signed", ["1.0"], await image("s".repeat(3000)));
    const signedV2 = await pusher.pushImage("e2e/signed", ["2.0"], await image("t".repeat(3000)));
    await pushCosignSignature(pusher, signedV1, releaseKey);
    await pushCosignSignature(pusher, signedV2, generateCosignKey("ecdsa-p256"));
    process.env.E2E_REGISTRY_URL = registry.url;
    process.env.E2E_REGISTRY_PIDFILE = pidFile;
    // the outage spec stops the registry by pid (it runs last)
    process.env.E2E_REGISTRY_PID = String(registry.pid);

    const dataDir = path.join(ROOT, ".tmp", "e2e-data");
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    // one process, as `npm start` runs it: tsx's CLI wrapper SIGKILLs its child when the child does not confirm a
    // relayed SIGTERM within 30 ms (a loaded machine), which left the embedded Postgres running after the run
    const started = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
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
        COSIGN_PUBLIC_KEYS: cosignKeyFile,
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
