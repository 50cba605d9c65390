// The hardened server as a browser and curl see it: security headers, no secret in any client
// bundle or log line, the proxy refusing smuggled paths, webhooks only with the shared secret.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { type APIRequestContext, request as playwrightRequest } from "@playwright/test";
import { E2E } from "./accounts";
import { expect, test } from "./fixtures";

const ROOT = path.resolve(__dirname, "../..");
const basic = (a: { username: string; password: string }) => `Basic ${Buffer.from(`${a.username}:${a.password}`).toString("base64")}`;

let api: APIRequestContext;
let anonymous: APIRequestContext;

test.beforeAll(async ({ baseURL }) => {
  api = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: basic(E2E.admin) } });
  anonymous = await playwrightRequest.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
});

test.afterAll(async () => {
  await api.dispose();
  await anonymous.dispose();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const secretValues = () => [...Object.values(E2E.secrets), E2E.admin.password, E2E.viewer.password];

test("pages and API answers carry the security headers", async () => {
  for (const url of ["/login", "/api/v1/health"]) {
    const res = await anonymous.get(url);
    const h = res.headers();
    expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(h["content-security-policy"]).not.toContain("unsafe-eval");
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["referrer-policy"]).toBe("same-origin");
  }
});

const cspHeaders = (res: { headersArray(): { name: string; value: string }[] }) =>
  res
    .headersArray()
    .filter((h) => h.name.toLowerCase() === "content-security-policy")
    .map((h) => h.value);
const directives = (policy: string) =>
  new Map(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...v]) => [name, v.join(" ")]),
  );

test("a page's CSP allows scripts only with a fresh per-request nonce; API answers allow no inline script", async () => {
  const nonces: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await anonymous.get("/login");
    const policies = cspHeaders(res);
    expect(policies, "exactly one policy (two would be enforced together)").toHaveLength(1);
    const scriptSrc = directives(policies[0] ?? "").get("script-src") ?? "";
    expect(scriptSrc).not.toContain("unsafe-inline");
    expect(scriptSrc).toContain("'strict-dynamic'");
    const nonce = /'nonce-([A-Za-z0-9+/]{16,}={0,2})'/.exec(scriptSrc)?.[1];
    expect(nonce, scriptSrc).toBeDefined();
    // Next's own inline bootstrap scripts and the theme script carry it
    expect(await res.text()).toContain(`nonce="${nonce}"`);
    nonces.push(nonce ?? "");
  }
  expect(nonces[0]).not.toBe(nonces[1]);

  const apiPolicies = cspHeaders(await anonymous.get("/api/v1/health"));
  expect(apiPolicies).toHaveLength(1);
  const api = directives(apiPolicies[0] ?? "");
  expect(api.get("script-src")).toBe("'self'");
  // the two policies (proxy.ts, next.config.js) differ in script-src only
  const page = directives(cspHeaders(await anonymous.get("/login"))[0] ?? "");
  page.delete("script-src");
  api.delete("script-src");
  expect([...page]).toEqual([...api]);
});

test("HTML injected into a page cannot run script, while the page's own scripts (theme, hydration) do", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.addInitScript(() => window.localStorage.setItem("layerscope-theme", "dark"));

  // the untouched page: the nonced theme script set dark mode before paint, React hydrated (the fixture waits), no violation
  await page.goto("/repositories");
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  expect(violations).toEqual([]);

  // the same page with markup injected as a stored XSS would put it there (the response's CSP header is kept)
  await page.route("**/repositories", async (route) => {
    const response = await route.fetch();
    const html = (await response.text())
      .replace("</head>", "<script>window.__injected = 'script';</script></head>")
      .replace("<main", '<img src="/nonexistent.png" onerror="window.__injected = \'handler\'"><main');
    await route.fulfill({ response, body: html });
  });
  await page.goto("/repositories");
  await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  await expect.poll(() => violations.length).toBeGreaterThanOrEqual(2);
  expect(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected)).toBeUndefined();
  expect(violations.join("\n")).toMatch(/script-src/);
});

