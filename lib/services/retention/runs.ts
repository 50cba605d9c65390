// Retention runs, dry and real: queued under a lock (one active run per policy), executed by the
// job (or runPolicy right away), with the plan, what happened per repository and the audit entry
// stored on the run; and the run history.
import "server-only";
import { AppError, errorMessage } from "@/lib/errors";
import { type Caller, SYSTEM } from "../../auth/caller";
import { authorize } from "../../auth/permissions";
import { getDb } from "../../db/client";
import type { Prisma, RetentionRun as RunRow } from "../../db/generated/client";
import { enqueueRetentionRun } from "../../jobs/definitions";
import { logger } from "../../log";
import { auditActor, recordAudit } from "../audit";
import { DELETE_DISABLED } from "../deletions";
import { callerFromUser } from "../users";
import { authorizeRead, loadVisiblePolicy, policyVisible } from "./access";
import { applyRepository } from "./apply";
import { evaluatePolicy, matchingRepositories } from "./evaluate";
import type {
  RequestedBy,
  RetentionRepositoryOutcome,
  RetentionRepositoryPreview,
  RetentionRunPlan,
  RetentionRunRepository,
  RetentionRunView,
  RetentionTrigger,
} from "./types";
import { requestedByOf, rulesOf, runView } from "./views";

const RUN_LOCK = 7_273_404;
const AUDIT_LIST_MAX = 1000;

export async function listRuns(caller: Caller, policyId: number, limit = 20): Promise<{ items: RetentionRunView[] }> {
  authorizeRead(caller);
  const db = getDb();
  await loadVisiblePolicy(db, caller, policyId);
  const rows = await db.retentionRun.findMany({
    where: { policyId },
    orderBy: { id: "desc" },
    take: limit,
    include: { policy: { select: { name: true } } },
  });
  return { items: rows.map(runView) };
}

export async function getRun(caller: Caller, runId: number): Promise<RetentionRunView> {
  authorizeRead(caller);
  const row = await getDb().retentionRun.findUnique({
    where: { id: runId },
    include: { policy: { select: { name: true, repositoryGlob: true } } },
  });
  if (!row || !policyVisible(caller, row.policy.repositoryGlob)) throw new AppError("not_found", `no retention run ${runId}`);
  return runView(row);
}

/**
 * Records a queued run of a policy, unless one of it is queued or running (checked under a
 * transaction lock, so two requests cannot both start one). The caller executes it: a job
 * (enqueueRetentionRun) or runPolicy right away.
 */
