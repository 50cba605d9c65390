// Logs and metrics of a configured instance: every secret Layerscope knows of is configured, real route handlers run
// against a registry behind Basic auth (sign-ins by password, API token and session cookie, webhooks with their
// secrets, a failing request, a sync, a layer index, registry notifications), and the whole log output — lines
// written through the logger and anything else on stdout/stderr — is searched for each secret value. Then the
// Prometheus scrape shows what happened, and only with METRICS_TOKEN.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { MediaType, makeLayer, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, sessionAdmin } from "./helpers";
import { basic, bearer, callRoute, discoverRoutes, sessionCookie } from "./route-harness";
import { closeServices } from "./teardown";

const SECRETS = {
  REGISTRY_PASSWORD: "registry-pass-Zq81xV",
  AUTH_SECRET: "auth-secret-Kd93mW0aPq7Lr2Xy5Tb8Nc1Vf4Hj6Gs9",
  LAYERSCOPE_ADMIN_PASSWORD: "admin-pass-Yt62bN",
  LAYERSCOPE_WEBHOOK_SECRET: "webhook-secret-Hs71cM4oQ",
  GC_WEBHOOK_SECRET: "gc-webhook-secret-Pw28dK5eR",
  OIDC_CLIENT_SECRET: "oidc-client-secret-Vb39fL6gT",
  METRICS_TOKEN: "metrics-token-Nm40hJ7iU",
};

let registry: RunningRegistry;
const output: string[] = [];
let restoreSink: () => void = () => undefined;
let apiToken = "";
let session: Record<string, string> = {};
const file = (route: string) => {
  const found = discoverRoutes().find((r) => r.route === route)?.file;
  if (!found) throw new Error(`no route ${route}`);
  return found;
};

beforeAll(async () => {
  const credentials = { username: "ci", password: SECRETS.REGISTRY_PASSWORD };
  registry = await startRegistry({ htpasswd: credentials });
  const pusher = new RegistryPusher(registry.url, credentials);
  await pusher.pushImage("private/app", ["v1"], {
    layers: [await makeLayer([{ path: "hello.txt", content: "hi" }])],
    config: { architecture: "amd64", os: "linux", created: "2024-02-02T00:00:00Z" },
  });
  configureEnv({
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "observability"),
    REGISTRY_URL: registry.url,
    REGISTRY_USERNAME: credentials.username,
    LAYERSCOPE_ADMIN_USER: "root",
    OIDC_ISSUER: "http://127.0.0.1:9/issuer",
    OIDC_CLIENT_ID: "layerscope",
    LOG_LEVEL: "debug",
    ...SECRETS,
  });
  const { setLogSink } = await import("@/lib/log");
  restoreSink = setLogSink((line) => output.push(line));
  // anything written around the logger counts too
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      output.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
  const { bootstrapAdmin } = await import("@/lib/services/users");
  await bootstrapAdmin();
  const { getDb } = await import("@/lib/db/client");
  const admin = await getDb().user.findUniqueOrThrow({ where: { username: "root" } });
  const { createToken } = await import("@/lib/services/tokens");
  const caller = sessionAdmin({ id: admin.id, username: "root" });
  apiToken = (await createToken(caller, { name: "observability", expiresInDays: null }, null)).token;
  session = { ...(await sessionCookie(SECRETS.AUTH_SECRET, { uid: admin.id, sv: 0 })), origin: "http://localhost:3000" };
}, 120_000);

afterAll(async () => {
  restoreSink();
  vi.restoreAllMocks();
  await closeServices({ jobs: true, registries: [registry] });
});

