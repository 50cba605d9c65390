// Storage's orphan list and garbage collection's eligible list are one rule: GC keeps every manifest revision and
// what it references (config, layers, index or manifest-list children), linked or not, and deletes the rest,
// linked or not. Checked against the real docker-registry 2.8.2 `garbage-collect --dry-run` with an OCI index, a
// Docker manifest list, a Docker v2 image, a just-deleted image (its layers still linked) and a referenced blob
// whose link was deleted through the API. The dry run also lists what it would delete, with sizes and repositories.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let kept: PushedManifest;
let deleted: PushedManifest;
let unlinked: string;

async function dryRun() {
  const { createGcRun, executeGcRun, getGcRun } = await import("@/lib/services/gc");
  const { id } = await createGcRun(SYSTEM, true, "manual", null);
  await executeGcRun(id);
  return getGcRun(SYSTEM, id);
}

async function storageScan() {
  const { createStorageScan, executeStorageScan, getStorageOverview } = await import("@/lib/services/storage");
  const { id } = await createStorageScan("manual");
  await executeStorageScan(id);
  const overview = await getStorageOverview(SYSTEM);
  if (!overview.configured || !overview.result) throw new Error("no scan result");
  return overview.result;
}

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "gc_agree"),
    LOG_LEVEL: "error",
    REGISTRY_STORAGE_ROOT: registry.rootDir,
    GC_RUNNER: "exec",
    GC_REGISTRY_BINARY: registry.binaryPath,
    GC_REGISTRY_CONFIG: registry.configPath,
  });
  const cfg = (architecture: string) => ({ architecture, os: "linux", created: "2024-01-01T00:00:00Z" });
  const image = async (repository: string, name: string, format: "oci" | "docker", tags: string[], architecture = "amd64") =>
    pusher.pushImage(repository, tags, {
      format,
      layers: [await makeLayer([{ path: name, content: name.repeat(500) }])],
      config: cfg(architecture),
    });
  const amd = await image("agree/index", "a", "oci", []);
  const arm = await image("agree/index", "b", "oci", [], "arm64");
  await pusher.pushIndex("agree/index", ["1"], { manifests: [{ manifest: amd }, { manifest: arm }] });
  const listAmd = await image("agree/list", "c", "docker", []);
  const listArm = await image("agree/list", "d", "docker", [], "arm64");
  await pusher.pushIndex("agree/list", ["1"], { format: "docker", manifests: [{ manifest: listAmd }, { manifest: listArm }] });
  kept = await image("agree/v2", "e", "docker", ["1"]);
  deleted = await image("agree/v2", "f", "docker", ["2"]);
  // a blob DELETE removes only the repository's link: the manifest still references the layer, GC keeps it
  unlinked = kept.layers[0]?.digest ?? "";
  const res = await fetch(`${registry.url}/v2/agree/v2/blobs/${unlinked}`, { method: "DELETE" });
  expect(res.status).toBe(202);
  await syncCache();
  const { executeDeletion } = await import("@/lib/services/deletions");
  await executeDeletion(SYSTEM, { repository: "agree/v2", tags: ["2"], confirmTags: ["2"] }, null);
}, 120_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("storage and garbage collection agree", () => {
  it("a dry run lists the blobs of the just-deleted image as eligible, with size, kind and repository", async () => {
    const run = await dryRun();
    expect(run.status).toBe("succeeded");
    const eligible = run.eligible ?? [];
    expect(eligible.map((e) => e.digest).sort()).toEqual([deleted.digest, deleted.configDigest, deleted.layers[0]?.digest ?? ""].sort());
    const byDigest = new Map(eligible.map((e) => [e.digest, e]));
    expect(byDigest.get(deleted.layers[0]?.digest ?? "")).toEqual({
      digest: deleted.layers[0]?.digest,
      bytes: deleted.layers[0]?.size,
      kind: "layer",
      repositories: ["agree/v2"],
    });
    expect(byDigest.get(deleted.configDigest)).toMatchObject({ kind: "config", bytes: deleted.configSize, repositories: ["agree/v2"] });
    expect(byDigest.get(deleted.digest)).toMatchObject({ kind: "manifest", bytes: deleted.size, repositories: ["agree/v2"] });
    expect(run.bytesEligible).toBe(deleted.size + deleted.configSize + (deleted.layers[0]?.size ?? 0));
  });

  it("the storage scan's orphans are exactly the blobs garbage collection would delete", async () => {
    const run = await dryRun();
    const scan = await storageScan();
    expect(scan.orphanedBlobs.map((b) => b.digest).sort()).toEqual((run.eligible ?? []).map((e) => e.digest).sort());
    // the deleted image's layer is still linked, and an orphan all the same
    const layer = scan.orphanedBlobs.find((b) => b.digest === deleted.layers[0]?.digest);
    expect(layer?.linkedBy).toBe(1);
    expect(scan.orphanedBlobs.some((b) => b.digest === unlinked)).toBe(false);
  });

  it("Find on disk does not call an unlinked blob that a manifest references an orphan", async () => {
    const { locateOnDisk } = await import("@/lib/services/storage");
    const found = await locateOnDisk(SYSTEM, { digest: unlinked });
    expect(found.blob.blob).not.toBeNull();
    expect(found.blob.links).toEqual([]);
    expect(found.blob.gc).toMatchObject({ orphan: false });
    const gone = await locateOnDisk(SYSTEM, { digest: deleted.layers[0]?.digest ?? "" });
    expect(gone.blob.links.map((l) => l.repository)).toEqual(["agree/v2"]);
    expect(gone.blob.gc).toMatchObject({ orphan: true });
  });

  it("a scan stores its progress and result in Postgres; a second request while one is queued joins it", async () => {
    const { createStorageScan } = await import("@/lib/services/storage");
    const first = await createStorageScan("manual");
    const second = await createStorageScan("manual");
    expect(second).toEqual({ id: first.id, created: false });
    const { executeStorageScan, getStorageOverview } = await import("@/lib/services/storage");
    await executeStorageScan(first.id);
    const overview = await getStorageOverview(SYSTEM);
    expect(overview).toMatchObject({ configured: true, scan: { id: first.id, status: "succeeded" } });
    if (!overview.configured) throw new Error("unreachable");
    expect(overview.scan?.progress).toMatchObject({ phase: "done" });
    expect(Date.parse(overview.result?.scannedAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(path.isAbsolute(overview.result?.orphanedBlobs[0]?.path ?? "")).toBe(true);
  });
});