export async function createRetentionRun(
  caller: Caller,
  policyId: number,
  opts: { dryRun: boolean; trigger: RetentionTrigger },
  ip: string | null,
): Promise<{ id: number }> {
  authorize(caller, "retention:manage");
  const db = getDb();
  const actor = auditActor(caller);
  const requestedBy: RequestedBy = { id: actor.id, name: actor.name, ip };
  const outcome = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RUN_LOCK}::int, ${policyId}::int)`;
    const policy = await tx.retentionPolicy.findUnique({ where: { id: policyId }, select: { id: true } });
    if (!policy) return { missing: true } as const;
    const active = await tx.retentionRun.findFirst({ where: { policyId, status: { in: ["queued", "running"] } } });
    if (active) return { conflict: active.id } as const;
    const row = await tx.retentionRun.create({
      data: { policyId, dryRun: opts.dryRun, trigger: opts.trigger, status: "queued", plan: { requestedBy } },
    });
    return { id: row.id } as const;
  });
  if ("missing" in outcome) throw new AppError("not_found", `no retention policy ${policyId}`);
  if ("conflict" in outcome) {
    throw new AppError("conflict", `run ${outcome.conflict} of this policy is already queued or running`, { id: outcome.conflict });
  }
  return { id: outcome.id };
}

/** A run an admin asked for: recorded (see createRetentionRun) and queued for the job worker. */
export async function startRetentionRun(
  caller: Caller,
  policyId: number,
  opts: { dryRun: boolean; trigger: RetentionTrigger },
  ip: string | null,
): Promise<{ id: number }> {
  const run = await createRetentionRun(caller, policyId, opts, ip);
  await enqueueRetentionRun(run.id);
  return run;
}

/** Evaluates the policy, stores the plan and (unless a dry run) deletes it now. Returns the finished run. */
export async function runPolicy(
  policyId: number,
  opts: { dryRun: boolean; trigger: RetentionTrigger; caller: Caller },
  ip: string | null = null,
): Promise<RetentionRunView> {
  const { id } = await createRetentionRun(opts.caller, policyId, opts, ip);
  return executeRetentionRun(id);
}

/** The caller a queued run acts as: the system, or the user who asked (who must still be an enabled admin). */
async function callerOf(requestedBy: RequestedBy | null): Promise<Caller> {
  if (requestedBy?.id == null) return SYSTEM;
  const user = await getDb().user.findUnique({ where: { id: requestedBy.id }, include: { grants: true } });
  if (!user || user.disabled) throw new AppError("forbidden", `${requestedBy.name}, who asked for this run, is disabled or gone`);
  return callerFromUser(user, "session");
}

/**
 * Runs a queued run to the end (the job's handler). A run another worker claimed already is left
 * alone. Failures end up on the run and in the audit log; this only throws when the run is missing.
 */
export async function executeRetentionRun(runId: number): Promise<RetentionRunView> {
  const db = getDb();
  const claimed = await db.retentionRun.updateMany({
    where: { id: runId, status: "queued" },
    data: { status: "running", startedAt: new Date() },
  });
  const run = await db.retentionRun.findUnique({ where: { id: runId }, include: { policy: true } });
  if (!run) throw new AppError("not_found", `no retention run ${runId}`);
  if (claimed.count === 0) return runView(run);

  const requestedBy = requestedByOf(run.plan) ?? { id: null, name: "system", ip: null };
  const rules = rulesOf(run.policy);
  let plan: RetentionRunPlan = { requestedBy };
  let tagsDeleted = 0;
  let manifestsDeleted = 0;
  let bytesFreed = 0;
  let error: string | null = null;
  try {
    const caller = await callerOf(requestedBy);
    authorize(caller, "retention:manage");
    const preview = await evaluatePolicy(rules, await matchingRepositories(db, rules.repositoryGlob), new Date());
    const repositories: RetentionRunRepository[] = preview.repositories
      .filter((r) => r.deleteDigests.length > 0)
      .map((r) => ({
        name: r.name,
        deleteTags: r.deleteTags,
        deleteDigests: r.deleteDigests,
        keepTagCount: r.keepTags.length,
        bytesFreed: r.bytesFreed,
      }));
    plan = {
      requestedBy,
      evaluatedAt: preview.evaluatedAt,
      rules,
      pullEventsKnown: preview.pullEventsKnown,
      warnings: preview.warnings,
      repositories,
      totals: preview.totals,
    };
    // stored before anything is deleted: a run that dies half-way still shows what it meant to do
    await db.retentionRun.update({ where: { id: runId }, data: { plan: plan as unknown as Prisma.InputJsonValue } });

    if (!run.dryRun) {
      const failures: string[] = [];
      for (const [i, repo] of repositories.entries()) {
        const full = preview.repositories.find((r) => r.name === repo.name) as RetentionRepositoryPreview;
        let outcome: RetentionRepositoryOutcome;
        try {
          outcome = await applyRepository(caller, full, requestedBy.ip);
        } catch (e) {
          const message = errorMessage(e);
          outcome = { deleted: [], skipped: [], failed: [{ reference: repo.name, error: message }], tagsDeleted: 0, bytesFreed: 0 };
          if (message === DELETE_DISABLED) {
            // every other repository would answer the same
            failures.push(message);
            repo.outcome = outcome;
            for (const rest of repositories.slice(i + 1)) {
              rest.outcome = {
                deleted: [],
                skipped: [],
                failed: [{ reference: rest.name, error: message }],
                tagsDeleted: 0,
                bytesFreed: 0,
              };
            }
            break;
          }
        }
        repo.outcome = outcome;
        tagsDeleted += outcome.tagsDeleted;
        manifestsDeleted += outcome.deleted.length;
        bytesFreed += outcome.bytesFreed;
        if (outcome.failed.length > 0) failures.push(`${repo.name}: ${outcome.failed.map((f) => f.error).join("; ")}`);
        await db.retentionRun.update({
          where: { id: runId },
          data: { plan: plan as unknown as Prisma.InputJsonValue, tagsDeleted, manifestsDeleted, bytesFreed: BigInt(bytesFreed) },
        });
      }
      if (failures.length > 0) error = [...new Set(failures)].join("\n").slice(0, 4000);
    }
  } catch (e) {
    error = errorMessage(e).slice(0, 4000);
    logger.warn("retention run failed", { run: runId, policy: run.policy.name, error: error.slice(0, 500) });
  }

  const finished = await db.retentionRun.update({
    where: { id: runId },
    data: {
      status: error === null ? "succeeded" : "failed",
      finishedAt: new Date(),
      plan: plan as unknown as Prisma.InputJsonValue,
      tagsDeleted,
      manifestsDeleted,
      bytesFreed: BigInt(bytesFreed),
      error,
    },
    include: { policy: { select: { name: true } } },
  });
  await auditRun(finished, plan, error).catch((e: unknown) => logger.error("audit write failed", { error: errorMessage(e) }));
  return runView(finished);
}

async function auditRun(run: RunRow & { policy: { name: string } }, plan: RetentionRunPlan, error: string | null): Promise<void> {
  const repositories = plan.repositories ?? [];
  // a dry run lists what it would delete; a real run what it did
  const tags = repositories.flatMap((r) => {
    const gone = r.outcome ? new Set(r.outcome.deleted) : null;
    return r.deleteTags.filter((t) => run.dryRun || gone?.has(t.digest)).map((t) => `${r.name}:${t.tag}`);
  });
  const digests = repositories.flatMap((r) => (run.dryRun ? r.deleteDigests : (r.outcome?.deleted ?? [])).map((d) => `${r.name}@${d}`));
  const skipped = repositories.flatMap((r) => (r.outcome?.skipped ?? []).map((s) => ({ repository: r.name, ...s })));
  const failed = repositories.flatMap((r) => (r.outcome?.failed ?? []).map((f) => ({ repository: r.name, ...f })));
  const by = plan.requestedBy;
  await recordAudit({
    actor: { id: by.id, name: by.name },
    action: "retention.run",
    target: run.policy.name,
    result: error === null ? "success" : "failure",
    ip: by.ip,
    details: {
      runId: run.id,
      policyId: run.policyId,
      dryRun: run.dryRun,
      trigger: run.trigger,
      tags: tags.slice(0, AUDIT_LIST_MAX),
      digests: digests.slice(0, AUDIT_LIST_MAX),
      tagsDeleted: run.tagsDeleted,
      manifestsDeleted: run.manifestsDeleted,
      bytesFreed: Number(run.bytesFreed),
      ...(run.dryRun ? { bytesEligible: plan.totals?.bytesFreed ?? 0 } : {}),
      skipped: skipped.slice(0, AUDIT_LIST_MAX),
      failed: failed.slice(0, AUDIT_LIST_MAX),
      ...(error === null ? {} : { error: error.slice(0, 1000) }),
    },
  });
}
