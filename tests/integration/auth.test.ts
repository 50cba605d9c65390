// Accounts end to end on a real Postgres: the first admin, sign-in through Auth.js's own
// endpoints, sessions that die with a password change, a disabled account or a sign-out, API
// tokens, sign-ins throttled per (account, source), client addresses, CSRF, grants, and the audit
// rows each of these leaves.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { installPeerHeader, peerHeaderFor } from "@/lib/http/peer";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { basic, bearer, callRoute, ROOT, sessionCookie } from "./route-harness";
import { closeServices } from "./teardown";

const AUTH_SECRET = "auth-test-secret-0123456789abcdef0123456789";
const ADMIN = { username: "root-admin", password: "admin password 1" };
const route = (p: string) => `${ROOT}/app/api${p}/route.ts`;
const ORIGIN = { origin: "http://localhost:3000" };
// requests from these proxies may name the client in X-Forwarded-For
const TRUSTED_PROXIES = "10.9.0.0/16, fd09::/16";
let registry: RunningRegistry;

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Headers as if the request came from a socket at `address` (what instrumentation's patch writes). */
const from = (address: string, headers: Record<string, string> = {}) => ({ ...headers, ...peerHeaderFor(address) });

/** Signs in through Auth.js's CSRF + credentials callback, as the login page does; returns the session cookie header. */
async function signIn(
  username: string,
  password: string,
  peer = "203.0.113.7",
): Promise<{ status: number; cookie: string | null; location: string | null }> {
  const csrfRes = await callRoute(route("/auth/[...nextauth]"), "GET", { url: "/api/auth/csrf", params: { nextauth: ["csrf"] } });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await callRoute(route("/auth/[...nextauth]"), "POST", {
    url: "/api/auth/callback/credentials",
    params: { nextauth: ["callback", "credentials"] },
    headers: from(peer, { cookie: csrfCookie, "content-type": "application/x-www-form-urlencoded", ...ORIGIN }),
    body: new URLSearchParams({ csrfToken, username, password, callbackUrl: "/" }).toString(),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("layerscope.session-token="));
  return { status: res.status, cookie: session ? (session.split(";")[0] ?? null) : null, location: res.headers.get("location") };
}

/** Signs out through Auth.js's own endpoint, as the sign-out button does. */
async function signOut(sessionCookie: string): Promise<number> {
  const csrfRes = await callRoute(route("/auth/[...nextauth]"), "GET", { url: "/api/auth/csrf", params: { nextauth: ["csrf"] } });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await callRoute(route("/auth/[...nextauth]"), "POST", {
    url: "/api/auth/signout",
    params: { nextauth: ["signout"] },
    headers: { cookie: `${csrfCookie}; ${sessionCookie}`, "content-type": "application/x-www-form-urlencoded", ...ORIGIN },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/" }).toString(),
  });
  return res.status;
}

const me = (headers: Record<string, string>) => callRoute(route("/v1/me"), "GET", { url: "/api/v1/me", headers });

beforeAll(async () => {
  registry = await startRegistry();
  configureEnv({
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "auth"),
    REGISTRY_URL: registry.url,
    AUTH_SECRET,
    LAYERSCOPE_ADMIN_USER: ADMIN.username,
    LAYERSCOPE_ADMIN_PASSWORD: ADMIN.password,
    LAYERSCOPE_TRUSTED_PROXIES: TRUSTED_PROXIES,
    LAYERSCOPE_TOKEN_MAX_DAYS: "365",
    LOG_LEVEL: "error",
  });
  // what instrumentation.ts does in the server: requests carry their socket address
  installPeerHeader();
}, 120_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("first admin", () => {
  it("offers first-run setup only while no user exists", async () => {
    const setup = (body: unknown) => callRoute(route("/v1/setup"), "POST", { url: "/api/v1/setup", body, headers: ORIGIN });
    expect(await json(await callRoute(route("/v1/setup"), "GET", { url: "/api/v1/setup" }))).toEqual({ needed: true });
    expect((await setup({ username: "x", password: "short" })).status).toBe(400);
    const { bootstrapAdmin } = await import("@/lib/services/users");
    await bootstrapAdmin();
    await bootstrapAdmin(); // a second start changes nothing
    expect(await json(await callRoute(route("/v1/setup"), "GET", { url: "/api/v1/setup" }))).toEqual({ needed: false });
    const late = await setup({ username: "intruder", password: "intruder password" });
    expect(late.status).toBe(409);
  });

  it("answers /api/v1/me for HTTP Basic with the user, role and grants", async () => {
    const res = await me(basic(ADMIN.username, ADMIN.password));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ user: { username: ADMIN.username, via: "basic" }, role: "admin", grants: [], anonymous: false });
    expect(body.permissions).toContain("users:manage");
    // user names are case-insensitive
    expect((await me(basic(ADMIN.username.toUpperCase(), ADMIN.password))).status).toBe(200);
  });

  it("refuses requests without credentials, with wrong ones, and with unknown schemes", async () => {
    const anon = await me({});
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).not.toMatch(/basic/i); // no browser password pop-up
    expect((await me(basic(ADMIN.username, "wrong password"))).status).toBe(401);
    expect((await me({ authorization: "Digest abc" })).status).toBe(401);
    expect((await me({ authorization: "Basic !!!" })).status).toBe(401);
  });
});

