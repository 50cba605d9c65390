// Database rows → the views the retention service returns.
import "server-only";
import { z } from "zod";
import type { RetentionPolicy as PolicyRow, Prisma, RetentionRun as RunRow } from "../../db/generated/client";
import type { RetentionRules } from "../../retention/policy";
import {
  type RequestedBy,
  type RetentionPolicyView,
  type RetentionPreviewBody,
  type RetentionRunPlan,
  type RetentionRunStatus,
  type RetentionRunSummary,
  type RetentionRunView,
  requestedBySchema,
} from "./types";

export function rulesOf(p: PolicyRow | RetentionPreviewBody): RetentionRules {
  return {
    repositoryGlob: p.repositoryGlob,
    keepLatest: p.keepLatest ?? undefined,
    keepTagPattern: p.keepTagPattern ?? undefined,
    deleteOlderThanDays: p.deleteOlderThanDays ?? undefined,
    keepPulledWithinDays: p.keepPulledWithinDays ?? undefined,
  };
}

export function requestedByOf(plan: Prisma.JsonValue | null): RequestedBy | null {
  const parsed = z.object({ requestedBy: requestedBySchema }).safeParse(plan);
  return parsed.success ? parsed.data.requestedBy : null;
}

export function runSummary(r: RunRow): RetentionRunSummary {
  return {
    id: r.id,
    policyId: r.policyId,
    dryRun: r.dryRun,
    trigger: r.trigger,
    status: r.status as RetentionRunStatus,
    requestedBy: requestedByOf(r.plan)?.name ?? null,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    tagsDeleted: r.tagsDeleted,
    manifestsDeleted: r.manifestsDeleted,
    bytesFreed: Number(r.bytesFreed),
    error: r.error,
  };
}

export function runView(r: RunRow & { policy: { name: string } }): RetentionRunView {
  // written only by this module (executeRetentionRun), in the shape of RetentionRunPlan
  const stored = requestedByOf(r.plan) ? (r.plan as unknown as RetentionRunPlan) : null;
  // the requester's address is for the audit log (admins), not for everyone who reads the history
  const plan = stored ? { ...stored, requestedBy: { ...stored.requestedBy, ip: null } } : null;
  return { ...runSummary(r), policyName: r.policy.name, plan };
}

export function policyView(p: PolicyRow, lastRun: RunRow | null): RetentionPolicyView {
  return {
    id: p.id,
    ...policyDetails(p),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    nextRunAt: p.nextRunAt?.toISOString() ?? null,
    lastRun: lastRun ? runSummary(lastRun) : null,
  };
}

export function policyDetails(p: PolicyRow) {
  return {
    name: p.name,
    repositoryGlob: p.repositoryGlob,
    keepLatest: p.keepLatest,
    keepTagPattern: p.keepTagPattern,
    deleteOlderThanDays: p.deleteOlderThanDays,
    keepPulledWithinDays: p.keepPulledWithinDays,
    schedule: p.schedule,
    enabled: p.enabled,
  };
}
