// Accounts: sign-in checks (throttled and audited), the first admin, user management for
// admins and one's own password. Passwords are argon2id hashes; nothing here logs a secret.
import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller, CallerVia, SessionClaims, UserCaller } from "../auth/caller";
import { hashPassword, verifyAgainstNothing, verifyPassword } from "../auth/password";
import { authorize, principal, requireUser } from "../auth/permissions";
import { type Grant, heldPermissions, type Role, roleFromGroups } from "../auth/roles";
import type { CreateUserBody, Me, PasswordChanged, UpdatedUser, UpdateUserBody, UserItem, UserList } from "../contract/accounts";
import { getDb } from "../db/client";
import type { Prisma, User } from "../db/generated/client";
import { getEnv } from "../env";
import { logger } from "../log";
import { auditActor, recordAudit } from "./audit";
import { beginAttempt, finishAttempt } from "./login-throttle";

type UserWithGrants = User & { grants: { pattern: string; role: Role }[] };

export function normalizeUsername(u: string): string {
  return u.trim().toLowerCase();
}

export function callerFromUser(u: UserWithGrants, via: CallerVia): UserCaller {
  return {
    kind: "user",
    id: u.id,
    username: u.username,
    name: u.displayName ?? u.username,
    provider: u.provider,
    role: u.role,
    grants: u.grants.map((g) => ({ pattern: g.pattern, role: g.role })),
    via,
  };
}

/** Tokens of a user that still work: not revoked, not expired, younger than LAYERSCOPE_TOKEN_MAX_DAYS. */
function activeTokensWhere(now = new Date()): Prisma.ApiTokenWhereInput {
  return {
    revokedAt: null,
    OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
    createdAt: { gt: new Date(now.getTime() - getEnv().LAYERSCOPE_TOKEN_MAX_DAYS * 86_400_000) },
  };
}

function toItem(u: UserWithGrants, activeTokens: number): UserItem {
  return {
    id: u.id,
    username: u.username,
    name: u.displayName,
    role: u.role,
    disabled: u.disabled,
    provider: u.provider,
    grants: u.grants.map((g) => ({ pattern: g.pattern, role: g.role })),
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    activeTokens,
  };
}

export type SignInContext = { ip: string | null; via: "form" | "basic" };

/**
 * Checks a user name and password. Throws 401 (wrong or disabled: the same message, so it does
 * not reveal which) or 429 (this account from this source, or this source, is throttled: see
 * login-throttle.ts). Every failure is audited; interactive successes too (API calls with Basic
 * credentials would flood the log).
 */
export async function authenticatePassword(rawUsername: string, password: string, ctx: SignInContext): Promise<UserCaller> {
  // control characters (Postgres refuses NUL) become U+FFFD: such a name is throttled, audited and refused like any unknown one
  const username = normalizeUsername(rawUsername)
    .slice(0, 64)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, "\ufffd");
  const attempt = await beginAttempt(username, ctx.ip);
  const user = await getDb().user.findUnique({ where: { username }, include: { grants: true } });
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstNothing(password);
  // a disabled account's right password also clears the pair: it proves nothing is being guessed
  await finishAttempt(attempt, Boolean(user && ok));
  if (!user || !ok || user.disabled) {
    const reason = !user ? "unknown user" : !ok ? "wrong password" : "account disabled";
    await recordAudit({
      actor: { id: user?.id ?? null, name: username },
      action: "login",
      result: "failure",
      ip: ctx.ip,
      details: { via: ctx.via, reason },
    });
    throw new AppError("unauthorized", "wrong user name or password");
  }
  if (ctx.via === "form") {
    await getDb().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    await recordAudit({
      actor: { id: user.id, name: username },
      action: "login",
      result: "success",
      ip: ctx.ip,
      details: { via: ctx.via },
    });
  }
  return callerFromUser(user, ctx.via === "basic" ? "basic" : "session");
}

/** What a sign-in stores in the session cookie. */
export async function sessionClaimsFor(userId: number): Promise<SessionClaims> {
  const u = await getDb().user.findUniqueOrThrow({ where: { id: userId }, select: { sessionVersion: true } });
  return { uid: userId, sv: u.sessionVersion };
}

