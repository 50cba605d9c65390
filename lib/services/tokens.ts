// Personal API tokens: `Authorization: Bearer lsc_…` for scripts and CI. The secret is shown
// once; the database keeps its SHA-256 (256 random bits need no slow hash).
import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { Caller, UserCaller } from "../auth/caller";
import { getDb } from "../db/client";
import type { ApiToken } from "../db/generated/client";
import { AppError } from "../http/errors";
import type { CreatedToken, TokenItem, TokenList } from "./api-types";
import { auditActor, recordAudit } from "./audit";
import { requireUser } from "./permissions";
import { callerFromUser } from "./users";

const PREFIX = "lsc_";
const MAX_TOKENS_PER_USER = 100;
// last-used times are written at most this often per token: a busy script must not write on every call
const LAST_USED_RESOLUTION_MS = 60_000;

function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function toItem(t: ApiToken): TokenItem {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
  };
}

export async function listTokens(caller: Caller): Promise<TokenList> {
  requireUser(caller);
  const rows = await getDb().apiToken.findMany({ where: { userId: caller.id, revokedAt: null }, orderBy: { createdAt: "desc" } });
  return { items: rows.map(toItem) };
}

export async function createToken(
  caller: Caller,
  input: { name: string; expiresInDays: number | null },
  ip: string | null,
): Promise<CreatedToken> {
  requireUser(caller);
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
      expiresAt: input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null,
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

/** The caller behind a Bearer token; 401 for an unknown, revoked or expired one, or a disabled user. */
export async function authenticateToken(secret: string): Promise<UserCaller> {
  if (!secret.startsWith(PREFIX) || secret.length > 200) throw new AppError("unauthorized", "invalid API token");
  const db = getDb();
  const row = await db.apiToken.findUnique({ where: { secretHash: digest(secret) }, include: { user: { include: { grants: true } } } });
  const now = new Date();
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt < now) || row.user.disabled) {
    throw new AppError("unauthorized", "invalid, revoked or expired API token");
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return callerFromUser(row.user, "token");
}
