// Property-based hostile input against the real route handlers (real Postgres, real registry):
// whatever the path segments, query strings, credentials and bodies, the answer is a clear 4xx
// in the one error shape — never a 500, never a crash.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, sessionAdmin } from "./helpers";
import { bearer, callRoute, ROOT } from "./route-harness";
import { closeServices } from "./teardown";

const route = (p: string) => `${ROOT}/app/api${p}/route.ts`;
let registry: RunningRegistry;
let admin: Record<string, string>;

type ErrorBody = { error?: { code?: unknown; message?: unknown }; errors?: { code?: unknown; message?: unknown }[] };

// `registryShape`: the proxy passes the registry's own answers through, so a path it forwards may
// fail in the Distribution error shape (`{"errors":[{code, message}]}`) that registry clients expect.
async function expectClearAnswer(res: Response, allowed: number[], registryShape = false): Promise<void> {
  expect(allowed, `status ${res.status}`).toContain(res.status);
  if (res.status >= 400 && res.status !== 405) {
    const body = (await res.json()) as ErrorBody;
    const error = registryShape && !body.error ? body.errors?.[0] : body.error;
    expect(typeof error?.code).toBe("string");
    expect(typeof error?.message).toBe("string");
  }
}

// segments as Next.js hands them over: already percent-decoded, anything at all
const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "..",
    ".",
    "",
    "%2e%2e",
    "..%2f",
    "\u0000",
    "/",
    "//",
    "\\",
    "tags",
    "manifests",
    "blobs",
    "_catalog",
    "sha256:abc",
    "A",
    "ü",
  ),
);

beforeAll(async () => {
  registry = await startRegistry();
  configureEnv({
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "hostile"),
    REGISTRY_URL: registry.url,
    AUTH_SECRET: "hostile-test-secret-0123456789abcdef0123456789",
    LAYERSCOPE_WEBHOOK_SECRET: "hostile-webhook-secret-0123456789",
    LOG_LEVEL: "error",
  });
  const { createUser } = await import("@/lib/services/users");
  const { createToken } = await import("@/lib/services/tokens");
  const u = await createUser(SYSTEM, { username: "fuzz-admin", password: "fuzz admin password", role: "admin", grants: [] }, null);
  const caller = sessionAdmin(u);
  admin = bearer((await createToken(caller, { name: "fuzz", expiresInDays: null }, null)).token);
}, 120_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("hostile input", () => {
  it("repository paths: any segments give 200, 400 or 404", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), async (path) => {
        const res = await callRoute(route("/v1/repositories/[...path]"), "GET", {
          url: "/api/v1/repositories/x",
          params: { path },
          headers: admin,
        });
        await expectClearAnswer(res, [200, 400, 404]);
      }),
      { numRuns: 150 },
    );
  });

  it("registry proxy paths: any segments give 200, 400 or 404", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 6 }), async (path) => {
        const url = `/api/registry/v2/${path.map(encodeURIComponent).join("/")}`;
        const res = await callRoute(route("/registry/v2/[[...path]]"), "GET", { url, params: { path }, headers: admin });
        await expectClearAnswer(res, [200, 400, 404], true);
      }),
      { numRuns: 150, examples: [[["a", "manifests", "0"]], [["no", "such", "tags", "list"]]] },
    );
  });

  it("list queries: any sort, order, limit and cursor give 200 or 400", async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer().map(String),
      fc.constantFrom("name", "semver", "desc", "-1", "1e9", "NaN"),
    );
    await fc.assert(
      fc.asyncProperty(fc.record({ sort: value, order: value, limit: value, cursor: value, q: value }, { requiredKeys: [] }), async (q) => {
        const search = new URLSearchParams(q as Record<string, string>).toString();
        const res = await callRoute(route("/v1/repositories"), "GET", { url: `/api/v1/repositories?${search}`, headers: admin });
        await expectClearAnswer(res, [200, 400]);
      }),
      { numRuns: 150 },
    );
  });

  it("Authorization headers: garbage gives 401, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }).map((s) => `Basic ${Buffer.from(s).toString("base64")}`),
          fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
          fc.string({ maxLength: 200 }).map((s) => `Basic ${s}`),
          fc.string({ minLength: 1, maxLength: 200 }),
        ),
        async (authorization) => {
          const clean = authorization.replace(/[^\x20-\x7e]/g, "").trim();
          if (!clean) return;
          const res = await callRoute(route("/v1/me"), "GET", { url: "/api/v1/me", headers: { authorization: clean } });
          await expectClearAnswer(res, [401, 429]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("JSON bodies: any value gives 400 (or a clean success), never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
        const res = await callRoute(route("/v1/users"), "POST", { url: "/api/v1/users", headers: admin, body: JSON.stringify(body) });
        await expectClearAnswer(res, [201, 400, 409]);
        const hook = await callRoute(route("/v1/webhooks/registry"), "POST", {
          url: "/api/v1/webhooks/registry",
          headers: bearer("hostile-webhook-secret-0123456789"),
          body: JSON.stringify(body),
        });
        await expectClearAnswer(hook, [202, 400]);
      }),
      { numRuns: 100 },
    );
  });

  it("bodies that are not JSON or too large are refused with 400 and 413", async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      callRoute(route("/v1/users"), "POST", { url: "/api/v1/users", headers: { ...admin, ...headers }, body });
    const bad = await post('{"username": ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request", message: "request body is not valid JSON" } });
    const big = await post(JSON.stringify({ username: "x".repeat(100_000) }));
    expect(big.status).toBe(413);
    const lying = await post("{}", { "content-length": String(10 * 1024 * 1024) });
    expect(lying.status).toBe(413);
  });
});
