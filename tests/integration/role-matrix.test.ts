// Every API route and method, found on disk (a new route cannot be forgotten: it fails here until
// it is listed), called as anonymous, viewer, editor and admin — each through HTTP Basic, an API
// token and a session cookie. Anonymous → 401, viewer → 403 on mutations, editor → 403 on admin
// actions, admin → allowed; nothing answers 500.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Caller, SYSTEM } from "@/lib/auth/caller";
import type { Role } from "@/lib/auth/roles";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { basic, bearer, callRoute, discoverRoutes, discoverServerActions, type Method, sessionCookie } from "./route-harness";
import { closeServices } from "./teardown";

type Rule = "public" | "viewer" | "self" | "session" | "editor" | "admin" | "webhook" | "none" | "authjs";

// The expected minimum role of every route. `self` = any signed-in user acting on their own
// account; `session` = the same, but only from a signed-in browser session (tokens and Basic → 403);
// `none` = refused for everyone (405); `authjs` = Auth.js's own sign-in endpoints.
const EXPECTED: Record<string, Rule> = {
  "GET /api/auth/[...nextauth]": "authjs",
  // Prometheus presents METRICS_TOKEN (set below), which no caller here has: 401 for everyone, users included
  "GET /api/metrics": "webhook",
  "POST /api/auth/[...nextauth]": "authjs",
  "GET /api/registry/v2/[[...path]]": "viewer",
  "HEAD /api/registry/v2/[[...path]]": "viewer",
  "POST /api/registry/v2/[[...path]]": "none",
  "PUT /api/registry/v2/[[...path]]": "none",
  "PATCH /api/registry/v2/[[...path]]": "none",
  "DELETE /api/registry/v2/[[...path]]": "none",
  "OPTIONS /api/registry/v2/[[...path]]": "none",
  "GET /api/v1/audit": "admin",
  "POST /api/v1/deletions": "editor",
  "POST /api/v1/deletions/preview": "editor",
  "GET /api/v1/gc": "admin",
  "POST /api/v1/gc": "admin",
  "GET /api/v1/gc/[id]": "admin",
  // the operator's automation reports back with the shared secret (checked in the handler)
  // the GC operator's callback: GC_WEBHOOK_SECRET in X-Layerscope-Secret, which no caller below presents
  "POST /api/v1/gc/callback/[id]": "webhook",
  "GET /api/v1/health": "public",
  "GET /api/v1/ready": "public",
  "GET /api/v1/me": "viewer",
  // the API's shape, no data
  "GET /api/v1/openapi.json": "public",
  // the admin settings page's "Test connection"
  "POST /api/v1/settings/registry/test": "admin",
  "POST /api/v1/me/password": "self",
  "GET /api/v1/me/tokens": "self",
  // a token must not mint tokens: only a signed-in session creates them
  "POST /api/v1/me/tokens": "session",
  "DELETE /api/v1/me/tokens/[id]": "self",
  "GET /api/v1/namespaces": "viewer",
  "GET /api/v1/repositories": "viewer",
  "GET /api/v1/repositories/[...path]": "viewer",
  // indexing an image's layers fills a read cache: a viewer opening an image may start it
  "POST /api/v1/repositories/[...path]": "viewer",
  "GET /api/v1/retention": "editor",
  "POST /api/v1/retention": "admin",
  "GET /api/v1/retention/[id]": "editor",
  "PATCH /api/v1/retention/[id]": "admin",
  "DELETE /api/v1/retention/[id]": "admin",
  "GET /api/v1/retention/[id]/runs": "editor",
  "POST /api/v1/retention/[id]/runs": "admin",
  "POST /api/v1/retention/preview": "editor",
  "GET /api/v1/setup": "public",
  "POST /api/v1/setup": "public",
  "GET /api/v1/storage": "admin",
  "POST /api/v1/storage": "admin",
  "GET /api/v1/storage/locate": "admin",
  "DELETE /api/v1/storage/repositories": "admin",
  "GET /api/v1/sync": "viewer",
  "POST /api/v1/sync": "editor",
  "GET /api/v1/users": "admin",
  "POST /api/v1/users": "admin",
  "PATCH /api/v1/users/[id]": "admin",
  "GET /api/v1/users/[id]/tokens": "admin",
  "DELETE /api/v1/users/[id]/tokens": "admin",
  "DELETE /api/v1/users/[id]/tokens/[tokenId]": "admin",
  "POST /api/v1/webhooks/registry": "webhook",
};

