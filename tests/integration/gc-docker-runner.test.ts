// The Docker GC runner against a real Docker Engine API: podman 4.3's `system service` (Docker API 1.41), serving a
// container that runs Debian's docker-registry 2.8.2 with its storage bind-mounted from the host, so the test can
// look at the blob files. Skipped when podman is not installed (`apt-get install -y podman runc`).
//
// Workarounds this machine needs (tests/PLATFORM-NOTES): runc instead of crun, fixed ulimits, cgroupfs; all podman
// state lives in a private folder (vfs storage: no overlay mounts to undo) and the container uses the host network
// (no netavark firewall rules). The image is an empty rootfs; the registry binary and its shared libraries are
// bind-mounted from the host.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, existsSync, constants as fsConstants, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { createServer, request, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerGcRunner } from "../../lib/gc/docker-runner";
import { dockerFrame } from "../../lib/gc/docker-stream";
import { GcOutputParser, type GcProgress } from "../../lib/gc/output";
import type { GcPhase, GcRunResult } from "../../lib/gc/runner";
import { makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { buildRegistryConfig, findFreePort } from "../fixtures/registry";

const execFileAsync = promisify(execFile);

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, name), fsConstants.X_OK);
      return path.join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

const podman = onPath("podman");
const registryBinary = onPath("docker-registry") ?? onPath("registry");
const runc = onPath("runc");
const missing = [
  podman && runc ? null : "podman and runc (apt-get install -y podman runc)",
  registryBinary ? null : "docker-registry",
].filter(Boolean);
const title = missing.length
  ? `docker GC runner via podman's Docker API — skipped: ${missing.join(" and ")} not installed`
  : "docker GC runner via podman's Docker API";

const CONTAINER_CONFIG = "/etc/docker/registry/config.yml";
const CONTAINER_STORAGE = "/var/lib/registry";

let stateDir = "";
let socketPath = "";
let dataDir = "";
let registryUrl = "";
let container = "";
let service: ReturnType<typeof spawn> | null = null;
let podmanArgs: string[] = [];
let podmanEnv: NodeJS.ProcessEnv = process.env;
let pusher: RegistryPusher;
let kept: PushedManifest;
let orphans: string[] = [];
const timings: Record<string, number> = {};

async function podmanRun(args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(podman ?? "podman", [...podmanArgs, ...args], { env: podmanEnv });
  return stdout.trim();
}

/** The dynamic loader and libraries the registry binary needs, to bind-mount them at the same paths. */
async function sharedLibraries(binary: string): Promise<string[]> {
  try {
    const { stdout } = await execFileAsync("ldd", [binary]);
    return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1] ?? "").filter(Boolean);
  } catch {
    return []; // a static binary: "not a dynamic executable"
  }
}

