// A manifest whose layer blob is gone from the registry: the presence check (a stat in the storage root, once per
// digest, missing ones at every pass) makes the tag, manifest and repository APIs say `blob_missing` with the
// digest, and a push of the same blob clears it. Real docker-registry 2.8.2 and Postgres.
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { repositoryListQuery, tagListQuery } from "@/lib/contract/repositories";
import { makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let broken: PushedManifest;
let healthy: PushedManifest;
let layer: string;

const blobFile = (digest: string) =>
  path.join(registry.rootDir, "docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data");

async function tagProblems(repository: string) {
  const { listTags } = await import("@/lib/services/repositories");
  const list = await listTags(SYSTEM, repository, tagListQuery.parse({}));
  return Object.fromEntries(list.items.map((t) => [t.name, t.problems]));
}

async function repositoryProblems() {
  const { listRepositories } = await import("@/lib/services/repositories");
  const list = await listRepositories(SYSTEM, repositoryListQuery.parse({}));
  return Object.fromEntries(list.items.map((r) => [r.name, r.problems]));
}

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "blob_problems"),
    LOG_LEVEL: "error",
    REGISTRY_STORAGE_ROOT: registry.rootDir,
  });
  const cfg = (architecture: string) => ({ architecture, os: "linux", created: "2024-01-01T00:00:00Z" });
  broken = await pusher.pushImage("broken/app", ["1.0"], {
    layers: [await makeLayer([{ path: "app.bin", content: "x".repeat(4000) }])],
    config: cfg("amd64"),
  });
  healthy = await pusher.pushImage("broken/app", ["ok"], {
    layers: [await makeLayer([{ path: "ok.bin", content: "y".repeat(3000) }])],
    config: cfg("arm64"),
  });
  // the same image under a multi-arch index in another repository
  await pusher.pushImage("broken/multi", [], {
    layers: [await makeLayer([{ path: "app.bin", content: "x".repeat(4000) }])],
    config: cfg("amd64"),
  });
  await pusher.pushIndex("broken/multi", ["all"], { manifests: [{ manifest: { ...broken, repository: "broken/multi" } }] });
  await pusher.pushImage("fine/app", ["1"], { layers: [await makeLayer([{ path: "f", content: "f".repeat(100) }])], config: cfg("amd64") });
  layer = broken.layers[0]?.digest ?? "";
  // the blob goes missing on disk before Layerscope first sees the image
  rmSync(path.dirname(blobFile(layer)), { recursive: true });
  await syncCache();
}, 120_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("blob_missing", () => {
  it("is reported on the tag, the index over it, the manifest and the repository once the presence check ran", async () => {
    const { checkBlobPresence } = await import("@/lib/services/blob-presence");
    const pass = await checkBlobPresence();
    expect(pass.missing).toBe(1);
    const missing = [{ code: "blob_missing", digest: layer }];

    expect(await tagProblems("broken/app")).toEqual({ "1.0": missing, ok: [] });
    expect(await tagProblems("broken/multi")).toEqual({ all: missing });
    const { getManifestDetail } = await import("@/lib/services/manifests");
    expect((await getManifestDetail(SYSTEM, "broken/app", "1.0")).problems).toEqual(missing);
    expect((await getManifestDetail(SYSTEM, "broken/app", "ok")).problems).toEqual([]);
    expect((await getManifestDetail(SYSTEM, "broken/multi", "all")).problems).toEqual(missing);
    const repos = await repositoryProblems();
    expect(repos["broken/app"]).toEqual(missing);
    expect(repos["broken/multi"]).toEqual(missing);
    expect(repos["fine/app"]).toEqual([]);
    expect(healthy.layers[0]?.digest).not.toBe(layer);
  });

  it("checks a present blob once: a second pass asks only about the missing one", async () => {
    const { checkBlobPresence } = await import("@/lib/services/blob-presence");
    const pass = await checkBlobPresence();
    expect(pass).toMatchObject({ checked: 1, missing: 1 });
  });

  it("is cleared when the blob is pushed again", async () => {
    const { makeLayer: again } = await import("../fixtures/images");
    const same = await again([{ path: "app.bin", content: "x".repeat(4000) }]);
    expect(same.digest).toBe(layer);
    await new RegistryPusher(registry.url).pushBlob("broken/app", same.blob);
    const { checkBlobPresence } = await import("@/lib/services/blob-presence");
    expect((await checkBlobPresence()).missing).toBe(0);
    expect(await tagProblems("broken/app")).toEqual({ "1.0": [], ok: [] });
    expect(await tagProblems("broken/multi")).toEqual({ all: [] });
    expect((await repositoryProblems())["broken/app"]).toEqual([]);
  });
});
