// `npm test`: every check in one command — system packages, lint+format, typecheck, unit,
// integration (real registry + real Postgres), e2e (Playwright in Debian's Chromium).
// `.ci/run` calls exactly this. Steps can be skipped for local loops: `npm test -- --only=unit,e2e`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

type Step = { name: string; cmd: string[] };

const steps: Step[] = [
  { name: "lint", cmd: ["npx", "biome", "ci", "."] },
  { name: "typecheck", cmd: ["npx", "tsc", "--noEmit", "-p", "."] },
  { name: "unit", cmd: ["npx", "vitest", "run", "--project", "unit"] },
  { name: "integration", cmd: ["npx", "vitest", "run", "--project", "integration"] },
  { name: "e2e", cmd: ["npx", "playwright", "test"] },
];

const SYSTEM_PACKAGES: { bin: string; pkg: string }[] = [
  { bin: "/usr/bin/chromium", pkg: "chromium" },
  { bin: "/usr/bin/docker-registry", pkg: "docker-registry" },
  { bin: "/usr/bin/htpasswd", pkg: "apache2-utils" },
  // keys and certificates for the token-auth and TLS registry tests (tests/fixtures/tls.ts)
  { bin: "/usr/bin/openssl", pkg: "openssl" },
  // zstd-compressed layer fixtures (Node 20's zlib has no zstd)
  { bin: "/usr/bin/zstd", pkg: "zstd" },
  // a Docker Engine API for the docker GC runner's test (podman system service); runc: crun fails on these machines
  { bin: "/usr/bin/podman", pkg: "podman" },
  { bin: "/usr/sbin/runc", pkg: "runc" },
];

function ensureSystemPackages(): void {
  const missing = SYSTEM_PACKAGES.filter((p) => !existsSync(p.bin));
  if (missing.length === 0) return;
  const pkgs = missing.map((p) => p.pkg);
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync("/usr/bin/apt-get")) {
    console.log(`[test] installing ${pkgs.join(", ")} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    const install = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs, "fonts-dejavu-core"], {
      stdio: "inherit",
      env,
    });
    if (update.status === 0 && install.status === 0) return;
    console.error("[test] apt-get failed");
  }
  console.error(
    `[test] missing system packages: ${pkgs.join(", ")}.\n` +
      `  On Debian/Ubuntu: sudo apt-get install -y ${pkgs.join(" ")}\n` +
      "  Elsewhere: install Chromium (set CHROMIUM_PATH), the Docker Distribution registry binary (registry 2.8+, as `docker-registry` or `registry` on PATH), htpasswd, openssl and zstd.",
  );
  process.exit(1);
}

const ROOT = path.resolve(__dirname, "..");

function procStat(pid: string): { ppid: number; session: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), session: Number(fields[3]) };
  } catch {
    return null;
  }
}

function pids(): string[] {
  return existsSync("/proc") ? readdirSync("/proc").filter((e) => /^\d+$/.test(e)) : [];
}

/**
 * Processes a step started and left behind: new since the run began, orphaned (re-parented to init), in this
 * run's session, and running something from this checkout (an embedded Postgres, a registry, a server).
 */
function leftovers(before: Set<string>): { pid: number; cmd: string }[] {
  const session = procStat(String(process.pid))?.session;
  const found: { pid: number; cmd: string }[] = [];
  for (const pid of pids()) {
    if (before.has(pid)) continue;
    const stat = procStat(pid);
    if (stat?.ppid !== 1 || stat.session !== session) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    } catch {
      continue;
    }
    if (cmd.includes(ROOT)) found.push({ pid: Number(pid), cmd });
  }
  return found;
}

const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
ensureSystemPackages();
const startedPids = new Set(pids());
const results: { name: string; ok: boolean; seconds: number }[] = [];
for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  const started = Date.now();
  console.log(`\n[test] ── ${step.name}: ${step.cmd.join(" ")}`);
  const [cmd, ...args] = step.cmd as [string, ...string[]];
  const res = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  results.push({ name: step.name, ok: res.status === 0, seconds: Math.round((Date.now() - started) / 1000) });
  if (res.status !== 0) break;
}
// every step stops what it started: a process left running is a failure (and is stopped here)
const left = leftovers(startedPids);
if (left.length > 0) {
  console.error(`\n[test] processes left running by the steps (now stopped):\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join("\n")}`);
  for (const p of left) {
    try {
      process.kill(p.pid, "SIGTERM");
    } catch {
      // gone meanwhile
    }
  }
  results.push({ name: "no processes left running", ok: false, seconds: 0 });
}
console.log("\n[test] summary");
for (const r of results) console.log(`  ${r.ok ? "✓" : "✗"} ${r.name} (${r.seconds}s)`);
const failed = results.filter((r) => !r.ok).length;
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