describe("logs", () => {
  it("give every API request an id, returned in X-Request-Id and on the request's log line", async () => {
    const res = await callRoute(file("/api/v1/me"), "GET", {
      url: "/api/v1/me",
      headers: basic("root", SECRETS.LAYERSCOPE_ADMIN_PASSWORD),
    });
    expect(res.status).toBe(200);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = output.find((l) => l.includes(`"requestId":"${id}"`) && l.includes('"msg":"request"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ level: "info", method: "GET", route: "/api/v1/me", status: 200 });
    // a proxy's id is kept, so one id follows the request through both logs
    const again = await callRoute(file("/api/v1/me"), "GET", {
      url: "/api/v1/me",
      headers: { ...bearer(apiToken), "x-request-id": "proxy-id-12345" },
    });
    expect(again.headers.get("x-request-id")).toBe("proxy-id-12345");
  });

  it("never contain a configured secret, a token, a cookie or an Authorization value", async () => {
    const { logger } = await import("@/lib/log");
    const { runSync } = await import("@/lib/services/sync");
    const adminBasic = basic("root", SECRETS.LAYERSCOPE_ADMIN_PASSWORD);
    // sign-ins of every kind, right and wrong
    for (const headers of [adminBasic, bearer(apiToken), session, basic("root", `${SECRETS.LAYERSCOPE_ADMIN_PASSWORD}-wrong`)]) {
      await callRoute(file("/api/v1/me"), "GET", { url: "/api/v1/me", headers });
    }
    // webhooks with the right and a wrong secret
    const push = {
      events: [
        {
          id: "evt-1",
          timestamp: new Date().toISOString(),
          action: "push",
          target: { mediaType: MediaType.ociManifest, repository: "private/app", tag: "v1", digest: "sha256:".padEnd(71, "0") },
        },
      ],
    };
    await callRoute(file("/api/v1/webhooks/registry"), "POST", {
      url: "/api/v1/webhooks/registry",
      headers: bearer(SECRETS.LAYERSCOPE_WEBHOOK_SECRET),
      body: push,
    });
    await callRoute(file("/api/v1/webhooks/registry"), "POST", {
      url: "/api/v1/webhooks/registry",
      headers: bearer(SECRETS.GC_WEBHOOK_SECRET),
      body: push,
    });
    await callRoute(file("/api/v1/gc/callback/[id]"), "POST", {
      url: "/api/v1/gc/callback/0b7e1c52-3a55-4c2e-9d55-2b8d8d1f5c11",
      params: { id: "0b7e1c52-3a55-4c2e-9d55-2b8d8d1f5c11" },
      headers: { "X-Layerscope-Secret": SECRETS.GC_WEBHOOK_SECRET },
      body: { exitCode: 0 },
    });
    await callRoute(file("/api/metrics"), "GET", { url: "/api/metrics", headers: bearer(SECRETS.METRICS_TOKEN) });
    // a sync against the registry that needs REGISTRY_PASSWORD
    expect((await runSync("manual"))?.status).toBe("succeeded");
    // code that carelessly logs a credential: fields, error messages, URLs and headers
    logger.error("careless", {
      password: SECRETS.LAYERSCOPE_ADMIN_PASSWORD,
      error: `login to http://ci:${SECRETS.REGISTRY_PASSWORD}@registry failed`,
      headers: { authorization: `Bearer ${apiToken}`, cookie: session.cookie },
      config: { AUTH_SECRET: SECRETS.AUTH_SECRET },
      message: `${SECRETS.OIDC_CLIENT_SECRET} ${SECRETS.METRICS_TOKEN} ${apiToken} ${session.cookie}`,
    });
    logger.warn(
      `secret in a message ${SECRETS.LAYERSCOPE_WEBHOOK_SECRET} ${Buffer.from(`ci:${SECRETS.REGISTRY_PASSWORD}`).toString("base64")}`,
    );

    const log = output.join("");
    expect(log).toContain('"msg":"sync finished"');
    expect(log).toContain('"msg":"careless"');
    const leaks = [
      ...Object.entries(SECRETS),
      ["API token", apiToken],
      ["session cookie", (session.cookie ?? "").split("=")[1] ?? ""],
      ["Basic credentials", Buffer.from(`ci:${SECRETS.REGISTRY_PASSWORD}`).toString("base64")],
      ["admin Basic", (adminBasic.authorization ?? "").replace("Basic ", "")],
    ].filter(([, value]) => value && log.includes(value as string));
    expect(leaks.map(([name]) => name)).toEqual([]);
  }, 60_000);
});

describe("metrics", () => {
  const scrape = (headers: Record<string, string>) => callRoute(file("/api/metrics"), "GET", { url: "/api/metrics", headers });

  it("answer only with METRICS_TOKEN", async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape(bearer("metrics-token-wrong-000"))).status).toBe(401);
    expect((await scrape(basic("root", SECRETS.LAYERSCOPE_ADMIN_PASSWORD))).status).toBe(401);
    expect((await scrape(bearer(SECRETS.METRICS_TOKEN))).status).toBe(200);
  });

  it("show requests by route, registry latency, syncs, notifications, layer indexing and queue depth", async () => {
    const { drainRegistryEvents } = await import("@/lib/services/registry-events");
    const { runSync } = await import("@/lib/services/sync");
    const { getDb } = await import("@/lib/db/client");
    expect((await runSync("manual"))?.status).toBe("succeeded");
    const tag = await getDb().tag.findFirstOrThrow({ where: { name: "v1" } });
    await callRoute(file("/api/v1/webhooks/registry"), "POST", {
      url: "/api/v1/webhooks/registry",
      headers: bearer(SECRETS.LAYERSCOPE_WEBHOOK_SECRET),
      body: {
        events: [
          {
            id: "evt-2",
            timestamp: new Date(Date.now() - 2000).toISOString(),
            action: "push",
            target: { mediaType: MediaType.ociManifest, repository: "private/app", tag: "v2", digest: tag.digest },
          },
        ],
      },
    });
    await drainRegistryEvents();
    const { indexLayerBlob, markLayersPending } = await import("@/lib/services/layer-index");
    const layer = await getDb().manifestLayer.findFirstOrThrow({});
    await markLayersPending([{ digest: layer.blobDigest, mediaType: layer.mediaType, sizeBytes: Number(layer.sizeBytes) }], "private/app");
    await indexLayerBlob(layer.blobDigest);
    await callRoute(file("/api/v1/users/[id]"), "PATCH", {
      url: "/api/v1/users/999999",
      params: { id: "999999" },
      headers: bearer(apiToken),
      body: { role: "viewer" },
    });
    await callRoute(file("/api/v1/me"), "GET", { url: "/api/v1/me", headers: bearer(apiToken) });
    const res = await scrape(bearer(SECRETS.METRICS_TOKEN));
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/layerscope_http_requests_total\{method="GET",route="\/api\/v1\/me",status="200"\} [1-9]/);
    expect(text).toMatch(/layerscope_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/me",status="200"\} [1-9]/);
    // ids never become labels: the route template does
    expect(text).toMatch(/layerscope_http_request_errors_total\{method="PATCH",route="\/api\/v1\/users\/\[id\]",code="not_found"\} 1/);
    expect(text).not.toContain("/999999");
    expect(text).toMatch(/layerscope_registry_request_duration_seconds_count\{method="GET",endpoint="catalog",status="200"\} [1-9]/);
    expect(text).toMatch(/layerscope_registry_request_duration_seconds_count\{method="GET",endpoint="tags",status="200"\} [1-9]/);
    expect(text).not.toContain("private/app");
    expect(text).toMatch(/layerscope_sync_duration_seconds_count\{status="succeeded"\} [1-9]/);
    expect(text).toMatch(/layerscope_registry_events_applied_total\{action="push"\} [1-9]/);
    expect(text).toMatch(/layerscope_registry_event_lag_seconds_count [1-9]/);
    expect(text).toMatch(/layerscope_layers_indexed_total\{result="done"\} [1-9]/);
    expect(text).toMatch(/layerscope_layer_index_bytes_total [1-9]/);
    expect(text).toMatch(/layerscope_job_queue_depth\{queue="[^"]+"\} \d+/);
    expect(text).toContain("layerscope_gc_runs_total");
    expect(text).toContain("layerscope_gc_bytes_freed_total");
    expect(text).toContain("layerscope_process_resident_memory_bytes");
  }, 60_000);

  it("keep one registry per process, however often the module is loaded", async () => {
    const { metrics } = await import("@/lib/metrics");
    vi.resetModules();
    const fresh = await import("@/lib/metrics");
    expect(fresh.metrics()).toBe(metrics());
    expect(() => fresh.metrics().registry.getSingleMetric("layerscope_http_requests_total")).not.toThrow();
  });

  it(`answer 404 while METRICS_TOKEN is unset`, async () => {
    const { verifyMetricsToken } = await import("@/lib/services/metrics");
    const { getEnv } = await import("@/lib/env");
    const env = getEnv() as { METRICS_TOKEN?: string };
    const saved = env.METRICS_TOKEN;
    env.METRICS_TOKEN = undefined;
    try {
      expect(() => verifyMetricsToken(new Headers(bearer(SECRETS.METRICS_TOKEN)))).toThrow(expect.objectContaining({ code: "not_found" }));
    } finally {
      env.METRICS_TOKEN = saved;
    }
  });
});