/** The caller behind a session cookie; null once the user is disabled, their password changed or the session signed out. */
export async function authenticateSession(s: SessionClaims): Promise<UserCaller | null> {
  const db = getDb();
  const [user, ended] = await Promise.all([
    db.user.findUnique({ where: { id: s.uid }, include: { grants: true } }),
    s.sid ? db.revokedSession.findUnique({ where: { sid: s.sid }, select: { sid: true } }) : null,
  ]);
  if (!user || user.disabled || user.sessionVersion !== s.sv || ended) return null;
  return callerFromUser(user, "session");
}

const SESSION_MAX_MS = 12 * 3600 * 1000;

/**
 * Sign-out: the session is recorded as ended, so a copy of its cookie stops working at once. A cookie
 * from before sessions had ids cannot be told apart from the user's others: then all of them end.
 */
export async function endSession(s: SessionClaims): Promise<void> {
  const db = getDb();
  if (s.sid) {
    const expiresAt = new Date(s.exp ? s.exp * 1000 : Date.now() + SESSION_MAX_MS);
    await db.revokedSession.deleteMany({ where: { expiresAt: { lt: new Date() } } });
    const { count } = await db.revokedSession.createMany({ data: [{ sid: s.sid, expiresAt }], skipDuplicates: true });
    if (count === 0) return; // signed out already
  } else {
    const { count } = await db.user.updateMany({ where: { id: s.uid, sessionVersion: s.sv }, data: { sessionVersion: { increment: 1 } } });
    if (count === 0) return;
  }
  const user = await db.user.findUnique({ where: { id: s.uid }, select: { username: true } });
  await recordAudit({ actor: { id: s.uid, name: user?.username ?? String(s.uid) }, action: "logout", result: "success" });
}

export function getMe(caller: Caller): Me {
  const p = principal(caller);
  return {
    user:
      caller.kind === "user"
        ? { id: caller.id, username: caller.username, name: caller.name, provider: caller.provider, via: caller.via }
        : null,
    role: caller.role,
    grants: caller.grants,
    anonymous: caller.kind === "anonymous",
    permissions: heldPermissions(p),
  };
}

export async function listUsers(caller: Caller): Promise<UserList> {
  authorize(caller, "users:manage");
  const users = await getDb().user.findMany({
    include: { grants: { orderBy: { pattern: "asc" } }, _count: { select: { tokens: { where: activeTokensWhere() } } } },
    orderBy: { username: "asc" },
  });
  return { items: users.map((u) => toItem(u, u._count.tokens)) };
}

async function assertUsernameFree(username: string): Promise<void> {
  if (await getDb().user.findUnique({ where: { username }, select: { id: true } })) {
    throw new AppError("conflict", `a user named ${username} already exists`);
  }
}

export async function createUser(caller: Caller, body: CreateUserBody, ip: string | null): Promise<UserItem> {
  authorize(caller, "users:manage");
  await assertUsernameFree(body.username);
  const user = await getDb().user.create({
    data: {
      username: body.username,
      displayName: body.name || null,
      passwordHash: await hashPassword(body.password),
      role: body.role,
      grants: { create: dedupeGrants(body.grants) },
    },
    include: { grants: true },
  });
  await recordAudit({
    actor: auditActor(caller),
    action: "user.create",
    target: user.username,
    result: "success",
    ip,
    details: { role: user.role, grants: body.grants },
  });
  return toItem(user, 0);
}

function dedupeGrants(grants: Grant[]): Grant[] {
  return [...new Map(grants.map((g) => [g.pattern, g])).values()];
}

async function otherActiveAdmins(excludeId: number): Promise<number> {
  return getDb().user.count({ where: { role: "admin", disabled: false, id: { not: excludeId } } });
}

/**
 * An admin changes someone's role, grants, status or password. A password reset ends their sessions
 * and revokes their API tokens (whoever knew the old password may have made some): the answer says how many.
 */
