// Deleting on the real docker-registry 2.8.2, where DELETE by tag answers DIGEST_INVALID and a delete by
// digest takes every tag on it: the preview must list the sibling tags, a delete must be confirmed with
// exactly that list, and the cache must agree with the registry right after.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, type PushedIndex, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { cachedTags, configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let x: PushedManifest; // app:a and app:b
let amd: PushedManifest;
let arm: PushedManifest;
let index: PushedIndex; // app:multi
let sharedLayer: string;

const exists = async (repository: string, reference: string) => (await pusher.fetchManifest(repository, reference)).status === 200;

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "deletions"),
    LOG_LEVEL: "error",
    LAYERSCOPE_ADMIN_USER: "",
  });
  const shared = await makeLayer([{ path: "etc/os-release", content: "ID=shared\n" }]);
  sharedLayer = shared.digest;
  const cfg = (architecture: string, created: string) => ({ architecture, os: "linux", created });
  x = await pusher.pushImage("del/app", ["a", "b"], {
    layers: [shared, await makeLayer([{ path: "x", content: "x".repeat(2000) }])],
    config: cfg("amd64", "2024-01-01T00:00:00Z"),
  });
  // app:c
  await pusher.pushImage("del/app", ["c"], {
    layers: [shared, await makeLayer([{ path: "y", content: "y".repeat(3000) }])],
    config: cfg("amd64", "2024-01-02T00:00:00Z"),
  });
  amd = await pusher.pushImage("del/app", [], {
    layers: [await makeLayer([{ path: "amd", content: "1".repeat(900) }])],
    config: cfg("amd64", "2024-01-03T00:00:00Z"),
  });
  arm = await pusher.pushImage("del/app", [], {
    layers: [await makeLayer([{ path: "arm", content: "2".repeat(800) }])],
    config: cfg("arm64", "2024-01-03T00:00:00Z"),
  });
  index = await pusher.pushIndex("del/app", ["multi"], { manifests: [{ manifest: amd }, { manifest: arm }] });
  await syncCache();
}, 120_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("deleting a tag on registry 2.8.2", () => {
  it("previews the sibling tag that goes with it, and the bytes a GC would free", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    const preview = await previewDeletion(SYSTEM, { repository: "del/app", tags: ["a"] });
    expect(preview.tagDeleteSupported).toBe(false);
    expect(preview.tagsRemoved).toEqual([
      { repository: "del/app", tag: "a" },
      { repository: "del/app", tag: "b" },
    ]);
    expect(preview.manifestsRemoved).toEqual([x.digest]);
    expect(preview.platformsAffected).toEqual([]);
    // x's own layer, its config and its manifest; the shared base layer stays (app:c uses it)
    const own = x.layers.find((l) => l.digest !== sharedLayer);
    expect(preview.bytesFreed).toBe((own?.size ?? 0) + x.configSize + x.size);
    expect(preview.blobsFreed.map((b) => b.digest).sort()).toEqual([own?.digest, x.configDigest, x.digest].sort());
    expect(preview.warnings.join(" ")).toMatch(/deletes by digest only.*\bb\b/);
    // a preview changes nothing
    expect(await exists("del/app", "a")).toBe(true);
    expect(await cachedTags("del/app")).toEqual(["a", "b", "c", "multi"]);
  });

  it("refuses a confirmation that leaves out the sibling (409 with the fresh preview), and changes nothing", async () => {
    const { executeDeletion } = await import("@/lib/services/deletions");
    const err = await executeDeletion(SYSTEM, { repository: "del/app", tags: ["a"], confirmTags: ["a"] }, null).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "conflict" });
    expect((err as { details: { preview: { tagsRemoved: unknown[] } } }).details.preview.tagsRemoved).toHaveLength(2);
    expect(await exists("del/app", "a")).toBe(true);
    expect(await exists("del/app", "b")).toBe(true);
    expect(await cachedTags("del/app")).toEqual(["a", "b", "c", "multi"]);
  });

  it("deletes both tags once confirmed; the cache agrees at once, and the audit log has the row", async () => {
    const { executeDeletion } = await import("@/lib/services/deletions");
    const result = await executeDeletion(SYSTEM, { repository: "del/app", tags: ["a"], confirmTags: ["b", "a"] }, "127.0.0.1");
    expect(result.failed).toEqual([]);
    expect(result.deleted).toEqual([{ reference: x.digest, result: "deleted" }]);
    expect(await exists("del/app", "a")).toBe(false);
    expect(await exists("del/app", "b")).toBe(false);
    expect(await exists("del/app", "c")).toBe(true);
    expect(await cachedTags("del/app")).toEqual(["c", "multi"]);
    const { getDb } = await import("@/lib/db/client");
    const audit = await getDb().auditEvent.findFirst({ where: { action: "delete.manifests" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ target: "del/app", result: "success", ip: "127.0.0.1" });
    expect(audit?.details).toMatchObject({ tags: ["a", "b"], digests: [x.digest] });
  });

  it("warns that deleting a platform image breaks the tagged index that lists it", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    const preview = await previewDeletion(SYSTEM, { repository: "del/app", digests: [arm.digest] });
    expect(preview.tagsRemoved).toEqual([]);
    expect(preview.platformsAffected).toEqual([
      { index: index.digest, indexTags: ["multi"], manifest: arm.digest, platform: "linux/arm64", breaksIndex: true },
    ]);
    expect(preview.warnings.join(" ")).toMatch(/multi would fail to pull on linux\/arm64/);
    expect(preview.bytesFreed).toBe(0); // the tagged index still reaches every blob of it
  });

  it("deleting an index lists its platforms and frees its children's blobs", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    const preview = await previewDeletion(SYSTEM, { repository: "del/app", tags: ["multi"] });
    expect(preview.manifestsRemoved).toEqual([index.digest]);
    expect(preview.platformsAffected.map((p) => [p.platform, p.breaksIndex])).toEqual([
      ["linux/amd64", false],
      ["linux/arm64", false],
    ]);
    const children = [amd, arm].reduce((s, m) => s + m.size + m.configSize + m.layersSize, 0);
    expect(preview.bytesFreed).toBe(index.size + children);
  });

  it("rejects an unknown tag and an invalid name with clear errors", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    await expect(previewDeletion(SYSTEM, { repository: "del/app", tags: ["nope"] })).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(/no such tag in del\/app: nope/),
    });
    await expect(previewDeletion(SYSTEM, { repository: "Del/App", tags: ["a"] })).rejects.toMatchObject({ code: "bad_request" });
  });
});
