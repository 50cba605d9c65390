// Retention policies: CRUD, the preview, runs (dry and real) with their history, the scheduler's
// due check, and the pull events "pulled recently" relies on. What a policy deletes is decided by
// the pure evaluateRetention (lib/retention/policy.ts) over rows loaded from the cache; a real run
// evaluates again right before it deletes (that plan is stored on the run), then checks every
// planned digest against the registry itself, because the cache can be a sync behind:
//   - every tag on a planned digest, asked of the registry (tags/list + HEAD), must be one the plan
//     deletes with that digest; a tag pushed or moved onto it since makes the digest skipped;
//   - a tag now on a manifest the plan did not look at (new or moved) protects that manifest's
//     children (an index pushed since over an old platform image);
//   - the deletion preview must then name exactly the plan's tags and break no kept index.
// Skipped digests are recorded with their reason on the run; the next run looks again.
import "server-only";
import { z } from "zod";
import { AppError, errorMessage } from "@/lib/errors";
import { type Caller, SYSTEM } from "../auth/caller";
import { globWithin, heldPermissions, matchesPattern, roleAtLeast } from "../auth/roles";
import { type Db, getDb } from "../db/client";
import type { RetentionPolicy as PolicyRow, Prisma, RetentionRun as RunRow } from "../db/generated/client";
import { getEnv } from "../env";
import { logger } from "../log";
import { MANIFEST_MEDIA_TYPES } from "../oci/media-types";
import { isValidDigest, isValidRepositoryName } from "../oci/reference";
import {
  evaluateRetention,
  type RepositoryRetention,
  type RetentionInput,
  type RetentionRules,
  retentionPolicySchema,
  type TagDecision,
} from "../retention/policy";
import { nextRun } from "../retention/schedule";
import { TagPatternError } from "../retention/tag-pattern";
import type { RetentionPolicyView, RetentionPreview, RetentionRunSummary } from "./api-types";
import { auditActor, recordAudit } from "./audit";
import { blobUsage } from "./blob-usage";
import { DELETE_DISABLED, executeDeletion, previewDeletion } from "./deletions";
import { createLimiter } from "./limit";
import { loadManifestViews } from "./manifest-view";
import { authorize, can, principal } from "./permissions";
import { registryFailure, sharedRegistry } from "./registry";
import type { RegistryEnvelope } from "./registry-notifications";
import { callerFromUser } from "./users";

// ---- request bodies -------------------------------------------------------------------------

const shape = retentionPolicySchema.shape;

/** A new policy. Strict: a misspelt rule must not silently turn into "no such rule" on a policy that deletes. */
export const createRetentionPolicyBody = retentionPolicySchema.extend({ enabled: shape.enabled.default(true) }).strict();
export type CreateRetentionPolicyBody = z.infer<typeof createRetentionPolicyBody>;

/** A partial change; null clears an optional rule (or the schedule). */
export const updateRetentionPolicyBody = z
  .object({
    name: shape.name.optional(),
    repositoryGlob: shape.repositoryGlob.optional(),
    keepLatest: shape.keepLatest.unwrap().nullable().optional(),
    keepTagPattern: shape.keepTagPattern.unwrap().nullable().optional(),
    deleteOlderThanDays: shape.deleteOlderThanDays.unwrap().nullable().optional(),
    keepPulledWithinDays: shape.keepPulledWithinDays.unwrap().nullable().optional(),
    schedule: shape.schedule,
    enabled: shape.enabled.optional(),
  })
  .strict();
export type UpdateRetentionPolicyBody = z.infer<typeof updateRetentionPolicyBody>;

/** The rules of a policy being edited (name, schedule and enabled may come along and are ignored). */
export const retentionPreviewBody = retentionPolicySchema
  .extend({ name: shape.name.optional(), enabled: shape.enabled.optional() })
  .strict();
export type RetentionPreviewBody = z.infer<typeof retentionPreviewBody>;

export const retentionRunBody = z.object({ dryRun: z.boolean() }).strict();

export const retentionRunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