export async function updateUser(caller: Caller, id: number, body: UpdateUserBody, ip: string | null): Promise<UpdatedUser> {
  authorize(caller, "users:manage");
  const db = getDb();
  const before = await db.user.findUnique({ where: { id }, include: { grants: true } });
  if (!before) throw new AppError("not_found", `no user with id ${id}`);
  const losesAdmin = before.role === "admin" && !before.disabled && ((body.role && body.role !== "admin") || body.disabled === true);
  if (losesAdmin && (await otherActiveAdmins(id)) === 0) {
    throw new AppError("conflict", "this is the last active admin: make another user admin first");
  }
  const invalidateSessions = body.disabled === true || body.password !== undefined;
  const passwordHash = body.password !== undefined ? await hashPassword(body.password) : undefined;
  const { user, tokensRevoked, activeTokens } = await db.$transaction(async (tx) => {
    if (body.grants) {
      await tx.grant.deleteMany({ where: { userId: id } });
      await tx.grant.createMany({ data: dedupeGrants(body.grants).map((g) => ({ ...g, userId: id })) });
    }
    const updated = await tx.user.update({
      where: { id },
      data: {
        ...(body.name !== undefined ? { displayName: body.name || null } : {}),
        ...(body.role ? { role: body.role } : {}),
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        ...(invalidateSessions ? { sessionVersion: { increment: 1 } } : {}),
      },
      include: { grants: true },
    });
    const revoked = passwordHash !== undefined ? await revokeAllTokens(tx, id) : 0;
    return {
      user: updated,
      tokensRevoked: revoked,
      activeTokens: await tx.apiToken.count({ where: { userId: id, ...activeTokensWhere() } }),
    };
  });
  const actor = auditActor(caller);
  const target = user.username;
  if (body.role && body.role !== before.role) {
    await recordAudit({ actor, action: "user.role", target, result: "success", ip, details: { from: before.role, to: body.role } });
  }
  if (body.disabled !== undefined && body.disabled !== before.disabled) {
    await recordAudit({ actor, action: body.disabled ? "user.disable" : "user.enable", target, result: "success", ip });
  }
  if (body.password !== undefined) {
    await recordAudit({ actor, action: "user.password_reset", target, result: "success", ip, details: { tokensRevoked } });
  }
  if (body.grants) {
    const from = before.grants.map((g) => ({ pattern: g.pattern, role: g.role }));
    await recordAudit({ actor, action: "user.grants", target, result: "success", ip, details: { from, to: body.grants } });
  }
  return { ...toItem(user, activeTokens), tokensRevoked };
}

/** Revokes every API token of a user, in the transaction that changes their password; answers how many. */
async function revokeAllTokens(tx: Prisma.TransactionClient, userId: number): Promise<number> {
  const { count } = await tx.apiToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count;
}

/** One's own password: every session ends (this one too) and every API token is revoked; answers how many. */
export async function changeOwnPassword(
  caller: Caller,
  currentPassword: string,
  newPassword: string,
  ip: string | null,
): Promise<PasswordChanged> {
  requireUser(caller);
  const user = await getDb().user.findUniqueOrThrow({ where: { id: caller.id } });
  if (!user.passwordHash) throw new AppError("bad_request", "this account signs in through single sign-on and has no password");
  if (!(await verifyPassword(user.passwordHash, currentPassword))) {
    await recordAudit({ actor: auditActor(caller), action: "user.password_change", target: user.username, result: "failure", ip });
    throw new AppError("forbidden", "the current password is wrong");
  }
  const passwordHash = await hashPassword(newPassword);
  const tokensRevoked = await getDb().$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash, sessionVersion: { increment: 1 } } });
    return revokeAllTokens(tx, user.id);
  });
  await recordAudit({
    actor: auditActor(caller),
    action: "user.password_change",
    target: user.username,
    result: "success",
    ip,
    details: { tokensRevoked },
  });
  return { tokensRevoked };
}

// ---- the first admin ---------------------------------------------------------------------

const SETUP_LOCK = 7_273_410;

/** True while no user exists and none is configured: the first-run page creates the admin. */
export async function setupNeeded(): Promise<boolean> {
  return (await getDb().user.count()) === 0;
}

