// The sync runs as a job on the Postgres queue (pg-boss): queued at start-up, on demand, and
// re-scheduled after each run, never twice at once.

import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;

async function poll<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  registry = await startRegistry();
  const layer = await makeLayer([{ path: "a.txt", content: "a" }]);
  await new RegistryPusher(registry.url).pushImage("jobs/app", ["v1"], {
    layers: [layer],
    config: { architecture: "amd64", os: "linux", created: "2024-03-03T00:00:00Z" },
  });
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "jobs"),
    SYNC_INTERVAL_SECONDS: "3600",
    LOG_LEVEL: "error",
  });
}, 120_000);

afterAll(() => closeServices({ jobs: true, registries: [registry] }));

describe("sync jobs on the Postgres queue", () => {
  it("runs a start-up sync and schedules the next run in the queue", async () => {
    const { startWorkers } = await import("../../lib/jobs/worker");
    const { getDb } = await import("../../lib/db/client");
    await startWorkers();
    const run = await poll("the start-up sync", () =>
      getDb().syncRun.findFirst({ where: { trigger: "startup", status: { not: "running" } } }),
    );
    expect(run.status).toBe("succeeded");
    expect(run.tags).toBe(1);
    const scheduled = await getDb().$queryRaw<{ start_after: Date }[]>`
      SELECT start_after FROM pgboss.job WHERE name = 'registry-sync' AND state = 'created' AND singleton_key = 'schedule'`;
    expect(scheduled).toHaveLength(1);
    // about SYNC_INTERVAL_SECONDS from now, not immediately
    expect(scheduled[0]?.start_after.getTime()).toBeGreaterThan(Date.now() + 3000 * 1000);
  });

  it("queues a manual sync on request, and refuses to queue a second while one is waiting or running", async () => {
    const { requestSync, isSyncRunning } = await import("../../lib/services/sync");
    const { getDb } = await import("../../lib/db/client");
    // the start-up run's row says finished a moment before its job lets go of the sync lock
    await poll("the start-up sync to release the sync lock", async () => !(await isSyncRunning()) || null);
    const first = await requestSync(SYSTEM);
    const second = await requestSync(SYSTEM);
    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    const run = await poll("the manual sync", () =>
      getDb().syncRun.findFirst({ where: { trigger: "manual", status: { not: "running" } } }),
    );
    expect(run.status).toBe("succeeded");
    expect(run.manifestsFetched).toBe(0);
    expect(await getDb().syncRun.count({ where: { trigger: "manual" } })).toBe(1);
  });
});