test("no configured secret appears in the client bundles or in the server log", async () => {
  const bundles = filesUnder(path.join(ROOT, ".next/static"));
  expect(bundles.length).toBeGreaterThan(10);
  const leaks: string[] = [];
  for (const file of bundles) {
    const text = readFileSync(file, "latin1");
    for (const secret of secretValues())
      if (text.includes(secret)) leaks.push(`${path.relative(ROOT, file)} contains ${secret.slice(0, 6)}…`);
  }
  expect(leaks).toEqual([]);

  // sign-ins (good and bad), a token and a registry request have all been logged by now
  await anonymous.get("/api/v1/me", { headers: { authorization: basic({ username: "admin", password: "a wrong password" }) } });
  const log = readFileSync(E2E.serverLog, "utf8");
  expect(log.length).toBeGreaterThan(0);
  for (const secret of secretValues()) expect(log, `server log contains ${secret.slice(0, 6)}…`).not.toContain(secret);
});

test("unauthenticated API calls get 401 and the one error shape", async () => {
  for (const url of ["/api/v1/repositories", "/api/v1/sync", "/api/v1/me", "/api/v1/users", "/api/registry/v2/_catalog"]) {
    const res = await anonymous.get(url);
    expect(res.status(), url).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
  }
});

test("the registry proxy forwards reads only, and refuses smuggled paths", async () => {
  expect((await api.get("/api/registry/v2/_catalog")).status()).toBe(200);
  expect((await api.get("/api/registry/v2/platform/api/tags/list")).status()).toBe(200);
  for (const method of ["POST", "PUT", "PATCH", "DELETE"] as const) {
    const res = await api.fetch("/api/registry/v2/platform/api/manifests/latest", { method, headers: { origin: "http://127.0.0.1" } });
    expect([403, 405], `${method}`).toContain(res.status());
  }
  for (const evil of [
    "/api/registry/v2/platform/..%2f..%2f..%2fetc/passwd",
    // (a bare "%2e%2e" segment is a dot segment to URL parsers: the client itself resolves it away)
    "/api/registry/v2/platform/api/manifests/..%2f..%2f..%2fv2%2f_catalog",
    "/api/registry/v2/platform%2fapi/tags/list",
    "/api/registry/v2/platform/api/blobs/..%252f..%252fconfig",
    "/api/registry/v2/..;/..;/etc/passwd",
    "/api/registry/v2/platform/api/manifests/latest%00.json",
    "/api/registry/v2/http:%2f%2fevil.example/tags/list",
  ]) {
    const res = await api.get(evil, { maxRedirects: 0 });
    expect([400, 404], evil).toContain(res.status());
    expect(res.headers().location).toBeUndefined();
  }
});

test("bodies that are too big or not JSON are refused with a clear error", async () => {
  const big = await api.post("/api/v1/users", {
    headers: { "content-type": "application/json" },
    data: `{"username":"${"x".repeat(200_000)}"}`,
  });
  expect(big.status()).toBe(413);
  const bad = await api.post("/api/v1/users", { headers: { "content-type": "application/json" }, data: Buffer.from("{not json") });
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toMatchObject({ error: { code: "bad_request", message: expect.stringContaining("JSON") } });
});

test("registry notifications need the webhook secret, and a push shows in the tags at once", async () => {
  const latest = (await (await api.get("/api/v1/repositories/platform/api/manifests/latest")).json()) as { digest: string };
  const envelope = {
    events: [
      {
        id: "e2e-push-1",
        timestamp: new Date().toISOString(),
        action: "push",
        target: {
          repository: "platform/api",
          tag: "notified",
          digest: latest.digest,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
        },
        request: { useragent: "docker/27.0" },
      },
    ],
  };
  expect((await anonymous.post("/api/v1/webhooks/registry", { data: envelope })).status()).toBe(401);
  expect((await anonymous.post("/api/v1/webhooks/registry", { data: envelope, headers: { authorization: "Bearer nope" } })).status()).toBe(
    401,
  );
  const ok = await anonymous.post("/api/v1/webhooks/registry", {
    data: envelope,
    headers: {
      authorization: `Bearer ${E2E.secrets.LAYERSCOPE_WEBHOOK_SECRET}`,
      "content-type": "application/vnd.docker.distribution.events.v1+json",
    },
  });
  expect(ok.status()).toBe(202);
  expect(await ok.json()).toEqual({ events: 1, ignored: 0, stored: 1 });
  // applied as an event: no sync runs, the tag is there
  await expect
    .poll(
      async () => {
        const tags = (await (await api.get("/api/v1/repositories/platform/api/tags?q=notified")).json()) as {
          items: { name: string; digest: string }[];
        };
        return tags.items.find((t) => t.name === "notified")?.digest ?? null;
      },
      { timeout: 10_000 },
    )
    .toBe(latest.digest);
});