describe("sign-in through Auth.js", () => {
  let viewer: { id: number };

  beforeAll(async () => {
    const { createUser } = await import("@/lib/services/users");
    viewer = await createUser(SYSTEM, { username: "vera", password: "vera password", role: "viewer", grants: [] }, null);
  });

  it("sets a session cookie that /api/v1/me recognises, and audits the sign-in", async () => {
    const s = await signIn("vera", "vera password");
    expect(s.cookie).not.toBeNull();
    const body = await json(await me({ cookie: s.cookie as string }));
    expect(body).toMatchObject({ user: { username: "vera", via: "session" }, role: "viewer" });
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().auditEvent.findFirst({ where: { action: "login", actor: "vera", result: "success" } });
    expect(row?.ip).toBe("203.0.113.7");
  });

  it("sets no session for a wrong password and audits the failure", async () => {
    const s = await signIn("vera", "not her password");
    expect(s.cookie).toBeNull();
    expect(s.location).toContain("error=CredentialsSignin");
    const { getDb } = await import("@/lib/db/client");
    expect(await getDb().auditEvent.count({ where: { action: "login", actor: "vera", result: "failure" } })).toBe(1);
  });

  it("refuses a cross-site state change even with a valid session", async () => {
    const s = await signIn("vera", "vera password");
    const post = (headers: Record<string, string>) =>
      callRoute(route("/v1/me/tokens"), "POST", {
        url: "/api/v1/me/tokens",
        headers: { cookie: s.cookie as string, ...headers },
        body: { name: "x" },
      });
    expect((await post({ origin: "https://evil.example" })).status).toBe(403);
    expect((await post({ "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post({ origin: "null" })).status).toBe(403);
    expect((await post(ORIGIN)).status).toBe(201);
  });

  it("ends every session when the password changes or the account is disabled", async () => {
    const s = await signIn("vera", "vera password");
    const headers = { cookie: s.cookie as string, ...ORIGIN };
    const change = await callRoute(route("/v1/me/password"), "POST", {
      url: "/api/v1/me/password",
      headers,
      body: { currentPassword: "vera password", newPassword: "vera new password" },
    });
    expect(change.status).toBe(200);
    expect((await me(headers)).status).toBe(401);
    const again = await signIn("vera", "vera new password");
    expect((await me({ cookie: again.cookie as string })).status).toBe(200);

    const admin = basic(ADMIN.username, ADMIN.password);
    const disable = await callRoute(route("/v1/users/[id]"), "PATCH", {
      url: `/api/v1/users/${viewer.id}`,
      params: { id: String(viewer.id) },
      headers: admin,
      body: { disabled: true },
    });
    expect(disable.status).toBe(200);
    expect((await me({ cookie: again.cookie as string })).status).toBe(401);
    expect((await me(basic("vera", "vera new password"))).status).toBe(401);
    expect((await signIn("vera", "vera new password")).cookie).toBeNull();
  });

  it("ends the session on the server at sign-out: a copy of the cookie stops working, other sessions do not", async () => {
    const { createUser } = await import("@/lib/services/users");
    const sam = await createUser(SYSTEM, { username: "sam", password: "sam password", role: "viewer", grants: [] }, null);
    const s = await signIn("sam", "sam password");
    const other = await signIn("sam", "sam password");
    const copied = s.cookie as string;
    expect((await me({ cookie: copied })).status).toBe(200);
    expect(await signOut(copied)).toBe(302);
    expect((await me({ cookie: copied })).status).toBe(401);
    // the same user signed in elsewhere stays signed in; signing out twice changes nothing
    expect((await me({ cookie: other.cookie as string })).status).toBe(200);
    expect(await signOut(copied)).toBe(302);
    expect((await me({ cookie: other.cookie as string })).status).toBe(200);
    const { getDb } = await import("@/lib/db/client");
    expect(await getDb().auditEvent.count({ where: { action: "logout", actor: "sam" } })).toBe(1);

    // a cookie from before sessions had ids: signing out ends all of that user's sessions
    const legacy = (await sessionCookie(AUTH_SECRET, { uid: sam.id, sv: 0 })).cookie as string;
    expect((await me({ cookie: legacy })).status).toBe(200);
    expect(await signOut(legacy)).toBe(302);
    expect((await me({ cookie: legacy })).status).toBe(401);
    expect((await me({ cookie: other.cookie as string })).status).toBe(401);
  });

  it("rejects a forged cookie and one signed with another secret", async () => {
    expect((await me({ cookie: "layerscope.session-token=garbage" })).status).toBe(401);
    const other = await sessionCookie("another-secret-another-secret-another-secret", { uid: 1, sv: 0 });
    expect((await me(other)).status).toBe(401);
  });
});

describe("throttled sign-in", () => {
  const failuresOf = async (username: string) => {
    const { getDb } = await import("@/lib/db/client");
    return getDb().auditEvent.count({ where: { action: "login", actor: username, result: "failure" } });
  };

  it("slows down one account from one source only: the right password from elsewhere still signs in", async () => {
    const { createUser } = await import("@/lib/services/users");
    const { FREE_FAILURES } = await import("@/lib/services/login-throttle");
    await createUser(SYSTEM, { username: "target", password: "target password", role: "viewer", grants: [] }, null);
    const attacker = "198.51.100.66";
    for (let i = 0; i < FREE_FAILURES; i++) expect((await me(from(attacker, basic("target", `guess ${i}`)))).status).toBe(401);
    // the next attempt from there must wait, whatever the password
    const res = await me(from(attacker, basic("target", "target password")));
    expect(res.status).toBe(429);
    expect(await json(res)).toMatchObject({ error: { code: "rate_limited" } });
    // the login form gets the same answer as a distinct error code
    const s = await signIn("target", "target password", attacker);
    expect(s.cookie).toBeNull();
    expect(s.location).toContain("code=rate_limited");
    // keep failing (as an attacker rotating addresses would): the owner is not locked out
    for (let i = 0; i < 10; i++) await me(from(`198.51.100.${100 + i}`, basic("target", `spray ${i}`)));
    expect((await me(from("192.0.2.44", basic("target", "target password")))).status).toBe(200);
    expect((await signIn("target", "target password", "192.0.2.45")).cookie).not.toBeNull();
    // and from a source that has not been failing
    expect((await me(basic("target", "target password"))).status).toBe(200);
  });

  it("does not let a rotating X-Forwarded-For reset the count, unless a trusted proxy wrote it", async () => {
    const { createUser } = await import("@/lib/services/users");
    const { FREE_FAILURES } = await import("@/lib/services/login-throttle");
    await createUser(SYSTEM, { username: "rotor", password: "rotor password", role: "viewer", grants: [] }, null);
    const statuses: number[] = [];
    for (let i = 0; i < FREE_FAILURES + 3; i++) {
      statuses.push((await me(from("198.51.100.77", { ...basic("rotor", `guess ${i}`), "x-forwarded-for": `203.0.113.${i}` }))).status);
    }
    expect(statuses.slice(0, FREE_FAILURES).every((st) => st === 401)).toBe(true);
    expect(statuses.slice(FREE_FAILURES).every((st) => st === 429)).toBe(true);
    // audit rows name the TCP peer, never what the client wrote
    const evil = await me(from("198.51.100.78", { ...basic("rotor", "x"), "x-forwarded-for": "<svg onload=alert(1)>" }));
    expect(evil.status).toBe(401);
    const { getDb } = await import("@/lib/db/client");
    const ips = (await getDb().auditEvent.findMany({ where: { actor: "rotor", action: "login" } })).map((r) => r.ip);
    expect(new Set(ips)).toEqual(new Set(["198.51.100.77", "198.51.100.78"]));

    // behind a trusted proxy, each client named by it is its own source; a hop the client wrote is ignored
    for (let i = 0; i < FREE_FAILURES + 3; i++) {
      const res = await me(from("10.9.0.1", { ...basic("rotor", `via proxy ${i}`), "x-forwarded-for": `6.6.6.6, 192.0.2.${i}` }));
      expect(res.status).toBe(401);
    }
    const proxied = await getDb().auditEvent.findMany({ where: { actor: "rotor", action: "login", ip: { startsWith: "192.0.2." } } });
    expect(proxied).toHaveLength(FREE_FAILURES + 3);
  });

  it("counts parallel attempts: 40 simultaneous wrong passwords get at most the free failures checked", async () => {
    const { createUser } = await import("@/lib/services/users");
    const { FREE_FAILURES } = await import("@/lib/services/login-throttle");
    await createUser(SYSTEM, { username: "burst", password: "burst password", role: "viewer", grants: [] }, null);
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => (await me(from("198.51.100.88", basic("burst", `parallel guess ${i}`)))).status),
    );
    const checked = statuses.filter((st) => st === 401).length;
    expect(statuses.filter((st) => st !== 401 && st !== 429)).toEqual([]);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(FREE_FAILURES);
    expect(await failuresOf("burst")).toBe(checked);
  });

  it("lets parallel API calls with the right Basic credentials through", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async () => (await me(from("198.51.100.99", basic("burst", "burst password")))).status),
    );
    expect(statuses).toEqual(Array(12).fill(200));
  });
});