const WEBHOOK_SECRET = "matrix-webhook-secret-0123456789";
const GC_WEBHOOK_SECRET = "matrix-gc-webhook-secret-0123456789";
const AUTH_SECRET = "matrix-auth-secret-0123456789abcdef0123456789";
const PASSWORD = "correct horse battery";

type Identity = { label: string; role: Role | null; headers: Record<string, string> };
const identities: Identity[] = [];
let registry: RunningRegistry;
let viewerId = 0;

/** Concrete params, URL and body for a route pattern. */
function sample(route: string, method?: Method): { url: string; params: Record<string, string | string[] | undefined>; body?: unknown } {
  switch (route) {
    case "/api/v1/repositories/[...path]":
      return { url: "/api/v1/repositories/demo/app/tags", params: { path: ["demo", "app", "tags"] } };
    case "/api/registry/v2/[[...path]]":
      return { url: "/api/registry/v2/_catalog", params: { path: ["_catalog"] } };
    // a valid body: the session-only check runs in the service, after the body is parsed
    case "/api/v1/me/tokens":
      return { url: route, params: {}, body: { name: "matrix" } };
    case "/api/v1/me/tokens/[id]":
      return { url: "/api/v1/me/tokens/999999", params: { id: "999999" } };
    case "/api/v1/retention/[id]":
    case "/api/v1/retention/[id]/runs":
      return { url: route.replace("[id]", "999999"), params: { id: "999999" }, body: {} };
    case "/api/v1/gc/[id]":
      return { url: "/api/v1/gc/999999", params: { id: "999999" } };
    case "/api/v1/gc/callback/[id]":
      return {
        url: "/api/v1/gc/callback/0b7e1c52-3a55-4c2e-9d55-2b8d8d1f5c11",
        params: { id: "0b7e1c52-3a55-4c2e-9d55-2b8d8d1f5c11" },
        body: { exitCode: 0 },
      };
    case "/api/v1/users/[id]":
      return { url: `/api/v1/users/${viewerId}`, params: { id: String(viewerId) }, body: {} };
    // GET lists the viewer's tokens; the DELETEs name a user that does not exist (the matrix's own tokens must keep working)
    case "/api/v1/users/[id]/tokens":
      return method === "GET"
        ? { url: `/api/v1/users/${viewerId}/tokens`, params: { id: String(viewerId) } }
        : { url: "/api/v1/users/999999/tokens", params: { id: "999999" } };
    case "/api/v1/users/[id]/tokens/[tokenId]":
      return { url: "/api/v1/users/999999/tokens/999999", params: { id: "999999", tokenId: "999999" } };
    default:
      return { url: route, params: {}, body: {} };
  }
}

beforeAll(async () => {
  registry = await startRegistry();
  configureEnv({
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "matrix"),
    REGISTRY_URL: registry.url,
    AUTH_SECRET,
    LAYERSCOPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GC_WEBHOOK_SECRET,
    METRICS_TOKEN: "matrix-metrics-token-0123456789",
    LOG_LEVEL: "error",
  });
  const { createUser } = await import("@/lib/services/users");
  const { createToken } = await import("@/lib/services/tokens");
  identities.push({ label: "anonymous", role: null, headers: {} });
  for (const role of ["viewer", "editor", "admin"] as const) {
    const user = await createUser(SYSTEM, { username: `matrix-${role}`, password: PASSWORD, role, grants: [] }, null);
    if (role === "viewer") viewerId = user.id;
    const caller: Caller = {
      kind: "user",
      id: user.id,
      username: user.username,
      name: user.username,
      provider: "credentials",
      role,
      grants: [],
      via: "session",
    };
    const { token } = await createToken(caller, { name: "matrix", expiresInDays: null }, null);
    identities.push({ label: `${role} (basic)`, role, headers: basic(user.username, PASSWORD) });
    identities.push({ label: `${role} (token)`, role, headers: bearer(token) });
    // a browser session: same-origin requests carry Origin
    identities.push({
      label: `${role} (session)`,
      role,
      headers: { ...(await sessionCookie(AUTH_SECRET, { uid: user.id, sv: 0 })), origin: "http://localhost:3000" },
    });
  }
}, 120_000);

