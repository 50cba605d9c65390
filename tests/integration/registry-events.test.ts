// Registry notifications applied as events, against a real registry whose notifications reach
// the real webhook route over HTTP, and a real Postgres: a push shows without a sync, Layerscope's
// own reads are not pulls, and late, duplicated, reordered and bursty events converge.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { cachedTags, configureEnv, freshDatabase, syncCache } from "./helpers";
import { bearer, callRoute, ROOT } from "./route-harness";
import { closeServices } from "./teardown";

const SECRET = "registry-events-secret-0123456789abcdef";
const WEBHOOK = `${ROOT}/app/api/v1/webhooks/registry/route.ts`;
const OCI = "application/vnd.oci.image.manifest.v1+json";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let hook: http.Server;
const received: { status: number; body: unknown }[] = [];
let ready = false;

async function image(content: string) {
  return {
    layers: [await makeLayer([{ path: "f.txt", content }])],
    config: { architecture: "amd64", os: "linux", created: "2024-06-01T00:00:00Z" },
  };
}

/** POST an envelope to the webhook route as the registry would. */
async function notify(events: unknown[]): Promise<Response> {
  return callRoute(WEBHOOK, "POST", { url: "/api/v1/webhooks/registry", headers: bearer(SECRET), body: { events } });
}

async function drain() {
  const { drainRegistryEvents } = await import("@/lib/services/registry-events");
  // the webhook starts a drain itself; wait until no other holds the lock and nothing is left
  for (let i = 0; i < 100; i++) {
    const r = await drainRegistryEvents();
    if (r !== null) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error("the event drain stayed locked");
}

async function tagDigest(repository: string, tag: string): Promise<string | null> {
  const { getDb } = await import("@/lib/db/client");
  const row = await getDb().tag.findFirst({ where: { repository: { name: repository }, name: tag } });
  return row?.digest ?? null;
}

beforeAll(async () => {
  // the registry's notifications go to a real HTTP endpoint that hands them to the route handler
  hook = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      // until the env is configured (lib/env parses once) the set-up's own pushes are acknowledged unread
      if (!ready) return void res.writeHead(202).end();
      const body = Buffer.concat(chunks).toString("utf8");
      const answer = await callRoute(WEBHOOK, "POST", {
        url: "/api/v1/webhooks/registry",
        headers: { authorization: req.headers.authorization ?? "", "content-type": "application/json" },
        body,
      });
      received.push({ status: answer.status, body: JSON.parse(body) as unknown });
      res.writeHead(answer.status).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const port = (hook.address() as AddressInfo).port;
  registry = await startRegistry({
    extraConfig: {
      notifications: {
        endpoints: [
          {
            name: "layerscope",
            url: `http://127.0.0.1:${port}/api/v1/webhooks/registry`,
            headers: { Authorization: [`Bearer ${SECRET}`] },
            timeout: "2s",
            threshold: 5,
            backoff: "1s",
          },
        ],
      },
    },
  });
  pusher = new RegistryPusher(registry.url);
  await pusher.pushImage("events/app", ["v1", "v1-alias"], await image("one"));
  const databaseUrl = await freshDatabase(inject("databaseUrl"), "registry_events");
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: databaseUrl,
    LAYERSCOPE_WEBHOOK_SECRET: SECRET,
    LAYERSCOPE_WORKERS: "false",
    LOG_LEVEL: "error",
  });
  ready = true;
  await syncCache();
}, 300_000);

afterAll(async () => {
  await closeServices({ registries: [registry] });
  await new Promise((resolve) => hook?.close(resolve));
});

