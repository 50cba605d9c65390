// Personal API tokens: `Authorization: Bearer lsc_…` for scripts and CI. The secret is shown
// once; the database keeps its SHA-256 (256 random bits need no slow hash). Only a signed-in
// browser session creates tokens (a token cannot mint a longer-lived one), none lives longer than
// LAYERSCOPE_TOKEN_MAX_DAYS, and a password change or reset revokes them all.
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Caller, UserCaller } from "../auth/caller";
import { authorize, requireUser } from "../auth/permissions";
import type { CreatedToken, createTokenBody, TokenItem, TokenList } from "../contract/accounts";
import { getDb } from "../db/client";
import type { ApiToken } from "../db/generated/client";
import { getEnv } from "../env";
import { auditActor, recordAudit } from "./audit";
import { callerFromUser } from "./users";

const PREFIX = "lsc_";
const MAX_TOKENS_PER_USER = 100;
// last-used times are written at most this often per token: a busy script must not write on every call
const LAST_USED_RESOLUTION_MS = 60_000;

function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

const DAY_MS = 86_400_000;

/** When a token stops working: its own expiry, or LAYERSCOPE_TOKEN_MAX_DAYS after creation if that is sooner. */
export function effectiveExpiry(t: Pick<ApiToken, "createdAt" | "expiresAt">): Date {
  const cap = new Date(t.createdAt.getTime() + getEnv().LAYERSCOPE_TOKEN_MAX_DAYS * DAY_MS);
  return t.expiresAt && t.expiresAt < cap ? t.expiresAt : cap;
}

function toItem(t: ApiToken): TokenItem {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: effectiveExpiry(t).toISOString(),
  };
}

function listFor(userId: number): Promise<ApiToken[]> {
  return getDb().apiToken.findMany({ where: { userId, revokedAt: null }, orderBy: { createdAt: "desc" } });
}

export async function listTokens(caller: Caller): Promise<TokenList> {
  requireUser(caller);
  return { items: (await listFor(caller.id)).map(toItem) };
}

async function userOrThrow(id: number): Promise<{ id: number; username: string }> {
  const user = await getDb().user.findUnique({ where: { id }, select: { id: true, username: true } });
  if (!user) throw new AppError("not_found", `no user with id ${id}`);
  return user;
}

/** An admin's view of someone's tokens (`GET /api/v1/users/<id>/tokens`). */
export async function listUserTokens(caller: Caller, userId: number): Promise<TokenList> {
  authorize(caller, "users:manage");
  await userOrThrow(userId);
  return { items: (await listFor(userId)).map(toItem) };
}

export async function createToken(caller: Caller, input: z.infer<typeof createTokenBody>, ip: string | null): Promise<CreatedToken> {
  requireUser(caller);
  if (caller.via !== "session") {
    throw new AppError(
      "forbidden",
      "API tokens are created from a signed-in session (Profile → API tokens), not with a token or Basic credentials",
    );
  }
  const maxDays = getEnv().LAYERSCOPE_TOKEN_MAX_DAYS;
  // no expiry asked for: the longest allowed
  const days = input.expiresInDays ?? maxDays;
  if (days > maxDays) throw new AppError("bad_request", `expiresInDays: at most ${maxDays} (LAYERSCOPE_TOKEN_MAX_DAYS)`);
  const db = getDb();
  if ((await db.apiToken.count({ where: { userId: caller.id, revokedAt: null } })) >= MAX_TOKENS_PER_USER) {
    throw new AppError("conflict", `at most ${MAX_TOKENS_PER_USER} tokens per user: revoke unused ones first`);
  }
  const secret = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = await db.apiToken.create({
    data: {
      userId: caller.id,
      name: input.name,
      prefix: secret.slice(0, PREFIX.length + 6),
      secretHash: digest(secret),
      expiresAt: new Date(Date.now() + days * DAY_MS),
    },
  });
  await recordAudit({
    actor: auditActor(caller),
    action: "token.create",
    target: `${caller.username}/${row.name}`,
    result: "success",
    ip,
    details: { id: row.id, prefix: row.prefix, expiresAt: row.expiresAt?.toISOString() ?? null },
  });
  return { token: secret, item: toItem(row) };
}

/** Revokes one of the caller's own tokens (disabling a user stops all of theirs). */
export async function revokeToken(caller: Caller, id: number, ip: string | null): Promise<void> {
  requireUser(caller);
  const db = getDb();
  const row = await db.apiToken.findFirst({ where: { id, userId: caller.id, revokedAt: null } });
  if (!row) throw new AppError("not_found", `no token with id ${id}`);
  await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  await recordAudit({
    actor: auditActor(caller),
    action: "token.revoke",
    target: `${caller.username}/${row.name}`,
    result: "success",
    ip,
    details: { id, prefix: row.prefix },
  });
}

/** An admin revokes one of someone's tokens (`DELETE /api/v1/users/<id>/tokens/<tokenId>`). */
export async function revokeUserToken(caller: Caller, userId: number, tokenId: number, ip: string | null): Promise<void> {
  authorize(caller, "users:manage");
  const user = await userOrThrow(userId);
  const db = getDb();
  const row = await db.apiToken.findFirst({ where: { id: tokenId, userId, revokedAt: null } });
  if (!row) throw new AppError("not_found", `${user.username} has no token with id ${tokenId}`);
  await db.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date() } });
  await recordAudit({
    actor: auditActor(caller),
    action: "token.revoke",
    target: `${user.username}/${row.name}`,
    result: "success",
    ip,
    details: { id: tokenId, prefix: row.prefix, by: "admin" },
  });
}

/** An admin revokes all of someone's tokens (`DELETE /api/v1/users/<id>/tokens`); answers how many. */
export async function revokeUserTokens(caller: Caller, userId: number, ip: string | null): Promise<{ revoked: number }> {
  authorize(caller, "users:manage");
  const user = await userOrThrow(userId);
  const { count } = await getDb().apiToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (count > 0) {
    await recordAudit({
      actor: auditActor(caller),
      action: "token.revoke_all",
      target: user.username,
      result: "success",
      ip,
      details: { count, reason: "admin" },
    });
  }
  return { revoked: count };
}

/** The caller behind a Bearer token; 401 for an unknown, revoked or expired one, or a disabled user. */
export async function authenticateToken(secret: string): Promise<UserCaller> {
  if (!secret.startsWith(PREFIX) || secret.length > 200) throw new AppError("unauthorized", "invalid API token");
  const db = getDb();
  const row = await db.apiToken.findUnique({ where: { secretHash: digest(secret) }, include: { user: { include: { grants: true } } } });
  const now = new Date();
  if (!row || row.revokedAt || effectiveExpiry(row) < now || row.user.disabled) {
    throw new AppError("unauthorized", "invalid, revoked or expired API token");
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return callerFromUser(row.user, "token");
}