export const pullEventSchema = z.object({
  repository: z.string().max(255).refine(isValidRepositoryName, "invalid repository name"),
  digest: z.string().refine(isValidDigest, "invalid digest"),
  at: z.date(),
});
export type PullEvent = z.infer<typeof pullEventSchema>;

// ---- views ----------------------------------------------------------------------------------

export type RetentionRunStatus = RetentionRunSummary["status"];
export type RetentionTrigger = "manual" | "schedule";
export type { RetentionPolicyView, RetentionPreview, RetentionRunSummary };
export type RetentionRepositoryPreview = RetentionPreview["repositories"][number];

export type SkippedDigest = { digest: string; reason: string };

/** What happened to one repository's planned deletes in a real run. */
export type RetentionRepositoryOutcome = {
  deleted: string[];
  skipped: SkippedDigest[];
  failed: { reference: string; error: string }[];
  tagsDeleted: number;
  bytesFreed: number;
};

export type RetentionRunRepository = {
  name: string;
  deleteTags: TagDecision[];
  deleteDigests: string[];
  keepTagCount: number;
  bytesFreed: number;
  outcome?: RetentionRepositoryOutcome;
};

const requestedBySchema = z.object({ id: z.number().int().nullable(), name: z.string(), ip: z.string().nullable() });
type RequestedBy = z.infer<typeof requestedBySchema>;

/** The plan stored on a run: who asked, then (once evaluated) what the policy deletes and what happened. */
export type RetentionRunPlan = {
  requestedBy: RequestedBy;
  evaluatedAt?: string;
  rules?: RetentionRules;
  pullEventsKnown?: boolean;
  warnings?: string[];
  repositories?: RetentionRunRepository[];
  totals?: RetentionPreview["totals"];
};

export type RetentionRunView = RetentionRunSummary & { policyName: string; plan: RetentionRunPlan | null };

// ---- helpers --------------------------------------------------------------------------------

const RUN_LOCK = 7_273_404;
const STALE_RUNNING_MS = 6 * 3600 * 1000;
const STALE_QUEUED_MS = 24 * 3600 * 1000;
const AUDIT_LIST_MAX = 1000;

function rulesOf(p: PolicyRow | RetentionPreviewBody): RetentionRules {
  return {
    repositoryGlob: p.repositoryGlob,
    keepLatest: p.keepLatest ?? undefined,
    keepTagPattern: p.keepTagPattern ?? undefined,
    deleteOlderThanDays: p.deleteOlderThanDays ?? undefined,
    keepPulledWithinDays: p.keepPulledWithinDays ?? undefined,
  };
}

function nextRunAtFor(enabled: boolean, schedule: string | null | undefined, now: Date): Date | null {
  return enabled && schedule ? nextRun(schedule, now) : null;
}

function requestedByOf(plan: Prisma.JsonValue | null): RequestedBy | null {
  const parsed = z.object({ requestedBy: requestedBySchema }).safeParse(plan);
  return parsed.success ? parsed.data.requestedBy : null;
}

