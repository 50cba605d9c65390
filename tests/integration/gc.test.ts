// Layerscope's garbage collection end to end with the exec runner against the real docker-registry 2.8.2:
// a tagged multi-arch index and an untagged image; the GC deletes the untagged image through the API (not
// --delete-untagged, which breaks tagged indexes on 2.8) and frees its blobs on disk, while the index still
// pulls. The hooks stop the registry before GC and start it again after, as an operator's would.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, type PushedIndex, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let pidFile: string;
let amd: PushedManifest;
let arm: PushedManifest;
let index: PushedIndex;
let untagged: PushedManifest;
let deleted: PushedManifest;

const blobFile = (digest: string) =>
  path.join(registry.rootDir, "docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data");

async function blobsBytes(): Promise<number> {
  const { measureDirectory } = await import("@/lib/storage/scan");
  return (await measureDirectory(path.join(registry.rootDir, "docker/registry/v2/blobs"))).bytes;
}

async function runGc(dryRun: boolean) {
  const { createGcRun, executeGcRun, getGcRun } = await import("@/lib/services/gc");
  const { id } = await createGcRun(SYSTEM, dryRun, "manual", null);
  await executeGcRun(id);
  return getGcRun(SYSTEM, id);
}

const ACCEPT = "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json";

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  pidFile = path.join(registry.rootDir, "restarted.pid");
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "gc"),
    LOG_LEVEL: "error",
    REGISTRY_STORAGE_ROOT: registry.rootDir,
    GC_RUNNER: "exec",
    GC_SCHEDULE: "*/5 * * * *",
    GC_REGISTRY_BINARY: registry.binaryPath,
    GC_REGISTRY_CONFIG: registry.configPath,
    // stop whichever registry process runs (the fixture's, or the one a previous post-command started)
    GC_PRE_COMMAND: `PID=$(cat ${pidFile} 2>/dev/null || echo ${registry.pid}); kill $PID; while kill -0 $PID 2>/dev/null; do sleep 0.05; done`,
    GC_POST_COMMAND: `${registry.binaryPath} serve ${registry.configPath} >> ${registry.logPath} 2>&1 & echo $! > ${pidFile}; sleep 1`,
  });
  const cfg = (architecture: string) => ({ architecture, os: "linux", created: "2024-01-01T00:00:00Z" });
  amd = await pusher.pushImage("gc/app", [], {
    layers: [await makeLayer([{ path: "amd", content: "a".repeat(5000) }])],
    config: cfg("amd64"),
  });
  arm = await pusher.pushImage("gc/app", [], {
    layers: [await makeLayer([{ path: "arm", content: "b".repeat(6000) }])],
    config: cfg("arm64"),
  });
  index = await pusher.pushIndex("gc/app", ["1.0"], { manifests: [{ manifest: amd }, { manifest: arm }] });
  untagged = await pusher.pushImage("gc/app", [], {
    layers: [await makeLayer([{ path: "untagged", content: "u".repeat(7000) }])],
    config: cfg("amd64"),
  });
  deleted = await pusher.pushImage("gc/old", ["old"], {
    layers: [await makeLayer([{ path: "old", content: "o".repeat(8000) }])],
    config: cfg("amd64"),
  });
  await syncCache();
  const { executeDeletion } = await import("@/lib/services/deletions");
  await executeDeletion(SYSTEM, { repository: "gc/old", tags: ["old"], confirmTags: ["old"] }, null);
}, 120_000);

afterAll(async () => {
  if (existsSync(pidFile)) {
    try {
      process.kill(Number(readFileSync(pidFile, "utf8").trim()));
    } catch {
      // already gone
    }
  }
  await closeServices({ registries: [registry] });
});

describe("garbage collection with the exec runner", () => {
  it("a dry run reports what is eligible, with bytes, and deletes nothing", async () => {
    const before = await blobsBytes();
    const run = await runGc(true);
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    expect(run.progress.repositoriesMarked).toBeGreaterThanOrEqual(1);
    // the deleted image's layer and config; its manifest revision link is gone too
    expect(run.progress.blobsEligible).toBeGreaterThanOrEqual(2);
    expect(run.bytesEligible).toBeGreaterThanOrEqual(deleted.layersSize + deleted.configSize);
    expect(run.log).toMatch(/eligible for deletion/);
    expect(await blobsBytes()).toBe(before);
    expect(existsSync(blobFile(untagged.layers[0]?.digest ?? ""))).toBe(true);
  });

  it("runs one GC at a time: a second request while one is queued gets 409 with the first id", async () => {
    const { createGcRun } = await import("@/lib/services/gc");
    const results = await Promise.allSettled([createGcRun(SYSTEM, false, "manual", null), createGcRun(SYSTEM, false, "manual", null)]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const id = (ok[0] as PromiseFulfilledResult<{ id: number }>).value.id;
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: "conflict", details: { id } });

    // that queued run is the real one: untagged image and deleted image freed, the tagged index intact
    const before = await blobsBytes();
    const { executeGcRun, getGcRun } = await import("@/lib/services/gc");
    await executeGcRun(id);
    const run = await getGcRun(SYSTEM, id);
    expect(run.error).toBeNull();
    expect(run.status).toBe("succeeded");
    expect(run.phase).toBe("done");
    expect(run.progress.untaggedDeleted).toBe(1);
    expect(run.progress.blobsDeleted).toBeGreaterThanOrEqual(4);
    const after = await blobsBytes();
    expect(after).toBeLessThan(before);
    expect(run.bytesFreed).toBe(before - after);

    for (const d of [untagged.digest, untagged.layers[0]?.digest, untagged.configDigest, deleted.layers[0]?.digest, deleted.configDigest]) {
      expect(existsSync(blobFile(d ?? "")), `${d} deleted`).toBe(false);
    }
    // the tagged index still pulls: index, both children, their configs and layers
    const res = await fetch(`${registry.url}/v2/gc/app/manifests/1.0`, { headers: { accept: ACCEPT } });
    expect(res.status).toBe(200);
    for (const child of [amd, arm]) {
      expect((await fetch(`${registry.url}/v2/gc/app/manifests/${child.digest}`, { headers: { accept: ACCEPT } })).status).toBe(200);
      for (const blob of [child.configDigest, ...child.layers.map((l) => l.digest)]) {
        const b = await fetch(`${registry.url}/v2/gc/app/blobs/${blob}`);
        expect(b.status).toBe(200);
        expect((await b.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }
    }
    expect(index.digest).toMatch(/^sha256:/);
    const { getDb } = await import("@/lib/db/client");
    const audit = await getDb().auditEvent.findFirst({ where: { action: "gc.run" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ result: "success", target: `gc/${id}` });
  });

  it("GC_SCHEDULE queues a real run once its time has come, and not a second while it waits", async () => {
    const { queueScheduledGc, executeGcRun, getGcRun } = await import("@/lib/services/gc");
    expect(await queueScheduledGc(new Date(Date.now() - 10 * 60_000))).toBeNull(); // before the first time after start
    const later = new Date(Date.now() + 6 * 60_000);
    const id = await queueScheduledGc(later);
    expect(id).toEqual(expect.any(Number));
    expect(await queueScheduledGc(later)).toBeNull(); // it is queued: no second one
    await executeGcRun(id as number);
    const run = await getGcRun(SYSTEM, id as number);
    expect(run).toMatchObject({ trigger: "schedule", dryRun: false, status: "succeeded" });
    // the next time counts from this run: not due at the moment it was created
    expect(await queueScheduledGc(new Date(run.createdAt))).toBeNull();
  });
});
