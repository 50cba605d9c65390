import "server-only";
import { z } from "zod";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { AuditListQuery } from "../contract/audit";
import { getDb } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { decodeCursor, encodeCursor } from "./cursor";

export const auditResultSchema = z.enum(["success", "failure", "denied"]);
export type AuditResult = z.infer<typeof auditResultSchema>;

export type AuditEntry = {
  actor: { id: number | null; name: string };
  action: string;
  target?: string | null;
  result: AuditResult;
  ip?: string | null;
  details?: Prisma.InputJsonValue;
};

/** The actor an audit row names for a caller. */
export function auditActor(caller: Caller): AuditEntry["actor"] {
  if (caller.kind === "user") return { id: caller.id, name: caller.username };
  return { id: null, name: caller.kind };
}

export async function recordAudit(e: AuditEntry): Promise<void> {
  await getDb().auditEvent.create({
    data: {
      actorId: e.actor.id,
      actor: e.actor.name,
      action: e.action,
      target: e.target ?? null,
      result: e.result,
      ip: e.ip ?? null,
      details: e.details,
    },
  });
}

export type AuditItem = {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  result: AuditResult;
  ip: string | null;
  details: unknown;
};

/** Newest first; `action` matches a prefix (`login` → login.success and login.failure). */
export async function listAudit(caller: Caller, q: AuditListQuery): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  authorize(caller, "audit:read");
  const before = q.cursor ? BigInt(decodeCursor(q.cursor)) : undefined;
  const rows = await getDb().auditEvent.findMany({
    where: {
      ...(q.action ? { action: { startsWith: q.action } } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(before !== undefined ? { id: { lt: before } } : {}),
    },
    orderBy: { id: "desc" },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      target: r.target,
      result: auditResultSchema.catch("failure").parse(r.result),
      ip: r.ip,
      details: r.details ?? null,
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(Number(last.id)) : null,
  };
}
