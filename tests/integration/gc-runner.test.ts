// The exec and webhook GC runners against a real Debian docker-registry 2.8.2: an image whose manifest was deleted
// by digest leaves its config, its unshared layer and the manifest blob behind; GC must find exactly those.
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { ExecGcRunner } from "../../lib/gc/exec-runner";
import { GcOutputParser, type GcProgress } from "../../lib/gc/output";
import type { GcPhase, GcRunner, GcRunResult } from "../../lib/gc/runner";
import { WEBHOOK_SECRET_HEADER, WebhookGcRunner } from "../../lib/gc/webhook-runner";
import { makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { findRegistryBinary, type RunningRegistry, startRegistry } from "../fixtures/registry";
import { closeServers, configureEnv, freshDatabase } from "./helpers";
import { callRoute, ROOT } from "./route-harness";

let registryBinary: string | null = null;
try {
  registryBinary = findRegistryBinary();
} catch {
  registryBinary = null;
}

let registry: RunningRegistry;
let pusher: RegistryPusher;
let kept: PushedManifest;
let deleted: PushedManifest;
/** The blobs only the deleted manifest referenced: its config, its own layer, and the manifest blob itself. */
let orphans: string[];
let workDir: string;

function blobFile(digest: string): string {
  const hex = digest.slice("sha256:".length);
  return path.join(registry.rootDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

interface Run {
  result: GcRunResult;
  progress: GcProgress;
  phases: GcPhase[];
  lines: string[];
  ms: number;
}

async function run(runner: GcRunner, dryRun: boolean, signal?: AbortSignal): Promise<Run> {
  const parser = new GcOutputParser();
  const phases: GcPhase[] = [];
  const lines: string[] = [];
  let phase: GcPhase | null = null;
  const started = Date.now();
  const result = await runner.run({
    dryRun,
    signal,
    onPhase: (p) => {
      phase = p;
      phases.push(p);
    },
    onLine: (line, stream) => {
      lines.push(`${phase}/${stream}: ${line}`);
      if (phase === "garbage-collect") parser.push(line, stream);
    },
  });
  return { result, progress: parser.snapshot(), phases, lines, ms: Date.now() - started };
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/** The server's secrets, as the environment hands them to Layerscope: GC and its hooks must never see or print them. */
const SERVER_SECRETS = {
  AUTH_SECRET: "gc-env-auth-secret-4f1c9a7e2b6d8e0f3a5c",
  LAYERSCOPE_ADMIN_PASSWORD: "gc-env-admin-password-81d3",
  OIDC_CLIENT_SECRET: "gc-env-oidc-client-secret-2c7e",
  LAYERSCOPE_WEBHOOK_SECRET: "gc-env-notification-secret-6a90",
  REGISTRY_PASSWORD: "gc-env-registry-password-b53f",
  GC_WEBHOOK_SECRET: "webhook-shared-secret-0123456789",
};

/** Stands in for the registry binary in the environment tests: prints its environment, then a GC summary. */
async function envPrintingBinary(dir: string): Promise<string> {
  const file = path.join(dir, "env-registry");
  await writeFile(file, '#!/bin/sh\nenv\necho "0 blobs marked, 0 blobs and 0 manifests eligible for deletion"\n');
  await chmod(file, 0o755);
  return file;
}

beforeAll(async () => {
  if (!registryBinary) return;
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  workDir = await mkdtemp(path.join(tmpdir(), "layerscope-gc-"));
  // the webhook runner's mailbox is a Postgres row, filled by the real callback route
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "gc_runner"),
    LOG_LEVEL: "error",
    ...SERVER_SECRETS,
    REGISTRY_USERNAME: "gc-env-user",
    LAYERSCOPE_ADMIN_USER: "admin",
    OIDC_ISSUER: "https://sso.example.com",
    OIDC_CLIENT_ID: "layerscope",
    // the service-level run below (the other tests build their runners themselves)
    GC_RUNNER: "exec",
    GC_REGISTRY_BINARY: await envPrintingBinary(workDir),
    GC_REGISTRY_CONFIG: "/dev/null",
    GC_PRE_COMMAND: "env",
    // an operator's hook that has a secret written into it: the log shows it blanked out
    GC_POST_COMMAND: `env; echo "post-command used ${SERVER_SECRETS.LAYERSCOPE_ADMIN_PASSWORD}"`,
    GC_ENV_PASSTHROUGH: "GC_TEST_OPT_IN",
    GC_TEST_OPT_IN: "opted-in-value",
  });
  const shared = await makeLayer([{ path: "shared.txt", content: "in both images" }]);
  const own = await makeLayer([{ path: "own.txt", content: "only in the deleted image" }]);
  const config = { architecture: "amd64", os: "linux", created: "2024-05-01T00:00:00Z" };
  kept = await pusher.pushImage("gc/app", ["stable"], { layers: [shared], config });
  deleted = await pusher.pushImage("gc/app", ["old"], { layers: [shared, own], config: { ...config, created: "2024-04-01T00:00:00Z" } });
  await pusher.pushImage("gc/other", ["v1"], { layers: [shared], config: { ...config, created: "2024-06-01T00:00:00Z" } });
  await pusher.deleteManifest("gc/app", deleted.digest);
  orphans = sorted([deleted.digest, deleted.configDigest, own.digest]);
}, 120_000);

afterAll(async () => {
  await registry?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe.skipIf(!registryBinary)("exec GC runner against docker-registry", () => {
  const marker = (name: string) => path.join(workDir, name);

  function execRunner(overrides: Partial<ConstructorParameters<typeof ExecGcRunner>[0]> = {}): ExecGcRunner {
    return new ExecGcRunner({ binary: registry.binaryPath, configPath: registry.configPath, ...overrides });
  }

  it("dry run: parses exactly the orphaned blobs, deletes nothing and skips the hooks", async () => {
    const runner = execRunner({ preCommand: `touch ${marker("dry-pre")}`, postCommand: `touch ${marker("dry-post")}` });
    const r = await run(runner, true);
    expect(r.result).toEqual({ exitCode: 0, failedPhase: null, error: null });
    expect(r.phases).toEqual(["garbage-collect"]);
    expect(sorted(r.progress.eligibleBlobs)).toEqual(orphans);
    expect(r.progress).toMatchObject({
      summarySeen: true,
      repositoriesMarked: 2,
      manifestsMarked: 2,
      blobsEligible: 3,
      manifestsEligible: 0,
      blobsDeleted: 0,
      failure: null,
    });
    for (const digest of orphans) expect(existsSync(blobFile(digest))).toBe(true);
    expect(existsSync(marker("dry-pre"))).toBe(false);
    expect(existsSync(marker("dry-post"))).toBe(false);
    console.log(`exec dry run: ${r.ms} ms`);
  });

  it("a failing pre-command skips GC, and the post-command still runs to undo it", async () => {
    const runner = execRunner({
      preCommand: "echo cannot stop the registry >&2; exit 3",
      postCommand: `echo "$LAYERSCOPE_GC_EXIT_CODE $LAYERSCOPE_GC_FAILED_PHASE" > ${marker("post-after-pre")}`,
    });
    const r = await run(runner, false);
    expect(r.result.exitCode).toBe(3);
    expect(r.result.failedPhase).toBe("pre-command");
    expect(r.result.error).toContain("cannot stop the registry");
    expect(r.phases).toEqual(["pre-command", "post-command"]);
    expect(r.lines).toContain("pre-command/stderr: cannot stop the registry");
    expect((await readFile(marker("post-after-pre"), "utf8")).trim()).toBe("3 pre-command");
    for (const digest of orphans) expect(existsSync(blobFile(digest))).toBe(true);
  });

  it("a GC failure reports the registry's error, and the post-command still runs", async () => {
    const runner = execRunner({
      configPath: path.join(workDir, "missing.yml"),
      postCommand: `echo "$LAYERSCOPE_GC_EXIT_CODE $LAYERSCOPE_GC_FAILED_PHASE" > ${marker("post-after-gc")}`,
    });
    const r = await run(runner, false);
    expect(r.result).toMatchObject({ exitCode: 1, failedPhase: "garbage-collect" });
    expect(r.result.error).toContain("configuration error: open");
    expect(r.progress.failure).toMatch(/^configuration error: open .*missing\.yml/);
    expect((await readFile(marker("post-after-gc"), "utf8")).trim()).toBe("1 garbage-collect");
  });

  it("real run between hooks that stop the registry: orphans leave the disk, kept content still serves", async () => {
    const pid = registry.pid;
    expect(pid).not.toBeNull();
    const runner = execRunner({
      // kill -0 also succeeds on a zombie, so this waits until the test process has reaped the registry
      preCommand: `echo "stopping $LAYERSCOPE_GC_PHASE"; kill ${pid} && while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done`,
      postCommand: `echo "gc exit $LAYERSCOPE_GC_EXIT_CODE" > ${marker("real-post")}`,
    });
    const r = await run(runner, false);
    expect(r.result).toEqual({ exitCode: 0, failedPhase: null, error: null });
    expect(r.phases).toEqual(["pre-command", "garbage-collect", "post-command"]);
    expect(r.lines[0]).toBe("pre-command/stdout: stopping pre-command");
    expect(registry.pid === null || !(await answers(registry.url))).toBe(true);
    expect((await readFile(marker("real-post"), "utf8")).trim()).toBe("gc exit 0");

    expect(sorted(r.progress.eligibleBlobs)).toEqual(orphans);
    expect(r.progress.blobsDeleted).toBe(orphans.length);
    expect(sorted(r.progress.deletedBlobs)).toEqual(orphans);
    for (const digest of orphans) expect(existsSync(blobFile(digest))).toBe(false);
    for (const digest of [kept.digest, kept.configDigest, ...kept.layers.map((l) => l.digest)]) {
      expect(existsSync(blobFile(digest))).toBe(true);
    }

    await registry.start();
    const stillThere = await pusher.fetchManifest("gc/app", "stable");
    expect(stillThere.status).toBe(200);
    const layer = await pusher.request(`/v2/gc/app/blobs/${kept.layers[0]?.digest}`);
    expect(layer.status).toBe(200);
    await layer.arrayBuffer();
    const gone = await pusher.request(`/v2/gc/app/blobs/${deleted.configDigest}`);
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
    console.log(`exec real run with hooks: ${r.ms} ms`);
  });

  it("a second dry run finds nothing left to collect", async () => {
    const r = await run(execRunner(), true);
    expect(r.result.exitCode).toBe(0);
    expect(r.progress.eligibleBlobs).toEqual([]);
    expect(r.progress.blobsEligible).toBe(0);
  });
});

describe.skipIf(!registryBinary)("the environment of GC and its hooks", () => {
  const secretValues = () => [...Object.values(SERVER_SECRETS), process.env.DATABASE_URL ?? "unset"];

  it("the stored GC log of a real run with hooks printing `env` holds none of the server's secrets", async () => {
    const { createGcRun, executeGcRun, getGcRun } = await import("../../lib/services/gc");
    const { SYSTEM } = await import("../../lib/auth/caller");
    const { id } = await createGcRun(SYSTEM, false, "manual", null);
    await executeGcRun(id);
    const run = await getGcRun(SYSTEM, id);
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    const log = run.log ?? "";
    for (const secret of secretValues()) expect(log, `GC log contains ${secret.slice(0, 12)}…`).not.toContain(secret);
    // the hooks and the binary did print their environment: the allow-listed part and what the operator opted into
    expect(log).toContain("LAYERSCOPE_GC_PHASE=pre-command");
    expect(log).toContain("LAYERSCOPE_GC_PHASE=post-command");
    expect(log).toMatch(/^PATH=/m);
    expect(log).toContain("GC_TEST_OPT_IN=opted-in-value");
    expect(log).toContain("post-command used [redacted]");
    for (const name of [
      "AUTH_SECRET",
      "LAYERSCOPE_ADMIN_PASSWORD",
      "OIDC_CLIENT_SECRET",
      "DATABASE_URL",
      "REGISTRY_PASSWORD",
      "GC_PRE_COMMAND",
    ]) {
      expect(log).not.toMatch(new RegExp(`^${name}=`, "m"));
    }
    // Layerscope's own REGISTRY_* settings would be read by the registry as config overrides
    expect(log).not.toMatch(/^REGISTRY_(URL|USERNAME)=/m);
  });

  it("a runner built directly gets the same allow-list, and a failing hook's error text is redacted too", async () => {
    const runner = new ExecGcRunner({
      binary: await envPrintingBinary(workDir),
      configPath: "/dev/null",
      preCommand: `env >&2; echo "cannot stop: ${SERVER_SECRETS.AUTH_SECRET}" >&2; exit 4`,
    });
    const r = await run(runner, false);
    expect(r.result).toMatchObject({ exitCode: 4, failedPhase: "pre-command" });
    expect(r.lines).toContain("pre-command/stderr: cannot stop: [redacted]");
    expect(r.lines.some((line) => line.startsWith("pre-command/stderr: PATH="))).toBe(true);
    const everything = [...r.lines, r.result.error ?? ""].join("\n");
    for (const secret of secretValues()) expect(everything, `output contains ${secret.slice(0, 12)}…`).not.toContain(secret);
  });
});

describe("docker GC runner: output redaction", () => {
  // A stand-in Docker Engine on a unix socket: one running container whose GC exec prints a secret on both streams.
  async function fakeEngine(output: { stdout: string; stderr: string }): Promise<{ socketPath: string; close(): Promise<void> }> {
    const dir = await mkdtemp(path.join(tmpdir(), "layerscope-engine-"));
    const socketPath = path.join(dir, "docker.sock");
    const frame = (stream: 1 | 2, text: string) => {
      const payload = Buffer.from(text, "utf8");
      const header = Buffer.alloc(8);
      header.writeUInt8(stream, 0);
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const server = createServer((req, res) => {
      req.resume();
      const url = req.url ?? "";
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method === "GET" && url.endsWith("/containers/registry/json")) return json(200, { Id: "c1", State: { Running: true } });
      if (req.method === "POST" && url.endsWith("/containers/c1/exec")) return json(201, { Id: "e1" });
      if (req.method === "POST" && url.endsWith("/exec/e1/start")) {
        res.writeHead(200, { "content-type": "application/vnd.docker.raw-stream" });
        return res.end(Buffer.concat([frame(1, output.stdout), frame(2, output.stderr)]));
      }
      if (req.method === "GET" && url.endsWith("/exec/e1/json")) return json(200, { Running: false, ExitCode: 1 });
      return json(404, { message: `unexpected ${req.method} ${url}` });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return {
      socketPath,
      close: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  it("blanks the configured secrets out of the lines and the error", async () => {
    const { DockerGcRunner } = await import("../../lib/gc/docker-runner");
    const secret = "shared-env-file-secret-7d1e";
    const engine = await fakeEngine({ stdout: `REGISTRY_HTTP_SECRET=${secret}\n`, stderr: `failed to garbage collect: ${secret}` });
    try {
      const runner = new DockerGcRunner({ socketPath: engine.socketPath, container: "registry", redact: [secret] });
      const r = await run(runner, true);
      expect(r.result).toMatchObject({ exitCode: 1, failedPhase: "garbage-collect" });
      expect(r.lines).toEqual([
        "garbage-collect/stdout: REGISTRY_HTTP_SECRET=[redacted]",
        "garbage-collect/stderr: failed to garbage collect: [redacted]",
      ]);
      expect(r.result.error).toContain("[redacted]");
      expect(r.result.error).not.toContain(secret);
    } finally {
      await engine.close();
    }
  });
});

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

describe("exec GC runner: stopping a runaway child", () => {
  // A stand-in binary: prints its background child's pid, then waits forever. Killing only the script would leave
  // the `sleep` running; the runner kills the whole process group.
  async function fakeBinary(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "layerscope-gc-fake-"));
    const file = path.join(dir, "registry");
    await writeFile(file, '#!/bin/sh\nsleep 60 &\necho "child $!"\nwait\n');
    await chmod(file, 0o755);
    return file;
  }

  /** Zombies count as dead: an orphan killed with its group waits for an init that may never reap it. */
  function alive(pid: number): boolean {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ").at(1)?.charAt(0);
      return state !== undefined && state !== "Z";
    } catch {
      return false;
    }
  }

  it("abort kills the process group and reports exit code 130", async () => {
    const binary = await fakeBinary();
    const controller = new AbortController();
    let childPid = 0;
    const started = Date.now();
    const result = await new ExecGcRunner({ binary, configPath: "/dev/null" }).run({
      dryRun: true,
      signal: controller.signal,
      onLine: (line) => {
        const m = /^child (\d+)$/.exec(line);
        if (m) {
          childPid = Number(m[1]);
          controller.abort(new Error("operator pressed stop"));
        }
      },
    });
    expect(result.exitCode).toBe(130);
    expect(result.error).toContain("operator pressed stop");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(childPid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(childPid)).toBe(false);
    await rm(path.dirname(binary), { recursive: true, force: true });
  });

  it("a timeout kills the child and says so", async () => {
    const binary = await fakeBinary();
    const result = await new ExecGcRunner({ binary, configPath: "/dev/null", timeoutMs: 300 }).run({ dryRun: true, onLine: () => {} });
    expect(result.failedPhase).toBe("garbage-collect");
    expect(result.exitCode).toBe(143);
    expect(result.error).toMatch(/timed out after 300 ms/);
    await rm(path.dirname(binary), { recursive: true, force: true });
  });

  it("a missing binary is a failure, not a crash", async () => {
    const result = await new ExecGcRunner({ binary: "/nonexistent/registry", configPath: "/dev/null" }).run({
      dryRun: true,
      onLine: () => {},
    });
    expect(result).toMatchObject({ exitCode: 127, failedPhase: "garbage-collect" });
    expect(result.error).toMatch(/could not start: .*ENOENT/);
  });

  it("a hook that leaves a daemon holding its output does not hang the run", async () => {
    let daemon = 0;
    const started = Date.now();
    const result = await new ExecGcRunner({
      binary: "/bin/true",
      configPath: "/dev/null",
      postCommand: 'sleep 30 & echo "daemon $!"',
    }).run({
      dryRun: false,
      onLine: (line) => {
        const m = /^daemon (\d+)$/.exec(line);
        if (m) daemon = Number(m[1]);
      },
    });
    expect(result.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(alive(daemon)).toBe(true);
    process.kill(daemon);
  });
});

// The operator endpoint runs the real GC and calls back over HTTP into the app's real callback route (in-process,
// as Next.js calls it), which checks the secret, validates the body and delivers it to the Postgres mailbox the
// runner polls — so the callback may reach any instance.
describe.skipIf(!registryBinary)("webhook GC runner", () => {
  const SECRET = "webhook-shared-secret-0123456789";
  const servers: Server[] = [];
  const received: { headers: IncomingMessage["headers"]; body: unknown }[] = [];
  let mailbox: typeof import("../../lib/services/gc-callback-mailbox");

  beforeAll(async () => {
    mailbox = await import("../../lib/services/gc-callback-mailbox");
  });

  afterEach(async () => {
    received.length = 0;
    await closeServers(servers);
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => handler(req, res, Buffer.concat(chunks).toString("utf8")));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function runner(config: Omit<ConstructorParameters<typeof WebhookGcRunner>[0], "callbackBaseUrl"> & { callbackBaseUrl?: string }) {
    return new WebhookGcRunner({ callbackBaseUrl: "http://127.0.0.1:1/cb", ...config }, mailbox.webhookMailbox);
  }

  /** Forwards POST /api/v1/gc/callback/<id> to app/api/v1/gc/callback/[id]/route.ts. */
  async function callbackRoute(): Promise<string> {
    const file = path.join(ROOT, "app/api/v1/gc/callback/[id]/route.ts");
    const base = await serve((req, res, body) => {
      const id = decodeURIComponent(req.url?.split("/").pop() ?? "");
      const secret = req.headers[WEBHOOK_SECRET_HEADER.toLowerCase()];
      void callRoute(file, "POST", {
        url: `/api/v1/gc/callback/${id}`,
        params: { id },
        headers: typeof secret === "string" ? { [WEBHOOK_SECRET_HEADER]: secret } : {},
        body,
      }).then(
        (answer) => res.writeHead(answer.status).end(),
        () => res.writeHead(500).end(),
      );
    });
    return `${base}/api/v1/gc/callback`;
  }

  async function runGc(dryRun: boolean): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const { execFile } = await import("node:child_process");
    const args = ["garbage-collect", ...(dryRun ? ["--dry-run"] : []), registry.configPath];
    return new Promise((resolve) => {
      execFile(registry.binaryPath, args, (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ exitCode: code, stdout, stderr });
      });
    });
  }

  it("posts {id, dryRun, callbackUrl} with the secret, then completes from the operator's callback", async () => {
    const callbackBaseUrl = await callbackRoute();
    const operator = await serve((req, res, body) => {
      const request = JSON.parse(body) as { id: string; dryRun: boolean; callbackUrl: string };
      received.push({ headers: req.headers, body: request });
      res.writeHead(202).end();
      void runGc(request.dryRun).then(async (gc) => {
        const answer = await fetch(request.callbackUrl, {
          method: "POST",
          headers: { "content-type": "application/json", [WEBHOOK_SECRET_HEADER]: SECRET },
          body: JSON.stringify(gc),
        });
        received.push({ headers: {}, body: { callbackStatus: answer.status } });
      });
    });
    const webhook = runner({ url: `${operator}/hooks/gc`, secret: SECRET, callbackBaseUrl, timeoutMs: 30_000 });
    // the exec test above already collected this registry: orphan a fresh image first
    const layer = await makeLayer([{ path: "webhook.txt", content: "webhook" }]);
    const image = await pusher.pushImage("gc/webhook", ["tmp"], {
      layers: [layer],
      config: { architecture: "arm64", os: "linux", created: "2024-07-01T00:00:00Z" },
    });
    await pusher.deleteManifest("gc/webhook", image.digest);

    const r = await run(webhook, true);
    expect(r.result).toEqual({ exitCode: 0, failedPhase: null, error: null });
    expect(r.phases).toEqual(["garbage-collect"]);
    expect(sorted(r.progress.eligibleBlobs)).toEqual(sorted([image.digest, image.configDigest, layer.digest]));
    const first = received[0];
    expect(first?.headers[WEBHOOK_SECRET_HEADER.toLowerCase()]).toBe(SECRET);
    const request = first?.body as { id: string; dryRun: boolean; callbackUrl: string };
    expect(request.dryRun).toBe(true);
    expect(request.callbackUrl).toBe(`${callbackBaseUrl}/${request.id}`);
    // the route answered 202 (delivered); the run then took the completion and closed its mailbox
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received[1]?.body).toEqual({ callbackStatus: 202 });
    expect(await mailbox.isWebhookWaiting(request.id)).toBe(false);
    // a second callback for the finished run finds nothing to complete
    expect(await mailbox.deliverWebhookCompletion(request.id, { exitCode: 0 })).toBe(false);
    console.log(`webhook dry run round trip: ${r.ms} ms`);
  });

  it("takes the completion from a synchronous operator's 200 answer", async () => {
    const operator = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ exitCode: 1, stderr: "failed to garbage collect: failed to mark: boom", error: "registry said no" }));
    });
    const r = await run(runner({ url: operator, timeoutMs: 30_000 }), false);
    expect(r.result).toMatchObject({ exitCode: 1, failedPhase: "garbage-collect" });
    expect(r.result.error).toContain("registry said no");
    expect(r.result.error).toContain("failed to mark: boom");
    expect(r.progress.failure).toBe("failed to garbage collect: failed to mark: boom");
  });

  it("an operator error status fails the run without waiting", async () => {
    const operator = await serve((_req, res) => res.writeHead(503).end("maintenance"));
    const r = await run(runner({ url: operator, timeoutMs: 30_000 }), true);
    expect(r.result.failedPhase).toBe("garbage-collect");
    expect(r.result.error).toMatch(/HTTP 503\nmaintenance/);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("a callback with the wrong secret is refused and the run times out", async () => {
    const callbackBaseUrl = await callbackRoute();
    const statuses: number[] = [];
    const operator = await serve((_req, res, body) => {
      res.writeHead(202).end();
      const { callbackUrl } = JSON.parse(body) as { callbackUrl: string };
      void fetch(callbackUrl, {
        method: "POST",
        headers: { "content-type": "application/json", [WEBHOOK_SECRET_HEADER]: "guessed" },
        body: JSON.stringify({ exitCode: 0, output: "" }),
      }).then((res) => statuses.push(res.status));
    });
    const r = await run(runner({ url: operator, secret: SECRET, callbackBaseUrl, timeoutMs: 1_000 }), true);
    expect(statuses).toEqual([401]);
    expect(r.result.error).toMatch(/did not call back within 1000 ms/);
  });

  it("abort stops waiting and forgets the run", async () => {
    let id = "";
    const operator = await serve((_req, res, body) => {
      id = (JSON.parse(body) as { id: string }).id;
      res.writeHead(202).end();
    });
    const controller = new AbortController();
    const pending = run(runner({ url: operator, timeoutMs: 60_000 }), true, controller.signal);
    while (id === "") await new Promise((r) => setTimeout(r, 10));
    expect(await mailbox.isWebhookWaiting(id)).toBe(true);
    controller.abort(new Error("shutting down"));
    const r = await pending;
    expect(r.result.exitCode).toBe(130);
    expect(r.result.error).toContain("shutting down");
    expect(await mailbox.isWebhookWaiting(id)).toBe(false);
    expect(await mailbox.deliverWebhookCompletion(id, { exitCode: 0 })).toBe(false);
  });
});