describe("registry notifications applied as events", () => {
  it("a real push reaches the cache through the registry's notification, without a sync", async () => {
    const pushed = await pusher.pushImage("events/app", ["v2"], await image("two"));
    await expect.poll(() => tagDigest("events/app", "v2"), { timeout: 15_000, interval: 100 }).toBe(pushed.digest);
    const { getDb } = await import("@/lib/db/client");
    // no sync ran for it: the only run is the set-up's
    expect(await getDb().syncRun.count()).toBe(1);
    expect(received.every((r) => r.status === 202)).toBe(true);
  });

  it("a repository not cached yet appears with its tag", async () => {
    const pushed = await pusher.pushImage("events/brand-new", ["latest"], await image("new repo"));
    await expect.poll(() => tagDigest("events/brand-new", "latest"), { timeout: 15_000, interval: 100 }).toBe(pushed.digest);
    const { getDb } = await import("@/lib/db/client");
    // the repository's totals are refreshed just after the batch's tags are committed (applyBatch)
    await expect
      .poll(async () => (await getDb().repository.findUniqueOrThrow({ where: { name: "events/brand-new" } })).tagCount, {
        timeout: 5_000,
        interval: 50,
      })
      .toBe(1);
  });

  it("Layerscope's own manifest reads are not recorded as pulls; a client's are", async () => {
    const { getDb } = await import("@/lib/db/client");
    // the sync fetches every manifest of events/app again (a GET each, with Layerscope's user agent)
    await getDb().tag.deleteMany({ where: { repository: { name: "events/app" } } });
    await getDb().manifestPull.deleteMany({});
    await syncCache();
    const v1 = await tagDigest("events/app", "v1");
    await pusher.fetchManifest("events/app", "v1"); // a client pull
    await expect
      .poll(async () => (await getDb().manifestPull.findMany({})).map((p) => `${p.repository}@${p.digest}:${p.pulls}`), { timeout: 15_000 })
      .toEqual([`events/app@${v1}:1`]);
  });

  it("a delete by digest removes the sibling tags too", async () => {
    const v1 = (await tagDigest("events/app", "v1")) as string;
    await pusher.deleteManifest("events/app", v1);
    await expect.poll(() => cachedTags("events/app"), { timeout: 15_000, interval: 100 }).toEqual(["v2"]);
  });

  it("duplicated, reordered and late events converge on the newest state", async () => {
    const a = await pusher.pushImage("events/order", ["keep"], await image("order a"));
    const b = await pusher.pushImage("events/order", ["keep-b"], await image("order b"));
    await expect.poll(() => cachedTags("events/order"), { timeout: 15_000, interval: 100 }).toEqual(["keep", "keep-b"]);
    const t0 = Date.now();
    const push = (id: string, digest: string, at: number) => ({
      id,
      action: "push",
      timestamp: new Date(at).toISOString(),
      target: { repository: "events/order", tag: "moving", digest, mediaType: OCI },
    });
    // newest first, then an older one, then the newest again (a retry)
    expect((await notify([push("m3", b.digest, t0 + 3000), push("m1", a.digest, t0 + 1000), push("m3", b.digest, t0 + 3000)])).status).toBe(
      202,
    );
    await drain();
    expect(await tagDigest("events/order", "moving")).toBe(b.digest);
    // a late delivery of an event in between changes nothing either
    await notify([push("m2", a.digest, t0 + 2000)]);
    await drain();
    expect(await tagDigest("events/order", "moving")).toBe(b.digest);
    // a delete newer than everything removes it; the older push arriving after does not revive it
    await notify([
      { id: "m4", action: "delete", timestamp: new Date(t0 + 4000).toISOString(), target: { repository: "events/order", tag: "moving" } },
    ]);
    await notify([push("m3-late", a.digest, t0 + 3500)]);
    await drain();
    expect(await tagDigest("events/order", "moving")).toBeNull();
  });

  it("applies a burst of events in bounded batches", async () => {
    const a = await pusher.pushImage("events/burst", ["base"], await image("burst"));
    await expect.poll(() => cachedTags("events/burst"), { timeout: 15_000, interval: 100 }).toEqual(["base"]);
    const t0 = Date.now();
    const events = Array.from({ length: 2500 }, (_, i) => ({
      id: `burst-${i}`,
      action: "push",
      timestamp: new Date(t0 + i).toISOString(),
      target: { repository: "events/burst", tag: `b${i}`, digest: a.digest, mediaType: OCI },
    }));
    const res = await notify(events);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ events: 2500, stored: 2500 });
    const { drainRegistryEvents } = await import("@/lib/services/registry-events");
    // whatever the webhook's own drain already did, a small batch size shows the batching
    let result = await drainRegistryEvents(300);
    while (result === null) {
      await new Promise((r) => setTimeout(r, 50));
      result = await drainRegistryEvents(300);
    }
    expect((await cachedTags("events/burst")).length).toBe(2501);
    const { getDb } = await import("@/lib/db/client");
    expect((await getDb().repository.findUniqueOrThrow({ where: { name: "events/burst" } })).tagCount).toBe(2501);
    expect(await getDb().registryEvent.count({ where: { appliedAt: null } })).toBe(0);
  });
});
