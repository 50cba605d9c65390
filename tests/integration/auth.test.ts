// Accounts end to end on a real Postgres: the first admin, sign-in through Auth.js's own
// endpoints, sessions that die with a password change or a disabled account, API tokens,
// throttled sign-ins, CSRF, grants, and the audit rows each of these leaves.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase } from "./helpers";
import { basic, bearer, callRoute, ROOT, sessionCookie } from "./route-harness";

const AUTH_SECRET = "auth-test-secret-0123456789abcdef0123456789";
const ADMIN = { username: "root-admin", password: "admin password 1" };
const route = (p: string) => `${ROOT}/app/api${p}/route.ts`;
const ORIGIN = { origin: "http://localhost:3000" };
let registry: RunningRegistry;

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Signs in through Auth.js's CSRF + credentials callback, as the login page does; returns the session cookie header. */
async function signIn(username: string, password: string): Promise<{ status: number; cookie: string | null; location: string | null }> {
  const csrfRes = await callRoute(route("/auth/[...nextauth]"), "GET", { url: "/api/auth/csrf", params: { nextauth: ["csrf"] } });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await callRoute(route("/auth/[...nextauth]"), "POST", {
    url: "/api/auth/callback/credentials",
    params: { nextauth: ["callback", "credentials"] },
    headers: { cookie: csrfCookie, "content-type": "application/x-www-form-urlencoded", ...ORIGIN, "x-forwarded-for": "203.0.113.7" },
    body: new URLSearchParams({ csrfToken, username, password, callbackUrl: "/" }).toString(),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("layerscope.session-token="));
  return { status: res.status, cookie: session ? (session.split(";")[0] ?? null) : null, location: res.headers.get("location") };
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
    LOG_LEVEL: "error",
  });
}, 120_000);

afterAll(async () => {
  const { disconnectDb } = await import("@/lib/db/client");
  await disconnectDb();
  await registry.destroy();
});

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
    expect(change.status).toBe(204);
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

  it("rejects a forged cookie and one signed with another secret", async () => {
    expect((await me({ cookie: "layerscope.session-token=garbage" })).status).toBe(401);
    const other = await sessionCookie("another-secret-another-secret-another-secret", { uid: 1, sv: 0 });
    expect((await me(other)).status).toBe(401);
  });
});

describe("throttled sign-in", () => {
  it("answers 429 after ten failures for one user, even with the right password", async () => {
    const { createUser } = await import("@/lib/services/users");
    await createUser(SYSTEM, { username: "target", password: "target password", role: "viewer", grants: [] }, null);
    for (let i = 0; i < 10; i++) expect((await me(basic("target", `guess ${i}`))).status).toBe(401);
    const res = await me(basic("target", "target password"));
    expect(res.status).toBe(429);
    expect(await json(res)).toMatchObject({ error: { code: "rate_limited" } });
    // the login form gets the same answer as a distinct error code
    const s = await signIn("target", "target password");
    expect(s.cookie).toBeNull();
    expect(s.location).toContain("code=rate_limited");
  });
});

describe("API tokens", () => {
  it("are shown once, work as Bearer, record last use, and stop working when revoked", async () => {
    const admin = basic(ADMIN.username, ADMIN.password);
    const created = await callRoute(route("/v1/me/tokens"), "POST", { url: "/api/v1/me/tokens", headers: admin, body: { name: "ci" } });
    expect(created.status).toBe(201);
    const { token, item } = (await created.json()) as { token: string; item: { id: number; prefix: string; lastUsedAt: string | null } };
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

  it("expire", async () => {
    const { getDb } = await import("@/lib/db/client");
    const admin = basic(ADMIN.username, ADMIN.password);
    const created = await callRoute(route("/v1/me/tokens"), "POST", {
      url: "/api/v1/me/tokens",
      headers: admin,
      body: { name: "short", expiresInDays: 1 },
    });
    const { token, item } = (await created.json()) as { token: string; item: { id: number } };
    expect((await me(bearer(token))).status).toBe(200);
    await getDb().apiToken.update({ where: { id: item.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await me(bearer(token))).status).toBe(401);
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
    const { can } = await import("@/lib/services/permissions");
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
