// Single sign-on end to end: a browser's round trip through Auth.js's real /api/auth handlers and a
// minimal OpenID Connect provider (tests/fixtures/oidc-provider.ts) — CSRF, the sign-in POST, the
// provider's /authorize, the callback with its state/PKCE/nonce cookies — then /api/v1/me with the
// session cookie. Roles follow the groups claim at every sign-in; refusals leave audit rows.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { type OidcUser, type RunningOidcProvider, startOidcProvider } from "../fixtures/oidc-provider";
import { configureEnv, freshDatabase } from "./helpers";
import { callRoute, ROOT } from "./route-harness";
import { closeServices } from "./teardown";

const AUTH_SECRET = "oidc-test-secret-0123456789abcdef0123456789";
const CLIENT = { clientId: "layerscope", clientSecret: "client secret with spaces & symbols" };
const APP = "http://localhost:3000";
const SESSION = "layerscope.session-token";
const route = (p: string) => `${ROOT}/app/api${p}/route.ts`;
let provider: RunningOidcProvider;

/** A browser's cookies for localhost:3000: what Set-Cookie stored, minus what it expired. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some(
        (a) => /^max-age=\s*(0|-\d+)$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()),
      );
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }

  header(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }
}

type SsoResult = {
  jar: CookieJar;
  /** the provider's /authorize URL Auth.js redirected to */
  authorize: URL;
  /** cookie names set by the sign-in POST (state, PKCE verifier, nonce, …) */
  signInCookies: string[];
  /** the provider's redirect back to the app */
  callback: URL;
  /** the callback's answer: a redirect with or without a session cookie */
  status: number;
  location: string | null;
  /** `cookie` header value carrying only the session, or null when none was set */
  session: string | null;
};

const nextauth = (url: string, method: "GET" | "POST", jar: CookieJar, init: { headers?: Record<string, string>; body?: string } = {}) =>
  callRoute(route("/auth/[...nextauth]"), method, {
    url,
    params: { nextauth: new URL(url, APP).pathname.split("/").slice(3) },
    headers: { ...jar.header(), ...init.headers },
    body: init.body,
  });

