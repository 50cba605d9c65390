// The deletion preview answers from the cache (one tags/list, no HEAD per tag) and computes the bytes a GC
// would free set-wise: it must name the same tags, manifests and freed blobs as the registry-checked preview,
// and the same bytes as the per-tag count of blob-usage.ts, on a fixture whose images share layers with
// each other and with another repository.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { cachedTags, configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let one: PushedManifest;
let two: PushedManifest;
let three: PushedManifest;
const TAGS_EACH = 40;
const tagsOf = (prefix: string) => Array.from({ length: TAGS_EACH }, (_, i) => `${prefix}-${i}`);

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "deletion_preview"),
    LOG_LEVEL: "error",
    LAYERSCOPE_ADMIN_USER: "",
  });
  const base = await makeLayer([{ path: "etc/os-release", content: "ID=base\n" }]);
  const mid = await makeLayer([{ path: "usr/lib/mid.so", content: "m".repeat(5000) }]);
  const cfg = (created: string) => ({ architecture: "amd64", os: "linux", created });
  one = await pusher.pushImage("pre/app", tagsOf("one"), {
    layers: [base, mid, await makeLayer([{ path: "app/one", content: "1".repeat(2000) }])],
    config: cfg("2024-01-01T00:00:00Z"),
  });
  two = await pusher.pushImage("pre/app", [...tagsOf("two"), "rc-2"], {
    layers: [base, mid, await makeLayer([{ path: "app/two", content: "2".repeat(3000) }])],
    config: cfg("2024-01-02T00:00:00Z"),
  });
  three = await pusher.pushImage("pre/app", [...tagsOf("three"), "rc-3"], {
    layers: [base, await makeLayer([{ path: "app/three", content: "3".repeat(4000) }])],
    config: cfg("2024-01-03T00:00:00Z"),
  });
  // another repository keeps the base layer alive whatever pre/app loses
  await pusher.pushImage("pre/other", ["keep"], { layers: [base], config: cfg("2024-01-04T00:00:00Z") });
  await syncCache();
}, 180_000);

afterAll(() => closeServices({ registries: [registry] }));

const requests = [
  { repository: "pre/app", allTags: true },
  { repository: "pre/app", tagFilter: "rc" },
  { repository: "pre/app", tags: ["one-3"] },
  { repository: "pre/app", tags: ["two-1", "three-7"] },
  { repository: "pre/app", digests: [] as string[], tags: ["three-0"] },
];

describe("deletion preview from the cache", () => {
  it("names the same tags, manifests and freed blobs as the registry-checked preview", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    for (const request of requests) {
      const checked = await previewDeletion(SYSTEM, request);
      const fast = await previewDeletion(SYSTEM, request, { against: "cache" });
      expect(fast, JSON.stringify(request)).toEqual(checked);
    }
  });

  it("frees the same bytes as the per-tag blob usage count (shared layers stay)", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    const { blobUsage } = await import("@/lib/services/blob-usage");
    const { getDb } = await import("@/lib/db/client");
    for (const request of requests) {
      const fast = await previewDeletion(SYSTEM, request, { against: "cache" });
      const old = await blobUsage(getDb(), fast.manifestsRemoved, fast.tagsRemoved);
      expect(fast.bytesFreed, JSON.stringify(request)).toBe(old.bytesFreed);
      expect(fast.blobsFreed.map((b) => b.digest).sort()).toEqual(
        old.blobs
          .filter((b) => b.freed)
          .map((b) => b.digest)
          .sort(),
      );
    }
    // everything of pre/app goes but the base layer, which pre/other still uses
    const all = await previewDeletion(SYSTEM, { repository: "pre/app", allTags: true }, { against: "cache" });
    const base = one.layers[0]?.digest;
    expect(all.blobsFreed.map((b) => b.digest)).not.toContain(base);
    const mid = one.layers[1]?.digest;
    expect(all.blobsFreed.map((b) => b.digest)).toContain(mid);
    const own = [one, two, three].reduce((s, m) => s + m.size + m.configSize + (m.layers.at(-1)?.size ?? 0), 0);
    expect(all.bytesFreed).toBe(own + (one.layers[1]?.size ?? 0));
    // deleting one image keeps the middle layer the other still uses
    const single = await previewDeletion(SYSTEM, { repository: "pre/app", tags: ["one-0"] }, { against: "cache" });
    expect(single.bytesFreed).toBe(one.size + one.configSize + (one.layers[2]?.size ?? 0));
  });

  it("asks the registry once for the tag list instead of once per tag", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    const { sharedRegistry } = await import("@/lib/services/registry");
    const head = vi.spyOn(sharedRegistry(), "headManifest");
    const list = vi.spyOn(sharedRegistry(), "listTags");
    try {
      const preview = await previewDeletion(SYSTEM, { repository: "pre/app", allTags: true }, { against: "cache" });
      expect(preview.tagsRemoved).toHaveLength(3 * TAGS_EACH + 2);
      expect(head).not.toHaveBeenCalled();
      expect(list).toHaveBeenCalledTimes(1);
    } finally {
      head.mockRestore();
      list.mockRestore();
    }
  });

  it("still refuses a tag the registry no longer has, and drops it from the cache", async () => {
    const { previewDeletion } = await import("@/lib/services/deletions");
    await pusher.deleteManifest("pre/app", three.digest);
    await expect(previewDeletion(SYSTEM, { repository: "pre/app", tags: ["rc-3"] }, { against: "cache" })).rejects.toMatchObject({
      code: "not_found",
      message: expect.stringMatching(/no such tag in pre\/app: rc-3/),
    });
    expect(await cachedTags("pre/app")).not.toContain("three-0");
    const rc = await previewDeletion(SYSTEM, { repository: "pre/app", tagFilter: "rc" }, { against: "cache" });
    expect(rc.tagsRemoved.filter((t) => t.tag.startsWith("rc"))).toEqual([{ repository: "pre/app", tag: "rc-2" }]);
  });
});