function runSummary(r: RunRow): RetentionRunSummary {
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

function runView(r: RunRow & { policy: { name: string } }): RetentionRunView {
  // written only by this module (executeRetentionRun), in the shape of RetentionRunPlan
  const stored = requestedByOf(r.plan) ? (r.plan as unknown as RetentionRunPlan) : null;
  // the requester's address is for the audit log (admins), not for everyone who reads the history
  const plan = stored ? { ...stored, requestedBy: { ...stored.requestedBy, ip: null } } : null;
  return { ...runSummary(r), policyName: r.policy.name, plan };
}

function policyView(p: PolicyRow, lastRun: RunRow | null): RetentionPolicyView {
  return {
    id: p.id,
    ...policyDetails(p),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    nextRunAt: p.nextRunAt?.toISOString() ?? null,
    lastRun: lastRun ? runSummary(lastRun) : null,
  };
}

/** Reading policies and previewing: editors, including those whose editor role comes from a grant. */
function authorizeRead(caller: Caller): void {
  if (heldPermissions(principal(caller)).includes("retention:preview")) return;
  authorize(caller, "retention:preview");
}

/**
 * Whether the caller may see a policy (and its runs, plans included): admins and editors by their
 * own role see every policy; someone whose editor role comes from grants sees the policies whose
 * repository glob lies within one of their editor (or admin) grants, i.e. whose every repository,
 * present or future, they may preview. Others get 404, as if the policy did not exist.
 */
function policyVisible(caller: Caller, repositoryGlob: string): boolean {
  const p = principal(caller);
  if (p.anonymous) return false;
  if (roleAtLeast(p.role, "editor")) return true;
  return p.grants.some((g) => roleAtLeast(g.role, "editor") && globWithin(repositoryGlob, g.pattern));
}

async function loadVisiblePolicy(db: Db, caller: Caller, id: number): Promise<PolicyRow> {
  const p = await db.retentionPolicy.findUnique({ where: { id } });
  if (!p || !policyVisible(caller, p.repositoryGlob)) throw new AppError("not_found", `no retention policy ${id}`);
  return p;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2002";
}

async function loadPolicy(db: Db, id: number): Promise<PolicyRow> {
  const p = await db.retentionPolicy.findUnique({ where: { id } });
  if (!p) throw new AppError("not_found", `no retention policy ${id}`);
  return p;
}

async function assertNameFree(db: Db, name: string, exceptId?: number): Promise<void> {
  const other = await db.retentionPolicy.findUnique({ where: { name }, select: { id: true } });
  if (other && other.id !== exceptId) throw new AppError("conflict", `a retention policy named "${name}" exists already`);
}

// ---- CRUD -----------------------------------------------------------------------------------

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

function policyDetails(p: PolicyRow) {
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

// ---- evaluation -----------------------------------------------------------------------------

type RepositoryRef = { id: number; name: string };

/** Every cached repository the glob matches, by name. */
async function matchingRepositories(db: Db, glob: string): Promise<RepositoryRef[]> {
  const all = await db.repository.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } });
  return all.filter((r) => matchesPattern(glob, r.name));
}

/** These repositories' tags and every manifest the tags reach, from the cache. */
async function loadRetentionInput(db: Db, repositories: readonly RepositoryRef[]): Promise<RetentionInput> {
  if (repositories.length === 0) return { repositories: [] };
  const tags = await db.tag.findMany({
    where: { repositoryId: { in: repositories.map((r) => r.id) } },
    select: { repositoryId: true, name: true, digest: true, changedAt: true },
  });
  const tagDigests = [...new Set(tags.map((t) => t.digest))];

  // index children, transitively (attestations too: a kept index references them)
  const childrenOf = new Map<string, string[]>();
  let frontier = tagDigests;
  while (frontier.length > 0) {
    const rows = await db.indexChild.findMany({
      where: { indexDigest: { in: frontier } },
      select: { indexDigest: true, childDigest: true },
    });
    for (const d of frontier) childrenOf.set(d, []);
    for (const r of rows) childrenOf.get(r.indexDigest)?.push(r.childDigest);
    frontier = [...new Set(rows.map((r) => r.childDigest))].filter((d) => !childrenOf.has(d));
  }
  // a child missing from the cache is left out: evaluateRetention then gives it no children
  const known = new Set(
    (await db.manifest.findMany({ where: { digest: { in: [...childrenOf.keys()] } }, select: { digest: true } })).map((m) => m.digest),
  );

  const views = await loadManifestViews(db, tagDigests);
  const pulls = await db.manifestPull.findMany({
    where: { repository: { in: repositories.map((r) => r.name) }, digest: { in: tagDigests } },
    select: { repository: true, digest: true, lastPulledAt: true },
  });
  const pulledAt = new Map(pulls.map((p) => [`${p.repository}@${p.digest}`, p.lastPulledAt]));

  return {
    repositories: repositories.map((repo) => {
      const own = tags.filter((t) => t.repositoryId === repo.id);
      const reachable = new Set<string>();
      const queue = [...new Set(own.map((t) => t.digest))];
      while (queue.length > 0) {
        const d = queue.pop() as string;
        if (reachable.has(d)) continue;
        reachable.add(d);
        queue.push(...(childrenOf.get(d) ?? []));
      }
      return {
        name: repo.name,
        tags: own.map((t) => {
          const created = views.get(t.digest)?.createdAt;
          return {
            tag: t.name,
            digest: t.digest,
            created: created ? new Date(created) : null,
            firstSeen: t.changedAt,
            lastPulled: pulledAt.get(`${repo.name}@${t.digest}`) ?? null,
          };
        }),
        manifests: [...reachable].filter((d) => known.has(d)).map((digest) => ({ digest, children: childrenOf.get(digest) ?? [] })),
      };
    }),
  };
}