/** Signs `user` in through the provider exactly as a browser would. */
async function ssoSignIn(user: OidcUser | null, jar = new CookieJar()): Promise<SsoResult> {
  provider.nextUser = user;
  const csrf = await nextauth("/api/auth/csrf", "GET", jar);
  expect(csrf.status).toBe(200);
  jar.store(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };

  const before = new Set(jar.names());
  const start = await nextauth("/api/auth/signin/oidc", "POST", jar, {
    headers: { "content-type": "application/x-www-form-urlencoded", origin: APP },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${APP}/repositories` }).toString(),
  });
  expect(start.status).toBe(302);
  jar.store(start);
  const signInCookies = jar.names().filter((n) => !before.has(n));
  const authorize = new URL(start.headers.get("location") ?? "");
  expect(authorize.origin + authorize.pathname).toBe(`${provider.issuer}/authorize`);

  const atProvider = await fetch(authorize, { redirect: "manual" });
  expect(atProvider.status).toBe(302);
  const callback = new URL(atProvider.headers.get("location") ?? "");
  expect(callback.origin + callback.pathname).toBe(`${APP}/api/auth/callback/oidc`);

  const done = await nextauth(callback.pathname + callback.search, "GET", jar);
  jar.store(done);
  const token = jar.get(SESSION);
  return {
    jar,
    authorize,
    signInCookies,
    callback,
    status: done.status,
    location: done.headers.get("location"),
    session: token ? `${SESSION}=${token}` : null,
  };
}

const me = (headers: Record<string, string>) => callRoute(route("/v1/me"), "GET", { url: "/api/v1/me", headers });

async function meBody(session: string | null): Promise<Record<string, unknown>> {
  expect(session).not.toBeNull();
  const res = await me({ cookie: session as string });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function db() {
  return (await import("@/lib/db/client")).getDb();
}

beforeAll(async () => {
  provider = await startOidcProvider(CLIENT);
  delete process.env.AUTH_URL;
  delete process.env.NEXTAUTH_URL;
  configureEnv({
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "oidc"),
    // nothing here talks to a registry
    REGISTRY_URL: "http://127.0.0.1:9",
    AUTH_SECRET,
    OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: CLIENT.clientId,
    OIDC_CLIENT_SECRET: CLIENT.clientSecret,
    OIDC_ADMIN_GROUPS: "platform",
    OIDC_EDITOR_GROUPS: "dev",
    OIDC_VIEWER_GROUPS: "staff,dev,platform",
    LOG_LEVEL: "error",
  });
}, 120_000);

afterAll(async () => {
  await closeServices();
  await provider?.close();
});

describe("OIDC sign-in", () => {
  const ada: OidcUser = { sub: "u-1001", preferred_username: "Ada", name: "Ada Lovelace", email: "ada@example.com", groups: ["platform"] };

  it("signs a platform-group member in as admin, with state, PKCE and nonce checked on the way", async () => {
    const s = await ssoSignIn(ada);

    // Auth.js sent the browser to the provider with every check in place…
    const q = s.authorize.searchParams;
    expect(q.get("response_type")).toBe("code");
    expect(q.get("client_id")).toBe(CLIENT.clientId);
    expect(q.get("redirect_uri")).toBe(`${APP}/api/auth/callback/oidc`);
    expect(q.get("scope")?.split(" ")).toEqual(expect.arrayContaining(["openid", "profile", "email", "groups"]));
    expect(q.get("state")).toEqual(expect.any(String));
    expect(q.get("nonce")).toEqual(expect.any(String));
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("code_challenge_method")).toBe("S256");
    // …and remembered them in cookies for the callback
    expect(s.signInCookies).toEqual(expect.arrayContaining(["authjs.state", "authjs.pkce.code_verifier", "authjs.nonce"]));
    expect(s.callback.searchParams.get("state")).toBe(q.get("state"));
    expect(s.callback.searchParams.get("code")).toEqual(expect.any(String));

    // the code was redeemed with the client secret and the PKCE verifier, once
    expect(provider.tokenRequests.at(-1)).toEqual({ clientAuth: "basic", status: 200 });
    expect(s.status).toBe(302);
    expect(s.location).toBe(`${APP}/repositories`);
    expect(s.session).not.toBeNull();
    // the one-time check cookies are gone after the callback
    expect(s.jar.names()).not.toContain("authjs.pkce.code_verifier");
    expect(s.jar.names()).not.toContain("authjs.nonce");

    const body = await meBody(s.session);
    expect(body).toMatchObject({
      user: { username: "ada", name: "Ada Lovelace", provider: "oidc", via: "session" },
      role: "admin",
      anonymous: false,
    });
    expect(body.permissions).toContain("users:manage");

    const user = await (await db()).user.findUniqueOrThrow({ where: { username: "ada" } });
    expect(user).toMatchObject({ provider: "oidc", oidcSubject: `${provider.issuer}#u-1001`, passwordHash: null, role: "admin" });
    const login = await (await db()).auditEvent.findFirst({ where: { action: "login", actor: "ada", result: "success" } });
    expect(login?.details).toEqual({ via: "oidc" });
  });

  it("follows the groups at the next sign-in: the same subject moved to dev only becomes an editor", async () => {
    const s = await ssoSignIn({ ...ada, name: "Ada King", groups: ["dev"] });
    expect(s.session).not.toBeNull();
    expect(await meBody(s.session)).toMatchObject({ user: { username: "ada", name: "Ada King", provider: "oidc" }, role: "editor" });
    // still one account for the subject
    expect(await (await db()).user.count({ where: { oidcSubject: `${provider.issuer}#u-1001` } })).toBe(1);

    const rows = await (await db()).auditEvent.findMany({ where: { action: "user.role", target: "ada" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: "oidc", result: "success", details: { from: "admin", to: "editor" } });
  });

  it("refuses someone in none of the configured groups, and audits it", async () => {
    const s = await ssoSignIn({ sub: "u-2002", preferred_username: "sam", name: "Sam Sales", groups: ["sales"] });
    expect(s.session).toBeNull();
    expect(s.status).toBe(302);
    expect(new URL(s.location ?? "", APP).pathname).toBe("/login");
    expect(new URL(s.location ?? "", APP).searchParams.get("error")).toBe("AccessDenied");

    expect(await (await db()).user.findUnique({ where: { username: "sam" } })).toBeNull();
    const row = await (await db()).auditEvent.findFirst({ where: { action: "login", actor: "sam" } });
    expect(row).toMatchObject({ result: "failure", details: { via: "oidc", reason: "in no allowed group" } });
  });

  it("refuses an ID token whose signature does not verify", async () => {
    provider.corruptSignature = true;
    try {
      const s = await ssoSignIn({ sub: "u-3003", preferred_username: "mallory", groups: ["platform"] });
      expect(provider.tokenRequests.at(-1)?.status).toBe(200); // the provider did answer; the client refused
      expect(s.session).toBeNull();
      expect(new URL(s.location ?? "", APP).pathname).toBe("/login");
      expect(new URL(s.location ?? "", APP).searchParams.get("error")).toBe("AccessDenied");
    } finally {
      provider.corruptSignature = false;
    }
    expect(await (await db()).user.findUnique({ where: { username: "mallory" } })).toBeNull();
  });

  it("does not replay: the same callback URL a second time signs no one in", async () => {
    const s = await ssoSignIn({ sub: "u-4004", preferred_username: "rex", groups: ["staff"] });
    expect(s.session).not.toBeNull();
    const again = new CookieJar();
    const res = await nextauth(s.callback.pathname + s.callback.search, "GET", again);
    again.store(res);
    expect(again.get(SESSION)).toBeUndefined();
  });

  it("keeps a local password account and gives the SSO user of the same name a distinct one", async () => {
    const { createUser } = await import("@/lib/services/users");
    await createUser(SYSTEM, { username: "grace", password: "grace password", role: "viewer", grants: [] }, null);

    const s = await ssoSignIn({ sub: "u-5005", preferred_username: "Grace", name: "Grace Hopper", groups: ["dev"] });
    expect(await meBody(s.session)).toMatchObject({ user: { username: "grace@sso", provider: "oidc" }, role: "editor" });

    // the local account still signs in with its password, through the same Auth.js endpoints
    const jar = new CookieJar();
    const csrf = await nextauth("/api/auth/csrf", "GET", jar);
    jar.store(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const res = await nextauth("/api/auth/callback/credentials", "POST", jar, {
      headers: { "content-type": "application/x-www-form-urlencoded", origin: APP },
      body: new URLSearchParams({ csrfToken, username: "grace", password: "grace password", callbackUrl: "/" }).toString(),
    });
    jar.store(res);
    const local = jar.get(SESSION);
    expect(await meBody(local ? `${SESSION}=${local}` : null)).toMatchObject({
      user: { username: "grace", provider: "credentials" },
      role: "viewer",
    });

    const users = await (await db()).user.findMany({ where: { username: { startsWith: "grace" } }, orderBy: { username: "asc" } });
    expect(users.map((u) => [u.username, u.provider, u.oidcSubject, u.passwordHash !== null])).toEqual([
      ["grace", "credentials", null, true],
      ["grace@sso", "oidc", `${provider.issuer}#u-5005`, false],
    ]);
    // and a second SSO sign-in finds the suffixed account by its subject rather than creating a third
    const again = await ssoSignIn({ sub: "u-5005", preferred_username: "grace", groups: ["dev"] });
    expect(await meBody(again.session)).toMatchObject({ user: { username: "grace@sso" } });
    expect(await (await db()).user.count({ where: { username: { startsWith: "grace" } } })).toBe(2);

    // another subject with the same name (the identity re-created at the provider) gets the next free one
    const recreated = await ssoSignIn({ sub: "u-5006", preferred_username: "grace", groups: ["staff"] });
    expect(await meBody(recreated.session)).toMatchObject({ user: { username: "grace@sso-2" }, role: "viewer" });
  });
});