/** Creates the first admin, once: a second call (or a race with another) answers 409. */
export async function createFirstAdmin(username: string, password: string, ip: string | null): Promise<UserItem> {
  // asked before hashing: once set up, an anonymous call costs a count, not an argon2 hash
  if (!(await setupNeeded())) throw new AppError("conflict", "Layerscope is already set up: sign in instead");
  const passwordHash = await hashPassword(password);
  const user = await getDb().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SETUP_LOCK})`;
    if ((await tx.user.count()) > 0) throw new AppError("conflict", "Layerscope is already set up: sign in instead");
    return tx.user.create({ data: { username, passwordHash, role: "admin" }, include: { grants: true } });
  });
  await recordAudit({
    actor: { id: user.id, name: username },
    action: "user.create",
    target: username,
    result: "success",
    ip,
    details: { role: "admin", via: "setup" },
  });
  return toItem(user, 0);
}

/**
 * At start: make sure LAYERSCOPE_ADMIN_USER exists as an admin with LAYERSCOPE_ADMIN_PASSWORD.
 * An existing account keeps its password (changed in the UI) but is made admin and enabled again.
 */
export async function bootstrapAdmin(): Promise<void> {
  const env = getEnv();
  if (!env.LAYERSCOPE_ADMIN_USER || !env.LAYERSCOPE_ADMIN_PASSWORD) return;
  const username = normalizeUsername(env.LAYERSCOPE_ADMIN_USER);
  const db = getDb();
  const existing = await db.user.findUnique({ where: { username } });
  if (existing) {
    if (existing.role !== "admin" || existing.disabled || !existing.passwordHash) {
      await db.user.update({
        where: { id: existing.id },
        data: {
          role: "admin",
          disabled: false,
          ...(existing.passwordHash ? {} : { passwordHash: await hashPassword(env.LAYERSCOPE_ADMIN_PASSWORD) }),
        },
      });
      logger.info("LAYERSCOPE_ADMIN_USER made admin again", { user: username });
    }
    return;
  }
  await db.user
    .create({ data: { username, passwordHash: await hashPassword(env.LAYERSCOPE_ADMIN_PASSWORD), role: "admin" } })
    .catch((e: unknown) => {
      // another instance created it at the same moment
      if (!(e instanceof Error && /Unique constraint/i.test(e.message))) throw e;
    });
  await recordAudit({
    actor: { id: null, name: "system" },
    action: "user.create",
    target: username,
    result: "success",
    details: { role: "admin", via: "LAYERSCOPE_ADMIN_USER" },
  });
  logger.info("created the admin from LAYERSCOPE_ADMIN_USER", { user: username });
}

// ---- single sign-on ------------------------------------------------------------------------

export type OidcProfile = { subject: string; username: string; name: string | null; groups: string[] };

/** Creates or refreshes the account of an OIDC sign-in; the role follows the groups at every sign-in. */
export async function upsertOidcUser(p: OidcProfile, ip: string | null): Promise<number | null> {
  const env = getEnv();
  const role = roleFromGroups(p.groups, { admin: env.OIDC_ADMIN_GROUPS, editor: env.OIDC_EDITOR_GROUPS, viewer: env.OIDC_VIEWER_GROUPS });
  const db = getDb();
  const existing = await db.user.findUnique({ where: { oidcSubject: p.subject } });
  if (!role || existing?.disabled) {
    await recordAudit({
      actor: { id: existing?.id ?? null, name: p.username },
      action: "login",
      result: "failure",
      ip,
      details: { via: "oidc", reason: role ? "account disabled" : "in no allowed group" },
    });
    return null;
  }
  let user: User;
  if (existing) {
    user = await db.user.update({ where: { id: existing.id }, data: { role, displayName: p.name, lastLoginAt: new Date() } });
  } else {
    // a local account (or another subject: an identity re-created at the provider) may already use the
    // name: keep both, suffix the new SSO one
    const candidates = ["", "@sso", ...Array.from({ length: 8 }, (_, i) => `@sso-${i + 2}`)].map(
      (suffix) => p.username.slice(0, 64 - suffix.length) + suffix,
    );
    const taken = new Set(
      (await db.user.findMany({ where: { username: { in: candidates } }, select: { username: true } })).map((u) => u.username),
    );
    const username = candidates.find((c) => !taken.has(c));
    if (!username) throw new AppError("conflict", `too many accounts are named like ${p.username}`);
    user = await db.user.create({
      data: { username, displayName: p.name, role, provider: "oidc", oidcSubject: p.subject, lastLoginAt: new Date() },
    });
  }
  if (existing && existing.role !== role) {
    await recordAudit({
      actor: { id: null, name: "oidc" },
      action: "user.role",
      target: user.username,
      result: "success",
      ip,
      details: { from: existing.role, to: role },
    });
  }
  await recordAudit({ actor: { id: user.id, name: user.username }, action: "login", result: "success", ip, details: { via: "oidc" } });
  return user.id;
}

export async function userIdForOidcSubject(subject: string): Promise<number | null> {
  return (await getDb().user.findUnique({ where: { oidcSubject: subject }, select: { id: true } }))?.id ?? null;
}
