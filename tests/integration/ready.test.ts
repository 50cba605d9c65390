// GET /api/v1/ready: 200 when the database answers, every migration is applied and the job workers run;
// 503 naming the failed check otherwise. The registry is reported but never makes the instance unready.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findFreePort } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { callRoute, ROOT } from "./route-harness";
import { closeServices } from "./teardown";

const READY = path.join(ROOT, "app/api/v1/ready/route.ts");
type Body = {
  status: string;
  checks: Record<"database" | "migrations" | "workers", { ok: boolean; detail: string }>;
  registry: { ok: boolean; detail: string };
};

async function ready(): Promise<{ status: number; body: Body }> {
  const res = await callRoute(READY, "GET", { url: "/api/v1/ready" });
  return { status: res.status, body: (await res.json()) as Body };
}

beforeAll(async () => {
  configureEnv({
    // nothing listens there: the registry is down for the whole file
    REGISTRY_URL: `http://127.0.0.1:${await findFreePort()}`,
    REGISTRY_TIMEOUT_MS: "500",
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "ready"),
    SYNC_INTERVAL_SECONDS: "0",
    LOG_LEVEL: "error",
  });
}, 120_000);

afterAll(() => closeServices({ jobs: true }));

describe("GET /api/v1/ready", () => {
  it("answers 503 naming the workers until they run", async () => {
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.status).toBe("not_ready");
    expect(body.checks.database).toEqual({ ok: true, detail: "reachable" });
    expect(body.checks.migrations).toEqual({ ok: true, detail: "all applied" });
    expect(body.checks.workers).toEqual({ ok: false, detail: "not started" });
  });

  it("answers 200 once the workers run, with the registry down reported but not counted", async () => {
    const { startWorkers } = await import("@/lib/jobs/worker");
    await startWorkers();
    const { status, body } = await ready();
    expect(body.registry.ok).toBe(false);
    expect(status).toBe(200);
    expect(body.status).toBe("ready");
    expect(body.checks.workers).toEqual({ ok: true, detail: "running" });
  });

  it("answers 503 naming a migration that is not applied", async () => {
    const { getDb } = await import("@/lib/db/client");
    const [last] = await getDb().$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1`;
    expect(last).toBeDefined();
    // a fresh process: the all-applied memo of this one would hide the change
    (globalThis as { layerscopeMigrationsApplied?: boolean }).layerscopeMigrationsApplied = undefined;
    await getDb().$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = ${last?.migration_name}`;
    try {
      const { status, body } = await ready();
      expect(status).toBe(503);
      expect(body.checks.migrations).toEqual({ ok: false, detail: `not applied: ${last?.migration_name}` });
    } finally {
      await getDb().$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE migration_name = ${last?.migration_name}`;
    }
  });

  it("answers 503 while the instance stops, and the workers stop within the grace period", async () => {
    const { stopWorkers, workerState } = await import("@/lib/jobs/worker");
    const stopping = stopWorkers(2000);
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.checks.workers.ok).toBe(false);
    await stopping;
    expect(workerState()).toBe("stopped");
    // the queue stays closed: nothing restarts it in a process that is shutting down
    const { enqueueSync } = await import("@/lib/jobs/definitions");
    await expect(enqueueSync("manual")).rejects.toThrow(/shutting down/);
  });

  it("answers 503 naming the database when it cannot be reached", async () => {
    const { disconnectDb } = await import("@/lib/db/client");
    await disconnectDb();
    const port = await findFreePort();
    const { getEnv } = await import("@/lib/env");
    // lib/env parsed once: point the cached settings at a closed port
    (getEnv() as { DATABASE_URL?: string }).DATABASE_URL = `postgresql://x:y@127.0.0.1:${port}/none`;
    const { status, body } = await ready();
    expect(status).toBe(503);
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.migrations).toEqual({ ok: false, detail: "database unreachable" });
    await disconnectDb();
  });
});