describe("client address", () => {
  let server: http.Server;
  let port = 0;

  beforeAll(async () => {
    // a real HTTP server in this process, handing requests to the route handler as Next.js does
    const { GET } = await import("@/app/api/v1/me/route");
    server = http.createServer(async (req, res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const response = await GET(new NextRequest(new URL(req.url ?? "/", "http://localhost:3000"), { headers }), {
        params: Promise.resolve({}),
      });
      res.writeHead(response.status, { "content-type": "application/json" });
      res.end(await response.text());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = (localAddress: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: "/api/v1/me", localAddress, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });

  it("is the socket's address: a client-sent peer header or X-Forwarded-For is not believed", async () => {
    const forged = { "x-layerscope-peer": "forged 192.0.2.200", "x-forwarded-for": "192.0.2.201" };
    expect(await call("127.0.0.23", { ...basic("vera-less", "wrong"), ...forged })).toBe(401);
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().auditEvent.findFirstOrThrow({ where: { actor: "vera-less", action: "login" } });
    expect(row.ip).toBe("127.0.0.23");
  });
});

describe("API tokens", () => {
  let adminSession: Record<string, string>;
  const createToken = (headers: Record<string, string>, body: unknown = { name: "ci" }) =>
    callRoute(route("/v1/me/tokens"), "POST", { url: "/api/v1/me/tokens", headers: { ...headers, ...ORIGIN }, body });
  const tokenOf = async (res: Response) =>
    (await res.json()) as { token: string; item: { id: number; prefix: string; lastUsedAt: string | null; expiresAt: string | null } };

  beforeAll(async () => {
    adminSession = { cookie: (await signIn(ADMIN.username, ADMIN.password)).cookie as string };
  });

  it("are shown once, work as Bearer, record last use, and stop working when revoked", async () => {
    const admin = basic(ADMIN.username, ADMIN.password);
    const created = await createToken(adminSession);
    expect(created.status).toBe(201);
    const { token, item } = await tokenOf(created);
    expect(token).toMatch(/^lsc_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(item.prefix)).toBe(true);
    expect(item.lastUsedAt).toBeNull();

    expect(await json(await me(bearer(token)))).toMatchObject({ user: { username: ADMIN.username, via: "token" }, role: "admin" });
    const list = await json(await callRoute(route("/v1/me/tokens"), "GET", { url: "/api/v1/me/tokens", headers: admin }));
    const listed = (list.items as { id: number; lastUsedAt: string | null }[]).find((t) => t.id === item.id);
    expect(listed?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(token);

    const { getDb } = await import("@/lib/db/client");
    const stored = await getDb().apiToken.findUniqueOrThrow({ where: { id: item.id } });
    expect(stored.secretHash).not.toContain(token.slice(4));

    const revoke = await callRoute(route("/v1/me/tokens/[id]"), "DELETE", {
      url: `/api/v1/me/tokens/${item.id}`,
      params: { id: String(item.id) },
      headers: admin,
    });
    expect(revoke.status).toBe(204);
    expect((await me(bearer(token))).status).toBe(401);
    expect((await me(bearer("lsc_notarealtoken"))).status).toBe(401);

    const actions = (await getDb().auditEvent.findMany({ where: { action: { startsWith: "token." } } })).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["token.create", "token.revoke"]));
  });

  it("are created only from a signed-in session: a token cannot mint another, nor can Basic credentials", async () => {
    const { token } = await tokenOf(await createToken(adminSession));
    const minted = await createToken(bearer(token), { name: "forever", expiresInDays: null });
    expect(minted.status).toBe(403);
    expect((await createToken(basic(ADMIN.username, ADMIN.password))).status).toBe(403);
  });

  it("expire, at the latest LAYERSCOPE_TOKEN_MAX_DAYS after creation", async () => {
    const { getDb } = await import("@/lib/db/client");
    const created = await createToken(adminSession, { name: "short", expiresInDays: 1 });
    const { token, item } = await tokenOf(created);
    expect((await me(bearer(token))).status).toBe(200);
    await getDb().apiToken.update({ where: { id: item.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await me(bearer(token))).status).toBe(401);

    // no expiry asked for: the longest allowed, never "never"
    const longest = await tokenOf(await createToken(adminSession, { name: "longest", expiresInDays: null }));
    expect(Date.parse(longest.item.expiresAt as string)).toBeGreaterThan(Date.now() + 364 * 86_400_000);
    expect(Date.parse(longest.item.expiresAt as string)).toBeLessThan(Date.now() + 366 * 86_400_000);
    expect((await createToken(adminSession, { name: "too long", expiresInDays: 400 })).status).toBe(400);
    // a token made before the cap, without an expiry, stops at the cap's age
    await getDb().apiToken.update({
      where: { id: longest.item.id },
      data: { expiresAt: null, createdAt: new Date(Date.now() - 366 * 86_400_000) },
    });
    expect((await me(bearer(longest.token))).status).toBe(401);
  });

  it("are all revoked when the password changes or an admin resets it, and the answer says how many", async () => {
    const { createUser } = await import("@/lib/services/users");
    const tina = await createUser(SYSTEM, { username: "tina", password: "tina password", role: "viewer", grants: [] }, null);
    let session = { cookie: (await signIn("tina", "tina password")).cookie as string };
    const first = await tokenOf(await createToken(session, { name: "a" }));
    const second = await tokenOf(await createToken(session, { name: "b" }));
    expect((await me(bearer(first.token))).status).toBe(200);

    const change = await callRoute(route("/v1/me/password"), "POST", {
      url: "/api/v1/me/password",
      headers: { ...session, ...ORIGIN },
      body: { currentPassword: "tina password", newPassword: "tina new password" },
    });
    expect(change.status).toBe(200);
    expect(await json(change)).toEqual({ tokensRevoked: 2 });
    expect((await me(bearer(first.token))).status).toBe(401);
    expect((await me(bearer(second.token))).status).toBe(401);

    session = { cookie: (await signIn("tina", "tina new password")).cookie as string };
    const third = await tokenOf(await createToken(session, { name: "c" }));
    const admin = basic(ADMIN.username, ADMIN.password);
    const users = await json(await callRoute(route("/v1/users"), "GET", { url: "/api/v1/users", headers: admin }));
    expect((users.items as { id: number; activeTokens: number }[]).find((u) => u.id === tina.id)?.activeTokens).toBe(1);
    const reset = await callRoute(route("/v1/users/[id]"), "PATCH", {
      url: `/api/v1/users/${tina.id}`,
      params: { id: String(tina.id) },
      headers: admin,
      body: { password: "tina reset password" },
    });
    expect(reset.status).toBe(200);
    expect(await json(reset)).toMatchObject({ username: "tina", tokensRevoked: 1, activeTokens: 0 });
    expect((await me(bearer(third.token))).status).toBe(401);
  });

  it("of any user can be listed and revoked by an admin, and each revocation is audited", async () => {
    const { createUser } = await import("@/lib/services/users");
    const uma = await createUser(SYSTEM, { username: "uma", password: "uma password", role: "viewer", grants: [] }, null);
    const session = { cookie: (await signIn("uma", "uma password")).cookie as string };
    const one = await tokenOf(await createToken(session, { name: "one" }));
    const two = await tokenOf(await createToken(session, { name: "two" }));
    const three = await tokenOf(await createToken(session, { name: "three" }));
    const admin = basic(ADMIN.username, ADMIN.password);
    const params = { id: String(uma.id) };
    const list = await callRoute(route("/v1/users/[id]/tokens"), "GET", { url: `/api/v1/users/${uma.id}/tokens`, params, headers: admin });
    expect(list.status).toBe(200);
    const body = await json(list);
    expect((body.items as { name: string }[]).map((t) => t.name).sort()).toEqual(["one", "three", "two"]);
    expect(JSON.stringify(body)).not.toContain(one.token);
    // another user cannot look
    const peek = await callRoute(route("/v1/users/[id]/tokens"), "GET", {
      url: `/api/v1/users/${uma.id}/tokens`,
      params,
      headers: basic("uma", "uma password"),
    });
    expect(peek.status).toBe(403);

    const revokeOne = await callRoute(route("/v1/users/[id]/tokens/[tokenId]"), "DELETE", {
      url: `/api/v1/users/${uma.id}/tokens/${one.item.id}`,
      params: { id: String(uma.id), tokenId: String(one.item.id) },
      headers: admin,
    });
    expect(revokeOne.status).toBe(204);
    expect((await me(bearer(one.token))).status).toBe(401);
    expect((await me(bearer(two.token))).status).toBe(200);
    // a token of someone else, through this user's path: not found
    const { token: adminToken, item: adminItem } = await tokenOf(await createToken(adminSession, { name: "admin's" }));
    const wrongOwner = await callRoute(route("/v1/users/[id]/tokens/[tokenId]"), "DELETE", {
      url: `/api/v1/users/${uma.id}/tokens/${adminItem.id}`,
      params: { id: String(uma.id), tokenId: String(adminItem.id) },
      headers: admin,
    });
    expect(wrongOwner.status).toBe(404);
    expect((await me(bearer(adminToken))).status).toBe(200);

    const revokeAll = await callRoute(route("/v1/users/[id]/tokens"), "DELETE", {
      url: `/api/v1/users/${uma.id}/tokens`,
      params,
      headers: admin,
    });
    expect(revokeAll.status).toBe(200);
    expect(await json(revokeAll)).toEqual({ revoked: 2 });
    expect((await me(bearer(two.token))).status).toBe(401);
    expect((await me(bearer(three.token))).status).toBe(401);

    const { getDb } = await import("@/lib/db/client");
    const rows = await getDb().auditEvent.findMany({ where: { action: { startsWith: "token.revoke" }, actor: ADMIN.username } });
    expect(rows.map((r) => [r.action, r.target])).toEqual(
      expect.arrayContaining([
        ["token.revoke", "uma/one"],
        ["token.revoke_all", "uma"],
      ]),
    );
  });
});

describe("user management", () => {
  const admin = () => basic(ADMIN.username, ADMIN.password);
  const patch = (id: number, body: unknown) =>
    callRoute(route("/v1/users/[id]"), "PATCH", { url: `/api/v1/users/${id}`, params: { id: String(id) }, headers: admin(), body });

  it("creates users, changes roles and grants, resets passwords — each audited", async () => {
    const res = await callRoute(route("/v1/users"), "POST", {
      url: "/api/v1/users",
      headers: admin(),
      body: { username: "Ed", password: "ed password 1", role: "viewer", grants: [{ pattern: "team-a/**", role: "editor" }] },
    });
    expect(res.status).toBe(201);
    const ed = (await res.json()) as { id: number; username: string };
    expect(ed.username).toBe("ed");
    const dup = await callRoute(route("/v1/users"), "POST", {
      url: "/api/v1/users",
      headers: admin(),
      body: { username: "ED", password: "whatever123" },
    });
    expect(dup.status).toBe(409);

    // a grant raises the role on matching repositories only
    const edMe = await json(await me(basic("ed", "ed password 1")));
    expect(edMe).toMatchObject({ role: "viewer", grants: [{ pattern: "team-a/**", role: "editor" }] });
    const { can } = await import("@/lib/auth/permissions");
    const { authenticatePassword } = await import("@/lib/services/users");
    const edCaller = await authenticatePassword("ed", "ed password 1", { ip: null, via: "basic" });
    expect(can(edCaller, "tag:delete", "team-a/api")).toBe(true);
    expect(can(edCaller, "tag:delete", "team-b/api")).toBe(false);
    expect(can(edCaller, "users:manage")).toBe(false);

    expect((await patch(ed.id, { role: "editor" })).status).toBe(200);
    expect((await patch(ed.id, { password: "ed reset password" })).status).toBe(200);
    expect((await me(basic("ed", "ed reset password"))).status).toBe(200);
    expect((await patch(ed.id, { unknownField: true })).status).toBe(400);
    expect((await patch(999_999, { role: "viewer" })).status).toBe(404);

    const { getDb } = await import("@/lib/db/client");
    const rows = await getDb().auditEvent.findMany({ where: { target: "ed" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.action, r.actor])).toEqual([
      ["user.create", ADMIN.username],
      ["user.role", ADMIN.username],
      ["user.password_reset", ADMIN.username],
    ]);
    expect(rows[1]?.details).toEqual({ from: "viewer", to: "editor" });
  });

  it("never removes the last active admin", async () => {
    const { getDb } = await import("@/lib/db/client");
    const root = await getDb().user.findUniqueOrThrow({ where: { username: ADMIN.username } });
    const res = await patch(root.id, { role: "viewer" });
    expect(res.status).toBe(409);
    expect((await patch(root.id, { disabled: true })).status).toBe(409);
  });

  it("lists the audit log for admins, newest first, filtered and paged", async () => {
    const page1 = await json(await callRoute(route("/v1/audit"), "GET", { url: "/api/v1/audit?action=login&limit=2", headers: admin() }));
    const items = page1.items as { action: string; at: string }[];
    expect(items).toHaveLength(2);
    expect(items.every((i) => i.action === "login")).toBe(true);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await json(
      await callRoute(route("/v1/audit"), "GET", {
        url: `/api/v1/audit?action=login&limit=2&cursor=${page1.nextCursor}`,
        headers: admin(),
      }),
    );
    expect((page2.items as { id: string }[])[0]?.id).not.toBe((page1.items as { id: string }[])[1]?.id);
  });
});