async function pullEventsKnown(db: Db): Promise<boolean> {
  return (await db.manifestPull.findFirst({ select: { digest: true } })) !== null;
}

/**
 * The policy's decision over the cache now for these repositories (the ones its glob matches),
 * with the bytes a GC would free. No permission check: callers check before they call.
 */
async function evaluatePolicy(rules: RetentionRules, repositoryRefs: readonly RepositoryRef[], now: Date): Promise<RetentionPreview> {
  const db = getDb();
  const input = await loadRetentionInput(db, repositoryRefs);
  let result: ReturnType<typeof evaluateRetention>;
  try {
    result = evaluateRetention(rules, input, now);
  } catch (e) {
    // a pattern saved before keep patterns ran on RE2 (lookaround, backreferences)
    if (e instanceof TagPatternError) throw new AppError("bad_request", `keep pattern ${rules.keepTagPattern}: ${e.message}`);
    throw e;
  }
  const repositories: RetentionRepositoryPreview[] = [];
  for (const r of result.repositories) {
    const usage = await blobUsage(
      db,
      r.deleteDigests,
      r.deleteTags.map((t) => ({ repository: r.name, tag: t.tag })),
    );
    repositories.push({ ...r, bytesFreed: usage.bytesFreed });
  }
  const deleting = repositories.filter((r) => r.deleteDigests.length > 0);
  const total =
    deleting.length <= 1
      ? (deleting[0]?.bytesFreed ?? 0)
      : (
          await blobUsage(
            db,
            [...new Set(deleting.flatMap((r) => r.deleteDigests))],
            deleting.flatMap((r) => r.deleteTags.map((t) => ({ repository: r.name, tag: t.tag }))),
          )
        ).bytesFreed;

  const known = await pullEventsKnown(db);
  const warnings: string[] = [];
  if (rules.keepLatest === undefined && rules.deleteOlderThanDays === undefined) {
    warnings.push("The policy has no delete rule (keepLatest or deleteOlderThanDays): it deletes nothing.");
  }
  if (input.repositories.length === 0) warnings.push(`No repository in the cache matches ${rules.repositoryGlob}.`);
  if (rules.keepPulledWithinDays !== undefined && !known) {
    warnings.push(
      "No pull events have been recorded: keepPulledWithinDays protects nothing until the registry sends pull notifications to Layerscope.",
    );
  }
  const capability = await db.registryCapability.findUnique({ where: { registry: getEnv().REGISTRY_URL } });
  if (capability?.deleteEnabled === false && deleting.length > 0) warnings.push(DELETE_DISABLED);

  return {
    evaluatedAt: now.toISOString(),
    repositories,
    totals: {
      repositories: deleting.length,
      tags: repositories.reduce((s, r) => s + r.deleteTags.length, 0),
      digests: repositories.reduce((s, r) => s + r.deleteDigests.length, 0),
      bytesFreed: total,
    },
    pullEventsKnown: known,
    warnings,
  };
}

/**
 * What a saved policy (by id) or an unsaved one would delete now. Editors may preview repositories
 * they may delete in: a glob reaching further than their grants is refused rather than shown in
 * part, and refused before any tag is loaded or any rule evaluated.
 */