afterAll(() => closeServices({ jobs: true, registries: [registry] }));

function expectedOutcome(rule: Rule, who: Identity): "allowed" | 401 | 403 | 405 {
  const rank = { viewer: 1, editor: 2, admin: 3 } as const;
  if (rule === "public" || rule === "authjs") return "allowed";
  if (rule === "webhook") return 401; // none of these callers presents the webhook secret
  if (who.role === null) return 401;
  if (rule === "none") return 405;
  if (rule === "viewer" || rule === "self") return "allowed";
  if (rule === "session") return who.label.endsWith("(session)") ? "allowed" : 403;
  return rank[who.role] >= rank[rule] ? "allowed" : 403;
}

describe("role matrix", () => {
  const routes = discoverRoutes();

  it("lists every route method found on disk, and nothing that is gone", () => {
    const found = routes.flatMap((r) => r.methods.map((m) => `${m} ${r.route}`)).sort();
    expect(found.filter((k) => !(k in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((k) => !found.includes(k))).toEqual([]);
  });

  it("has no server actions (every mutation goes through a route above)", () => {
    expect(discoverServerActions()).toEqual([]);
  });

  it("answers each caller as its role allows, through Basic, tokens and sessions", async () => {
    const failures: string[] = [];
    for (const r of routes) {
      for (const method of r.methods) {
        const rule = EXPECTED[`${method} ${r.route}`];
        if (!rule || rule === "authjs") continue;
        for (const who of identities) {
          const s = sample(r.route, method as Method);
          const res = await callRoute(r.file, method as Method, { url: s.url, params: s.params, headers: who.headers, body: s.body });
          const want = expectedOutcome(rule, who);
          const got = res.status;
          const ok = want === "allowed" ? got !== 401 && got !== 403 && got !== 500 : got === want;
          if (!ok) failures.push(`${method} ${s.url} as ${who.label}: ${got}, expected ${want} — ${await res.clone().text()}`);
          if (want !== "allowed" && want !== 405) {
            const body = (await res
              .clone()
              .json()
              .catch(() => null)) as { error?: { code?: string } } | null;
            if (!body?.error?.code) failures.push(`${method} ${s.url} as ${who.label}: no {error:{code}} body`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it("lets the registry's webhook in only with the shared secret", async () => {
    const file = routes.find((r) => r.route === "/api/v1/webhooks/registry")?.file as string;
    const send = (headers: Record<string, string>, body: unknown = { events: [] }) =>
      callRoute(file, "POST", { url: "/api/v1/webhooks/registry", headers, body });
    expect((await send({})).status).toBe(401);
    expect((await send(bearer("wrong-secret-wrong-secret-0000"))).status).toBe(401);
    expect((await send(bearer(WEBHOOK_SECRET))).status).toBe(202);
    expect((await send(bearer(WEBHOOK_SECRET), { events: "nope" })).status).toBe(400);
  });

  it("lets the GC operator's callback in only with GC_WEBHOOK_SECRET (not the registry's secret)", async () => {
    const file = routes.find((r) => r.route === "/api/v1/gc/callback/[id]")?.file as string;
    const s = sample("/api/v1/gc/callback/[id]");
    const send = (headers: Record<string, string>) => callRoute(file, "POST", { url: s.url, params: s.params, headers, body: s.body });
    expect((await send({})).status).toBe(401);
    expect((await send({ "X-Layerscope-Secret": WEBHOOK_SECRET })).status).toBe(401);
    expect((await send(bearer(GC_WEBHOOK_SECRET))).status).toBe(401);
    // the secret passes; no run waits for this id
    expect((await send({ "X-Layerscope-Secret": GC_WEBHOOK_SECRET })).status).toBe(404);
  });
});
