// Retention policies: list, read, create, change, delete (each change audited).
import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../../auth/caller";
import { authorize } from "../../auth/permissions";
import { type Db, getDb } from "../../db/client";
import type { RetentionPolicy as PolicyRow } from "../../db/generated/client";
import { nextRun } from "../../retention/schedule";
import { auditActor, recordAudit } from "../audit";
import { authorizeRead, loadPolicy, loadVisiblePolicy, policyVisible } from "./access";
import type { CreateRetentionPolicyBody, RetentionPolicyView, UpdateRetentionPolicyBody } from "./types";
import { policyDetails, policyView } from "./views";

function nextRunAtFor(enabled: boolean, schedule: string | null | undefined, now: Date): Date | null {
  return enabled && schedule ? nextRun(schedule, now) : null;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2002";
}

async function assertNameFree(db: Db, name: string, exceptId?: number): Promise<void> {
  const other = await db.retentionPolicy.findUnique({ where: { name }, select: { id: true } });
  if (other && other.id !== exceptId) throw new AppError("conflict", `a retention policy named "${name}" exists already`);
}

export async function listPolicies(caller: Caller): Promise<{ items: RetentionPolicyView[] }> {
  authorizeRead(caller);
  const rows = await getDb().retentionPolicy.findMany({
    orderBy: { name: "asc" },
    include: { runs: { orderBy: { id: "desc" }, take: 1 } },
  });
  return { items: rows.filter((p) => policyVisible(caller, p.repositoryGlob)).map((p) => policyView(p, p.runs[0] ?? null)) };
}

export async function getPolicy(caller: Caller, id: number): Promise<RetentionPolicyView> {
  authorizeRead(caller);
  const db = getDb();
  const p = await loadVisiblePolicy(db, caller, id);
  const lastRun = await db.retentionRun.findFirst({ where: { policyId: id }, orderBy: { id: "desc" } });
  return policyView(p, lastRun);
}

export async function createPolicy(caller: Caller, body: CreateRetentionPolicyBody, ip: string | null): Promise<RetentionPolicyView> {
  authorize(caller, "retention:manage");
  const db = getDb();
  await assertNameFree(db, body.name);
  const schedule = body.schedule ?? null;
  let row: PolicyRow;
  try {
    row = await db.retentionPolicy.create({
      data: {
        name: body.name,
        repositoryGlob: body.repositoryGlob,
        keepLatest: body.keepLatest ?? null,
        keepTagPattern: body.keepTagPattern ?? null,
        deleteOlderThanDays: body.deleteOlderThanDays ?? null,
        keepPulledWithinDays: body.keepPulledWithinDays ?? null,
        schedule,
        enabled: body.enabled,
        nextRunAt: nextRunAtFor(body.enabled, schedule, new Date()),
      },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("conflict", `a retention policy named "${body.name}" exists already`);
    throw e;
  }
  await recordAudit({
    actor: auditActor(caller),
    action: "retention.policy.create",
    target: row.name,
    result: "success",
    ip,
    details: { id: row.id, ...policyDetails(row) },
  });
  return policyView(row, null);
}

export async function updatePolicy(
  caller: Caller,
  id: number,
  body: UpdateRetentionPolicyBody,
  ip: string | null,
): Promise<RetentionPolicyView> {
  authorize(caller, "retention:manage");
  const db = getDb();
  const before = await loadPolicy(db, id);
  if (body.name !== undefined && body.name !== before.name) await assertNameFree(db, body.name, id);
  const enabled = body.enabled ?? before.enabled;
  const schedule = body.schedule === undefined ? before.schedule : body.schedule;
  // a new schedule (or switching on) starts counting now; otherwise the planned run stays
  const timing = body.schedule !== undefined || body.enabled !== undefined;
  let row: PolicyRow;
  try {
    row = await db.retentionPolicy.update({
      where: { id },
      data: {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.repositoryGlob !== undefined ? { repositoryGlob: body.repositoryGlob } : {}),
        ...(body.keepLatest !== undefined ? { keepLatest: body.keepLatest } : {}),
        ...(body.keepTagPattern !== undefined ? { keepTagPattern: body.keepTagPattern } : {}),
        ...(body.deleteOlderThanDays !== undefined ? { deleteOlderThanDays: body.deleteOlderThanDays } : {}),
        ...(body.keepPulledWithinDays !== undefined ? { keepPulledWithinDays: body.keepPulledWithinDays } : {}),
        ...(body.schedule !== undefined ? { schedule: body.schedule } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        ...(timing ? { nextRunAt: nextRunAtFor(enabled, schedule, new Date()) } : {}),
      },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("conflict", `a retention policy named "${body.name}" exists already`);
    throw e;
  }
  const from = policyDetails(before);
  const to = policyDetails(row);
  const changed = (Object.keys(to) as (keyof typeof to)[]).filter((k) => from[k] !== to[k]);
  if (changed.length > 0) {
    await recordAudit({
      actor: auditActor(caller),
      action: "retention.policy.update",
      target: row.name,
      result: "success",
      ip,
      details: {
        id,
        from: Object.fromEntries(changed.map((k) => [k, from[k]])),
        to: Object.fromEntries(changed.map((k) => [k, to[k]])),
      },
    });
  }
  const lastRun = await db.retentionRun.findFirst({ where: { policyId: id }, orderBy: { id: "desc" } });
  return policyView(row, lastRun);
}

export async function deletePolicy(caller: Caller, id: number, ip: string | null): Promise<void> {
  authorize(caller, "retention:manage");
  const db = getDb();
  const p = await loadPolicy(db, id);
  const active = await db.retentionRun.findFirst({ where: { policyId: id, status: { in: ["queued", "running"] } } });
  if (active) throw new AppError("conflict", `run ${active.id} of this policy is ${active.status}: delete the policy once it has finished`);
  // its runs go with it (cascade); the audit log keeps what they did
  await db.retentionPolicy.delete({ where: { id } });
  await recordAudit({
    actor: auditActor(caller),
    action: "retention.policy.delete",
    target: p.name,
    result: "success",
    ip,
    details: { id, ...policyDetails(p) },
  });
}
