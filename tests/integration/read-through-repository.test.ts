// A repository pushed after the last sync answers at once, as its manifest URL does: the tag list reads
// it through from the registry instead of answering 404 until the next sync.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { tagListQuery } from "@/lib/contract/repositories";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { pushHelmChart } from "../fixtures/scenarios";
import { cachedTags, configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "read_through_repository"),
    LOG_LEVEL: "error",
    LAYERSCOPE_ADMIN_USER: "",
  });
  await pusher.pushImage("rt/old", ["v1"], {
    layers: [await makeLayer([{ path: "old", content: "old" }])],
    config: { architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z" },
  });
  await syncCache();
}, 120_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("reading a repository through", () => {
  it("lists the tags of a repository pushed since the last sync", async () => {
    const pushed = await pusher.pushImage("rt/new", ["1.0", "latest"], {
      layers: [await makeLayer([{ path: "new", content: "n".repeat(300) }])],
      config: { architecture: "amd64", os: "linux", created: "2024-02-02T00:00:00Z" },
    });
    const { listTags } = await import("@/lib/services/repositories");
    const list = await listTags(SYSTEM, "rt/new", tagListQuery.parse({ sort: "name", order: "asc", limit: "50" }));
    expect(list.items.map((t) => [t.name, t.digest])).toEqual([
      ["1.0", pushed.digest],
      ["latest", pushed.digest],
    ]);
    expect(await cachedTags("rt/new")).toEqual(["1.0", "latest"]);
  });

  it("answers two readers of a new repository at once", async () => {
    const pushed = await pusher.pushImage("rt/together", ["a", "b", "c", "d"], {
      layers: [await makeLayer([{ path: "together", content: "t".repeat(300) }])],
      config: { architecture: "amd64", os: "linux", created: "2024-03-03T00:00:00Z" },
    });
    const { listTags } = await import("@/lib/services/repositories");
    const query = tagListQuery.parse({ sort: "name", order: "asc", limit: "50" });
    const lists = await Promise.all([listTags(SYSTEM, "rt/together", query), listTags(SYSTEM, "rt/together", query)]);
    for (const list of lists) {
      expect(list.items.map((t) => [t.name, t.digest])).toEqual(["a", "b", "c", "d"].map((tag) => [tag, pushed.digest]));
    }
    expect(await cachedTags("rt/together")).toEqual(["a", "b", "c", "d"]);
  });

  it("still answers 404 for a repository the registry does not have either", async () => {
    const { listTags } = await import("@/lib/services/repositories");
    await expect(
      listTags(SYSTEM, "rt/never-pushed", tagListQuery.parse({ sort: "name", order: "asc", limit: "50" })),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("a repository's last update", () => {
  it("is a Helm chart's created annotation, and unknown (null) rather than the sync time when nothing says", async () => {
    await pushHelmChart(pusher, "rt/charts/web", { name: "web", version: "1.2.3", created: "2023-06-07T08:09:10Z" });
    await pusher.pushParts("rt/undated", ["v1"], {
      format: "oci",
      config: { blob: Buffer.from("{}"), mediaType: "application/vnd.oci.empty.v1+json" },
      layers: [{ blob: Buffer.from("x"), mediaType: "application/octet-stream" }],
    });
    await syncCache();
    const { getDb } = await import("@/lib/db/client");
    const rows = await getDb().repository.findMany({ where: { name: { in: ["rt/charts/web", "rt/undated"] } }, orderBy: { name: "asc" } });
    expect(rows.map((r) => [r.name, r.updatedAt?.toISOString() ?? null])).toEqual([
      ["rt/charts/web", "2023-06-07T08:09:10.000Z"],
      ["rt/undated", null],
    ]);
  });
});