export async function previewPolicy(caller: Caller, policyOrBody: number | RetentionPreviewBody): Promise<RetentionPreview> {
  authorizeRead(caller);
  const db = getDb();
  const rules = typeof policyOrBody === "number" ? rulesOf(await loadVisiblePolicy(db, caller, policyOrBody)) : rulesOf(policyOrBody);
  const repositories = await matchingRepositories(db, rules.repositoryGlob);
  const denied = repositories.map((r) => r.name).filter((name) => !can(caller, "retention:preview", name));
  if (denied.length > 0) {
    throw new AppError(
      "forbidden",
      `your role does not allow retention:preview on ${denied.slice(0, 5).join(", ")}${denied.length > 5 ? ", …" : ""}: narrow the repository glob`,
    );
  }
  return evaluatePolicy(rules, repositories, new Date());
}

// ---- runs -----------------------------------------------------------------------------------

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

const headLimit = createLimiter(8);
const INDEX_MEDIA_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);

/** Tag → digest as the registry has it now (tags/list, then a HEAD per tag). */
async function liveTags(repository: string): Promise<Map<string, string>> {
  const registry = sharedRegistry();
  const out = new Map<string, string>();
  try {
    const names = await registry.listTags(repository);
    await Promise.all(
      names.map((tag) =>
        headLimit(async () => {
          const head = await registry.headManifest(repository, tag);
          if (head) out.set(tag, head.digest);
        }),
      ),
    );
  } catch (e) {
    throw registryFailure(e);
  }
  return out;
}

/** Every manifest below `digest` (index children, transitively): from the cache, else from the registry. */
async function descendants(repository: string, digest: string, depth = 0): Promise<string[]> {
  const db = getDb();
  if ((await db.manifest.count({ where: { digest } })) > 0) {
    const rows = await db.$queryRaw<{ digest: string }[]>`
      WITH RECURSIVE down(digest) AS (
        SELECT ${digest}::text
        UNION
        SELECT ic.child_digest FROM index_children ic JOIN down d ON ic.index_digest = d.digest
      )
      SELECT digest FROM down`;
    return rows.map((r) => r.digest).filter((d) => d !== digest);
  }
  if (depth > 3) return [];
  const fetched = await sharedRegistry()
    .getManifest(repository, digest)
    .catch((e: unknown) => {
      throw registryFailure(e);
    });
  if (fetched.manifest.kind !== "index") return [];
  const out: string[] = [];
  for (const child of fetched.manifest.manifests) {
    out.push(child.digest);
    if (INDEX_MEDIA_TYPES.has(child.mediaType)) out.push(...(await descendants(repository, child.digest, depth + 1)));
  }
  return out;
}

/**
 * Deletes one repository's planned digests after checking them against the registry (see the top
 * of this file). Throws only for failures that stop the whole repository.
 */
