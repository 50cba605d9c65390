// What a policy would delete now: the cache's tags and manifests for the repositories its glob
// matches, decided by the pure evaluateRetention (lib/retention/policy.ts), with the bytes a GC
// would free and the warnings a preview shows.
import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../../auth/caller";
import { can } from "../../auth/permissions";
import { type Db, getDb } from "../../db/client";
import { getEnv } from "../../env";
import { evaluateRetention, type RetentionInput, type RetentionRules } from "../../retention/policy";
import { matchesPattern } from "../../retention/repository-glob";
import { TagPatternError } from "../../retention/tag-pattern";
import { blobUsage } from "../blob-usage";
import { DELETE_DISABLED } from "../deletions";
import { loadManifestViews } from "../manifest-view";
import { authorizeRead, loadVisiblePolicy } from "./access";
import type { RetentionPreview, RetentionPreviewBody, RetentionRepositoryPreview } from "./types";
import { rulesOf } from "./views";

export type RepositoryRef = { id: number; name: string };

/** Every cached repository the glob matches, by name. */
export async function matchingRepositories(db: Db, glob: string): Promise<RepositoryRef[]> {
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
export async function evaluatePolicy(
  rules: RetentionRules,
  repositoryRefs: readonly RepositoryRef[],
  now: Date,
): Promise<RetentionPreview> {
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
