// A registry started without storage.delete.enabled: deletes answer 405 UNSUPPORTED. The preview says so,
// the delete names the setting to change, and nothing changes in the registry or the cache.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

describe("a registry with deletes disabled", () => {
  let locked: RunningRegistry;
  beforeAll(async () => {
    locked = await startRegistry({ deleteEnabled: false });
    const p = new RegistryPusher(locked.url);
    await p.pushImage("locked/app", ["1"], {
      layers: [await makeLayer([{ path: "l", content: "l" }])],
      config: { architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z" },
    });
    configureEnv({
      REGISTRY_URL: locked.url,
      DATABASE_URL: await freshDatabase(inject("databaseUrl"), "deletions_disabled"),
      LOG_LEVEL: "error",
      GC_RUNNER: "exec",
      GC_REGISTRY_BINARY: locked.binaryPath,
      GC_REGISTRY_CONFIG: locked.configPath,
      REGISTRY_STORAGE_ROOT: locked.rootDir,
    });
    await syncCache();
  }, 60_000);
  afterAll(() => closeServices({ registries: [locked] }));

  it("says which setting to change, and deletes nothing", async () => {
    const { previewDeletion, executeDeletion } = await import("@/lib/services/deletions");
    const preview = await previewDeletion(SYSTEM, { repository: "locked/app", tags: ["1"] });
    expect(preview.deleteEnabled).toBe(false);
    expect(preview.warnings.join(" ")).toMatch(/storage\.delete\.enabled/);
    await expect(executeDeletion(SYSTEM, { repository: "locked/app", tags: ["1"], confirmTags: ["1"] }, null)).rejects.toMatchObject({
      code: "registry_error",
      message: expect.stringMatching(/storage\.delete\.enabled: true/),
    });
    expect((await new RegistryPusher(locked.url).fetchManifest("locked/app", "1")).status).toBe(200);
    const { getDb } = await import("@/lib/db/client");
    expect((await getDb().tag.findMany({ where: { repository: { name: "locked/app" } } })).map((t) => t.name)).toEqual(["1"]);
  });

  it("garbage collection stops with the same clear error before touching anything", async () => {
    const { measureDirectory } = await import("@/lib/storage/scan");
    const blobs = `${locked.rootDir}/docker/registry/v2/blobs`;
    const before = await measureDirectory(blobs);
    const { createGcRun, executeGcRun, getGcRun } = await import("@/lib/services/gc");
    const { id } = await createGcRun(SYSTEM, false, "manual", null);
    await executeGcRun(id);
    const run = await getGcRun(SYSTEM, id);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/storage\.delete\.enabled: true/);
    expect(run.progress.untaggedDeleted).toBe(0);
    expect(await measureDirectory(blobs)).toEqual(before);
    expect((await new RegistryPusher(locked.url).fetchManifest("locked/app", "1")).status).toBe(200);
  });
});