async function applyRepository(caller: Caller, plan: RepositoryRetention, ip: string | null): Promise<RetentionRepositoryOutcome> {
  const db = getDb();
  const repository = plan.name;
  const planned = new Set(plan.deleteDigests);
  const plannedTag = new Map(plan.deleteTags.map((t) => [t.tag, t.digest]));
  const evaluatedTag = new Map([...plan.keepTags, ...plan.deleteTags].map((t) => [t.tag, t.digest]));
  const skipped = new Map<string, string>();
  const skip = (digest: string, reason: string) => {
    if (planned.has(digest) && !skipped.has(digest)) skipped.set(digest, reason);
  };

  // 1. the registry's own tags: no tag the plan keeps may sit on a digest it deletes
  const live = await liveTags(repository);
  for (const [tag, digest] of live) {
    if (planned.has(digest) && plannedTag.get(tag) !== digest) {
      skip(digest, `tag ${tag} points at it now (pushed or moved after the plan was made)`);
    }
    if (evaluatedTag.get(tag) !== digest && !planned.has(digest)) {
      for (const below of await descendants(repository, digest)) {
        skip(below, `a child of ${digest}, which tag ${tag} points at now (pushed or moved after the plan was made)`);
      }
    }
  }
  for (const digest of plan.deleteDigests) {
    if (skipped.has(digest)) continue;
    const head = await headLimit(() => sharedRegistry().headManifest(repository, digest)).catch((e: unknown) => {
      throw registryFailure(e);
    });
    if (head === null) skip(digest, "already gone from the registry");
  }

  // 2. the deletion preview must remove exactly the plan's tags and break no index that stays
  let candidates = plan.deleteDigests.filter((d) => !skipped.has(d));
  let confirmTags: string[] = [];
  for (let attempt = 0; candidates.length > 0; attempt++) {
    const preview = await previewDeletion(caller, { repository, digests: candidates });
    const before = skipped.size;
    const unexpected = preview.tagsRemoved.map((t) => t.tag).filter((t) => !plannedTag.has(t));
    if (unexpected.length > 0) {
      // previewDeletion brought these tags' cache rows up to date
      const rows = await db.tag.findMany({
        where: { repository: { name: repository }, name: { in: unexpected } },
        select: { name: true, digest: true },
      });
      for (const r of rows) skip(r.digest, `tag ${r.name} would go with it`);
    }
    for (const p of preview.platformsAffected) {
      if (p.breaksIndex) skip(p.manifest, `a platform image (${p.platform}) of index ${p.index}, kept by ${p.indexTags.join(", ")}`);
    }
    if (skipped.size === before && unexpected.length === 0) {
      confirmTags = preview.tagsRemoved.map((t) => t.tag);
      break;
    }
    candidates = candidates.filter((d) => !skipped.has(d));
    if (skipped.size === before || attempt >= 3) {
      // tags the plan does not know and cannot pin to one digest: touch nothing here
      for (const d of candidates) skip(d, `the deletion would also remove ${unexpected.slice(0, 5).join(", ")}`);
      candidates = [];
    }
  }
  const skippedList = () => [...skipped].map(([digest, reason]) => ({ digest, reason }));
  if (candidates.length === 0) return { deleted: [], skipped: skippedList(), failed: [], tagsDeleted: 0, bytesFreed: 0 };

  // 3. delete, confirming exactly the tags the preview named
  let result: Awaited<ReturnType<typeof executeDeletion>>;
  try {
    result = await executeDeletion(caller, { repository, digests: candidates, confirmTags }, ip);
  } catch (e) {
    if (e instanceof AppError && e.code === "conflict") {
      for (const d of candidates) skip(d, "the registry changed while the run was deleting; the next run looks again");
      return { deleted: [], skipped: skippedList(), failed: [], tagsDeleted: 0, bytesFreed: 0 };
    }
    throw e;
  }
  const chosen = new Set(candidates);
  const deleted = result.deleted.filter((d) => d.result === "deleted" && chosen.has(d.reference)).map((d) => d.reference);
  const gone = new Set(deleted);
  const confirmed = new Set(confirmTags);
  const tagsDeleted = plan.deleteTags.filter((t) => gone.has(t.digest) && confirmed.has(t.tag)).length;
  // with failures the preview's sum is too much: ask the cache, which no longer has the deleted tags
  const bytesFreed = result.failed.length === 0 ? result.bytesFreed : (await blobUsage(db, deleted, [])).bytesFreed;
  return { deleted, skipped: skippedList(), failed: result.failed, tagsDeleted, bytesFreed };
}

// ---- scheduler ------------------------------------------------------------------------------

/** Enabled policies with a schedule whose next run is due. */
export async function dueRetentionPolicies(now: Date): Promise<PolicyRow[]> {
  return getDb().retentionPolicy.findMany({
    where: { enabled: true, schedule: { not: null }, nextRunAt: { lte: now } },
    orderBy: [{ nextRunAt: "asc" }, { id: "asc" }],
  });
}

/** Runs whose process died are failed, so the policy can run again. */
export async function failStaleRetentionRuns(now: Date): Promise<number> {
  const db = getDb();
  const running = await db.retentionRun.updateMany({
    where: { status: "running", startedAt: { lt: new Date(now.getTime() - STALE_RUNNING_MS) } },
    data: { status: "failed", finishedAt: now, error: "interrupted: the process running it stopped" },
  });
  const queued = await db.retentionRun.updateMany({
    where: { status: "queued", startedAt: { lt: new Date(now.getTime() - STALE_QUEUED_MS) } },
    data: { status: "failed", finishedAt: now, error: "never started: no job worker picked it up" },
  });
  return running.count + queued.count;
}

