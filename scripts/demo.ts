// `npm run demo`: a local docker-registry filled with the demo images, and the dashboard
// pointed at it — a populated Layerscope without a registry of your own.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

const root = process.cwd();
const tsx = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");

function log(msg: string) {
  console.log(`[demo] ${msg}`);
}

const children: ChildProcess[] = [];
let stopping = false;
function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  // the dashboard first (it stops its Postgres), then the registry
  for (const c of [...children].reverse()) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 12_000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r))))).then(() => process.exit(code));
}
process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

log("starting a local docker-registry and pushing the demo images…");
const registry = spawn(process.execPath, [tsx, "tests/fixtures/cli.ts", "start-seeded", "--demo"], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
children.push(registry);
registry.on("exit", (code) => {
  if (!stopping) {
    console.error(`[demo] the demo registry exited (code ${code}); is docker-registry installed? (apt-get install docker-registry)`);
    stopAll(1);
  }
});

const lines = createInterface({ input: registry.stdout as NodeJS.ReadableStream });
lines.on("line", (line) => {
  const match = /^REGISTRY_URL=(\S+)$/.exec(line.trim());
  if (!match || children.length > 1) return;
  log(`registry ready at ${match[1]}; starting the dashboard`);
  // a known demo admin unless one is configured: the banner says how to sign in
  const admin = process.env.LAYERSCOPE_ADMIN_USER ? null : { LAYERSCOPE_ADMIN_USER: "admin", LAYERSCOPE_ADMIN_PASSWORD: "layerscope-demo" };
  if (admin)
    log(
      `sign in as ${admin.LAYERSCOPE_ADMIN_USER} / ${admin.LAYERSCOPE_ADMIN_PASSWORD} (demo only: set LAYERSCOPE_ADMIN_USER/PASSWORD for your own)`,
    );
  const app = spawn(process.execPath, [tsx, "scripts/start.ts"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...admin, REGISTRY_URL: match[1] },
  });
  children.push(app);
  app.on("exit", (code) => stopAll(code ?? 0));
});