function engineGet(pathname: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: pathname, headers: { host: "docker" }, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function registryAnswers(): Promise<boolean> {
  try {
    const res = await fetch(`${registryUrl}/v2/`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function blobFile(digest: string): string {
  const hex = digest.slice("sha256:".length);
  return path.join(dataDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

async function run(
  runner: DockerGcRunner,
  dryRun: boolean,
): Promise<{ result: GcRunResult; progress: GcProgress; phases: GcPhase[]; ms: number }> {
  const parser = new GcOutputParser();
  const phases: GcPhase[] = [];
  const started = Date.now();
  const result = await runner.run({ dryRun, onLine: (line, stream) => parser.push(line, stream), onPhase: (p) => phases.push(p) });
  return { result, progress: parser.snapshot(), phases, ms: Date.now() - started };
}

/** Status and body size of a blob GET; bytes -1 when the registry closed the connection mid-body. */
async function blobStatus(repository: string, digest: string): Promise<{ status: number; bytes: number }> {
  const res = await pusher.request(`/v2/${repository}/blobs/${digest}`);
  try {
    return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
  } catch {
    return { status: res.status, bytes: -1 };
  }
}

async function pushOrphans(repository: string): Promise<string[]> {
  const config = { architecture: "amd64", os: "linux", created: "2024-08-01T00:00:00Z" };
  const own = await makeLayer([{ path: `${repository}.txt`, content: `only in ${repository}` }]);
  const image = await pusher.pushImage(repository, ["tmp"], { layers: [own], config });
  await pusher.deleteManifest(repository, image.digest);
  return [image.digest, image.configDigest, own.digest].sort();
}

beforeAll(async () => {
  if (missing.length) return;
  const t0 = Date.now();
  // short: conmon's attach socket path must stay under the unix socket limit
  stateDir = await mkdtemp(path.join(tmpdir(), "lsgc-"));
  const conf = path.join(stateDir, "containers.conf");
  await writeFile(
    conf,
    [
      "[containers]",
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      "[engine]",
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      "",
    ].join("\n"),
  );
  podmanEnv = { ...process.env, CONTAINERS_CONF: conf };
  podmanArgs = [
    "--root",
    path.join(stateDir, "root"),
    "--runroot",
    path.join(stateDir, "run"),
    "--tmpdir",
    path.join(stateDir, "tmp"),
    "--network-config-dir",
    path.join(stateDir, "net"),
    "--storage-driver",
    "vfs",
  ];

  // an image with nothing but empty folders
  const rootfs = path.join(stateDir, "rootfs");
  for (const dir of ["etc/docker/registry", "var/lib/registry", "tmp", "proc", "sys", "dev"]) {
    await mkdir(path.join(rootfs, dir), { recursive: true });
  }
  await execFileAsync("tar", ["-C", rootfs, "-cf", path.join(stateDir, "rootfs.tar"), "."]);
  const image = `localhost/layerscope-gc-test:${randomBytes(4).toString("hex")}`;
  await podmanRun(["import", path.join(stateDir, "rootfs.tar"), image]);
  timings.import = Date.now() - t0;

  dataDir = path.join(stateDir, "data");
  await mkdir(dataDir);
  const port = await findFreePort();
  registryUrl = `http://127.0.0.1:${port}`;
  const configFile = path.join(stateDir, "config.yml");
  await writeFile(
    configFile,
    buildRegistryConfig({
      rootDir: CONTAINER_STORAGE,
      port,
      deleteEnabled: true,
      readOnly: false,
      catalogMaxEntries: 1000,
      logLevel: "info",
      htpasswdPath: null,
    }),
  );
  const binds = [
    `${await realpath(registryBinary ?? "")}:/bin/registry:ro`,
    ...(await Promise.all((await sharedLibraries(registryBinary ?? "")).map(async (lib) => `${await realpath(lib)}:${lib}:ro`))),
    `${dataDir}:${CONTAINER_STORAGE}`,
    `${configFile}:${CONTAINER_CONFIG}:ro`,
  ];
  container = `layerscope-gc-${randomBytes(4).toString("hex")}`;
  await podmanRun([
    "run",
    "-d",
    "--name",
    container,
    "--network",
    "host",
    ...binds.flatMap((b) => ["-v", b]),
    image,
    "/bin/registry",
    "serve",
    CONTAINER_CONFIG,
  ]);
  timings.containerStarted = Date.now() - t0;

  socketPath = path.join(stateDir, "engine.sock");
  service = spawn(podman ?? "podman", [...podmanArgs, "system", "service", "--time=0", `unix://${socketPath}`], {
    env: podmanEnv,
    stdio: "ignore",
  });
  await waitFor("the podman API socket", async () => (await engineGet("/v1.41/_ping")) === 200);
  await waitFor("the registry in the container", registryAnswers);
  timings.ready = Date.now() - t0;

  pusher = new RegistryPusher(registryUrl);
  const shared = await makeLayer([{ path: "shared.txt", content: "kept" }]);
  kept = await pusher.pushImage("docker/app", ["stable"], {
    layers: [shared],
    config: { architecture: "amd64", os: "linux", created: "2024-08-01T00:00:00Z" },
  });
  orphans = await pushOrphans("docker/old");
}, 180_000);

afterAll(async () => {
  if (!stateDir) return;
  const t0 = Date.now();
  if (container) await podmanRun(["rm", "-f", "-t", "1", container]).catch(() => "");
  if (service?.pid !== undefined) {
    service.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
  }
  // conmon stays behind for each exec (--exit-delay 300): end the ones of this test, found by our private state dir
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes(stateDir) && Number(pid) !== process.pid) process.kill(Number(pid), "SIGTERM");
    } catch {
      // gone already, or not ours to read
    }
  }
  await rm(stateDir, { recursive: true, force: true });
  timings.teardown = Date.now() - t0;
  console.log(`podman timings (ms): ${JSON.stringify(timings)}`);
});

describe.skipIf(missing.length > 0)(title, () => {
  it("dry run: exec inside the container, demultiplexed output parsed, nothing deleted, no restart", async () => {
    const r = await run(new DockerGcRunner({ socketPath, container }), true);
    expect(r.result).toEqual({ exitCode: 0, failedPhase: null, error: null });
    expect(r.phases).toEqual(["garbage-collect"]);
    expect(r.progress.summarySeen).toBe(true);
    expect([...r.progress.eligibleBlobs].sort()).toEqual(orphans);
    for (const digest of orphans) expect(existsSync(blobFile(digest))).toBe(true);
    timings.dryRun = r.ms;
  });

  it("without the restart, 2.8 keeps answering 200 for a collected blob (in-memory descriptor cache), with no body", async () => {
    const [, configDigest] = orphans;
    if (!configDigest) throw new Error("no orphans");
    expect((await blobStatus("docker/old", configDigest)).status).toBe(200);
    const r = await run(new DockerGcRunner({ socketPath, container, restart: false }), false);
    expect(r.result.exitCode).toBe(0);
    expect(r.phases).toEqual(["garbage-collect"]);
    expect(r.progress.blobsDeleted).toBe(orphans.length);
    expect([...r.progress.deletedBlobs].sort()).toEqual(orphans);
    for (const digest of orphans) expect(existsSync(blobFile(digest))).toBe(false);
    // 200 and the old Content-Length from the cache, then no body: the connection closes (an empty 200 for HEAD)
    const stale = await blobStatus("docker/old", configDigest);
    expect(stale.status).toBe(200);
    expect(stale.bytes).toBeLessThanOrEqual(0);
    timings.realRunNoRestart = r.ms;
  });

  it("real run restarts the container: orphans are gone from disk and answer 404, kept content serves", async () => {
    const fresh = await pushOrphans("docker/older");
    const r = await run(new DockerGcRunner({ socketPath, container }), false);
    expect(r.result).toEqual({ exitCode: 0, failedPhase: null, error: null });
    expect(r.phases).toEqual(["garbage-collect", "restart"]);
    expect([...r.progress.deletedBlobs].sort()).toEqual(fresh);
    for (const digest of fresh) expect(existsSync(blobFile(digest))).toBe(false);
    timings.realRunWithRestart = r.ms;

    await waitFor("the registry after the restart", registryAnswers);
    for (const digest of [...orphans, ...fresh]) {
      const repository = orphans.includes(digest) ? "docker/old" : "docker/older";
      expect((await blobStatus(repository, digest)).status).toBe(404);
    }
    expect((await pusher.fetchManifest("docker/app", "stable")).status).toBe(200);
    const layer = kept.layers[0];
    if (!layer) throw new Error("kept image has no layer");
    expect(await blobStatus("docker/app", layer.digest)).toEqual({ status: 200, bytes: layer.size });
  });

  it("reports GC's own exit code and stderr tail when the command fails inside the container", async () => {
    const runner = new DockerGcRunner({
      socketPath,
      container,
      command: ["registry", "garbage-collect", "/etc/docker/registry/missing.yml"],
    });
    const r = await run(runner, true);
    expect(r.result).toMatchObject({ exitCode: 1, failedPhase: "garbage-collect" });
    expect(r.result.error).toContain("configuration error: open /etc/docker/registry/missing.yml");
    expect(r.progress.failure).toMatch(/^configuration error/);
  });

  it("fails cleanly, without a restart, for a container that does not exist", async () => {
    const r = await run(new DockerGcRunner({ socketPath, container: "no-such-registry" }), false);
    expect(r.result.failedPhase).toBe("garbage-collect");
    expect(r.result.error).toMatch(/HTTP 404 .*no such container/i);
    expect(r.phases).toEqual(["garbage-collect"]);
  });

  it("fails cleanly when the engine socket is missing", async () => {
    const r = await run(new DockerGcRunner({ socketPath: path.join(stateDir, "nothing.sock"), container }), true);
    expect(r.result.failedPhase).toBe("garbage-collect");
    expect(r.result.error).toMatch(/ENOENT/);
  });
});

// A fake engine on a unix socket for what a real one cannot be made to do on cue: a GC that never ends.
describe("docker GC runner against a scripted engine", () => {
  interface Calls {
    restarts: number;
    execCreate: unknown[];
  }

  async function fakeEngine(options: {
    execStart: (res: ServerResponse) => void;
    running?: boolean;
  }): Promise<{ socket: string; calls: Calls; close(): Promise<void> }> {
    const dir = await mkdtemp(path.join(tmpdir(), "lsgc-fake-"));
    const socket = path.join(dir, "engine.sock");
    const calls: Calls = { restarts: 0, execCreate: [] };
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const url = req.url ?? "";
        const json = (status: number, body: unknown) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        if (req.method === "GET" && url === "/v1.41/containers/reg/json") {
          json(200, {
            Id: "c0ffee",
            State: { Running: options.running ?? true, Status: options.running === false ? "exited" : "running" },
          });
        } else if (req.method === "POST" && url === "/v1.41/containers/c0ffee/exec") {
          calls.execCreate.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          json(201, { Id: "e1" });
        } else if (req.method === "POST" && url === "/v1.41/exec/e1/start") {
          options.execStart(res);
        } else if (req.method === "GET" && url === "/v1.41/exec/e1/json") {
          json(200, { Running: false, ExitCode: 0 });
        } else if (req.method === "POST" && url.startsWith("/v1.41/containers/reg/restart")) {
          calls.restarts++;
          res.writeHead(204).end();
        } else {
          json(404, { message: `unexpected ${req.method} ${url}` });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    return {
      socket,
      calls,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  /** Starts the stream and prints one marking line, then hangs like a GC walking a huge repository. */
  const hanging = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/vnd.docker.multiplexed-stream" });
    res.write(dockerFrame("stdout", "big/repo\n"));
  };

  it("sends a non-TTY exec of the configured command with --dry-run after garbage-collect", async () => {
    const engine = await fakeEngine({
      execStart: (res) => {
        res.writeHead(200, { "content-type": "application/vnd.docker.raw-stream" });
        res.end(Buffer.concat([dockerFrame("stdout", "0 blobs marked, 0 blobs and 0 manifests eligible for deletion\n")]));
      },
    });
    try {
      const runner = new DockerGcRunner({
        socketPath: engine.socket,
        container: "reg",
        command: ["/bin/registry", "garbage-collect", "/c.yml"],
      });
      const r = await run(runner, true);
      expect(r.result.exitCode).toBe(0);
      expect(r.progress.summarySeen).toBe(true);
      expect(engine.calls.execCreate).toEqual([
        {
          AttachStdin: false,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          Cmd: ["/bin/registry", "garbage-collect", "--dry-run", "/c.yml"],
        },
      ]);
      expect(engine.calls.restarts).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it("aborting a real run restarts the container, the only way to stop an exec", async () => {
    const engine = await fakeEngine({ execStart: hanging });
    try {
      const controller = new AbortController();
      const lines: string[] = [];
      const phases: GcPhase[] = [];
      const result = await new DockerGcRunner({ socketPath: engine.socket, container: "reg" }).run({
        dryRun: false,
        signal: controller.signal,
        onPhase: (p) => phases.push(p),
        onLine: (line) => {
          lines.push(line);
          controller.abort(new Error("cancelled by admin"));
        },
      });
      expect(lines).toEqual(["big/repo"]);
      expect(result).toMatchObject({ exitCode: 130, failedPhase: "garbage-collect" });
      expect(result.error).toContain("cancelled by admin");
      expect(phases).toEqual(["garbage-collect", "restart"]);
      expect(engine.calls.restarts).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it("a timed-out dry run detaches without restarting", async () => {
    const engine = await fakeEngine({ execStart: hanging });
    try {
      const r = await run(new DockerGcRunner({ socketPath: engine.socket, container: "reg", timeoutMs: 300 }), true);
      expect(r.result.exitCode).toBe(130);
      expect(r.result.error).toMatch(/timed out after 300 ms.*may still finish/);
      expect(engine.calls.restarts).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it("refuses a TTY-style raw body instead of parsing garbage", async () => {
    const engine = await fakeEngine({
      execStart: (res) => {
        res.writeHead(200, { "content-type": "application/vnd.docker.raw-stream" });
        res.end("team/app\nteam/app: marking manifest sha256:…\n");
      },
    });
    try {
      const r = await run(new DockerGcRunner({ socketPath: engine.socket, container: "reg" }), true);
      expect(r.result.failedPhase).toBe("garbage-collect");
      expect(r.result.error).toMatch(/not a multiplexed stream/);
    } finally {
      await engine.close();
    }
  });

  it("does not exec in a stopped container", async () => {
    const engine = await fakeEngine({ execStart: hanging, running: false });
    try {
      const r = await run(new DockerGcRunner({ socketPath: engine.socket, container: "reg" }), false);
      expect(r.result.error).toBe("container reg is not running (exited)");
      expect(engine.calls.execCreate).toEqual([]);
      expect(engine.calls.restarts).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