/**
 * The scheduler's tick: each due policy is claimed (its nextRunAt moved on, only if no other
 * instance moved it first) and run for real, one after the other. Missed runs are not caught up.
 */
export async function runDueRetention(now: Date): Promise<{ runs: number[] }> {
  const db = getDb();
  await failStaleRetentionRuns(now);
  const runs: number[] = [];
  for (const p of await dueRetentionPolicies(now)) {
    let next: Date | null = null;
    try {
      next = p.schedule ? nextRun(p.schedule, now) : null;
    } catch (e) {
      logger.warn("retention policy has an unusable schedule", { policy: p.name, error: errorMessage(e) });
    }
    // updatedAt given: the scheduler moving nextRunAt is not an edit of the policy
    const claimed = await db.retentionPolicy.updateMany({
      where: { id: p.id, nextRunAt: p.nextRunAt },
      data: { nextRunAt: next, updatedAt: p.updatedAt },
    });
    if (claimed.count === 0) continue;
    try {
      const run = await runPolicy(p.id, { dryRun: false, trigger: "schedule", caller: SYSTEM });
      runs.push(run.id);
      logger.info("scheduled retention run finished", { policy: p.name, run: run.id, status: run.status, manifests: run.manifestsDeleted });
    } catch (e) {
      // a manual run of it is still going: this slot is skipped
      logger.warn("scheduled retention run not started", { policy: p.name, error: errorMessage(e) });
    }
  }
  return { runs };
}

// ---- pull events ----------------------------------------------------------------------------

/**
 * Remembers manifest pulls (from registry notifications) for keepPulledWithinDays: per repository
 * and digest the latest time and a count. Invalid events are dropped; times in the future count as now.
 */
export async function recordPulls(events: readonly PullEvent[]): Promise<number> {
  const now = Date.now();
  const merged = new Map<string, { repository: string; digest: string; at: number; pulls: number }>();
  for (const raw of events) {
    const parsed = pullEventSchema.safeParse(raw);
    if (!parsed.success || Number.isNaN(parsed.data.at.getTime())) continue;
    const { repository, digest } = parsed.data;
    const at = Math.min(parsed.data.at.getTime(), now);
    const key = `${repository}@${digest}`;
    const m = merged.get(key);
    if (m) {
      m.at = Math.max(m.at, at);
      m.pulls++;
    } else merged.set(key, { repository, digest, at, pulls: 1 });
  }
  const rows = [...merged.values()];
  if (rows.length === 0) return 0;
  await getDb().$executeRaw`
    INSERT INTO manifest_pulls (repository, digest, last_pulled_at, pulls)
    SELECT x.repository, x.digest, (x.at::timestamptz AT TIME ZONE 'UTC')::timestamp(3), x.pulls
    FROM unnest(
      ${rows.map((r) => r.repository)}::text[],
      ${rows.map((r) => r.digest)}::text[],
      ${rows.map((r) => new Date(r.at).toISOString())}::text[],
      ${rows.map((r) => r.pulls)}::int[]
    ) AS x(repository, digest, at, pulls)
    ON CONFLICT (repository, digest) DO UPDATE SET
      last_pulled_at = GREATEST(manifest_pulls.last_pulled_at, EXCLUDED.last_pulled_at),
      pulls = manifest_pulls.pulls + EXCLUDED.pulls`;
  return rows.length;
}

/** The manifest pulls in a registry notification envelope (blob pulls and other actions left out). */
export function pullEventsFrom(envelope: RegistryEnvelope, received = new Date()): PullEvent[] {
  const out: PullEvent[] = [];
  for (const e of envelope.events) {
    const t = e.target;
    if (e.action !== "pull" || !t?.repository || !t.digest) continue;
    if (t.mediaType !== undefined && !MANIFEST_MEDIA_TYPES.includes(t.mediaType)) continue;
    const at = e.timestamp ? new Date(e.timestamp) : received;
    const parsed = pullEventSchema.safeParse({
      repository: t.repository,
      digest: t.digest,
      at: Number.isNaN(at.getTime()) ? received : at,
    });
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}
