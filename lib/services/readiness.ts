import "server-only";
import { errorMessage } from "@/lib/errors";
import type { Readiness, ReadinessCheck } from "../contract/health";
import { getDb } from "../db/client";
import { defaultMigrationsDir, readMigrations } from "../db/migrate";
import { getEnv } from "../env";
import { isStopping, workerState } from "../jobs/state";
import { probeRegistry } from "./registry";

const ok = (detail: string): ReadinessCheck => ({ ok: true, detail });
const failed = (detail: string): ReadinessCheck => ({ ok: false, detail });
const message = (e: unknown) => errorMessage(e).split("\n")[0] ?? "";

// Applied migrations never un-apply: once all are in, later probes skip the comparison.
const globalForReady = globalThis as unknown as { layerscopeMigrationsApplied?: boolean };

async function migrationsCheck(): Promise<ReadinessCheck> {
  if (globalForReady.layerscopeMigrationsApplied) return ok("all applied");
  const onDisk = await readMigrations(defaultMigrationsDir());
  const rows = await getDb().$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const applied = new Set(rows.map((r) => r.migration_name));
  const pending = onDisk.filter((m) => !applied.has(m.name)).map((m) => m.name);
  if (pending.length > 0) return failed(`not applied: ${pending.join(", ")}`);
  globalForReady.layerscopeMigrationsApplied = true;
  return ok("all applied");
}

function workersCheck(): ReadinessCheck {
  if (isStopping()) return failed("stopping: this instance is shutting down");
  if (!getEnv().LAYERSCOPE_WORKERS) return ok("disabled on this instance (LAYERSCOPE_WORKERS=false)");
  const state = workerState();
  return state === "running" ? ok("running") : failed(state ?? "not started");
}

/**
 * Ready = can serve: the database answers, every migration is applied, the job workers run (unless this
 * instance runs none). The registry is reported but never makes the instance unready: the cache serves.
 */
export async function getReadiness(): Promise<Readiness> {
  const database = await getDb().$queryRaw`SELECT 1`.then(() => ok("reachable")).catch((e: unknown) => failed(message(e)));
  const [migrations, registry] = await Promise.all([
    database.ok ? migrationsCheck().catch((e: unknown) => failed(message(e))) : Promise.resolve(failed("database unreachable")),
    probeRegistry()
      .then((p) => (p.reachable ? ok("reachable") : failed(p.error ?? "unreachable")))
      .catch((e: unknown) => failed(message(e))),
  ]);
  const checks = { database, migrations, workers: workersCheck() };
  const ready = Object.values(checks).every((c) => c.ok);
  return { status: ready ? "ready" : "not_ready", checks, registry };
}
