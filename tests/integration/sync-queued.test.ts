// "Sync now" answers at once: from the request until a worker picks the job up, the status says
// "queued" (not the last run's "synced just now"); then the run shows as running, then finished.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;

async function poll<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  registry = await startRegistry();
  await new RegistryPusher(registry.url).pushImage("queued/app", ["v1"], {
    layers: [await makeLayer([{ path: "a.txt", content: "a" }])],
    config: { architecture: "amd64", os: "linux", created: "2024-03-03T00:00:00Z" },
  });
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "sync_queued"),
    SYNC_INTERVAL_SECONDS: "0",
    LOG_LEVEL: "error",
  });
}, 120_000);

afterAll(() => closeServices({ jobs: true, registries: [registry] }));

describe("sync now", () => {
  it("is queued at once, then runs, then is no longer queued", async () => {
    const { requestSync, getSyncStatus } = await import("@/lib/services/sync");
    const before = await getSyncStatus(SYSTEM);
    expect(before.queued).toBe(false);

    const answer = await requestSync(SYSTEM);
    expect(answer).toMatchObject({ started: true, queued: true, running: false });
    // no worker yet: the request waits in the queue, and the status says so
    const waiting = await getSyncStatus(SYSTEM);
    expect(waiting).toMatchObject({ queued: true, running: false, lastRun: null });

    const { work } = await import("../../lib/jobs/worker");
    const { syncJob } = await import("../../lib/jobs/definitions");
    await work(syncJob);
    const done = await poll("the queued sync to finish", async () => {
      const s = await getSyncStatus(SYSTEM);
      return !s.running && s.lastRun !== null && s;
    });
    expect(done.queued).toBe(false);
    expect(done.lastRun?.trigger).toBe("manual");
  });
});
