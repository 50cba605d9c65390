// Retention policies and which tags and manifests one would delete. Pure: no I/O, unit-tested.
// The retention job and the preview page both call evaluateRetention on rows they loaded.
//
// Semantics, per repository the policy's glob matches:
// - Delete rules select tags: `deleteOlderThanDays` (the tag's time is more than D days before
//   `now`) and `keepLatest` (the tag ranks beyond the newest N). With both set, a tag must be
//   selected by BOTH: "older than 30 days, but always keep the newest 10". With neither set the
//   policy deletes nothing.
// - Keep rules protect tags: ranking within the newest N, matching `keepTagPattern`, or a pull
//   recorded within `keepPulledWithinDays` (tags with no recorded pull get no protection from it).
// - A tag is a delete candidate when the delete rules select it and no keep rule protects it.
// - Safety: deleting a manifest on the registry deletes every tag on it, and an index needs its
//   children. So a candidate whose digest a kept tag also points at, or which is (transitively) a
//   child of an index a kept tag points at, is kept instead. Only digests no kept tag needs are
//   in deleteDigests.
// A tag's time is its image's `created`, or when Layerscope first saw the tag if `created` is
// missing or implausibly early (reproducible builds stamp 1970 or 1980). `enabled` and `schedule`
// are for the scheduler: evaluateRetention ignores them so disabled policies can be previewed.
import { z } from "zod";
import { matchesPattern, repositoryGlobSchema } from "./repository-glob";
import { scheduleSchema } from "./schedule";
import { compileTagPattern, TAG_PATTERN_MAX_LENGTH, type TagPattern, tagPatternError } from "./tag-pattern";

const DAY_MS = 24 * 60 * 60 * 1000;
/** 100 years: keeps `now - days` inside the range a Date can hold. */
const MAX_DAYS = 36_500;
export const KEEP_TAG_PATTERN_MAX_LENGTH = TAG_PATTERN_MAX_LENGTH;
/** Before Docker existed: such `created` stamps come from reproducible builds, not real build times. */
const PLAUSIBLE_CREATED_FROM = Date.UTC(2013, 0, 1);

/**
 * A regular expression over tag names in RE2 syntax (lib/retention/tag-pattern.ts: matched in
 * linear time), unanchored: write `^…$` to match whole tags.
 */
export const keepTagPatternSchema = z
  .string()
  .min(1)
  .max(KEEP_TAG_PATTERN_MAX_LENGTH)
  .superRefine((source, ctx) => {
    const error = tagPatternError(source);
    if (error !== null) ctx.addIssue({ code: "custom", message: error });
  });

const daysSchema = z.number().int().min(1).max(MAX_DAYS);

export const retentionPolicySchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** Repository glob, the same grammar as grants: `*` within a path segment, `**` across; `team/**` does not match `team`. */
  repositoryGlob: repositoryGlobSchema,
  keepLatest: z.number().int().min(0).max(1_000_000).optional(),
  keepTagPattern: keepTagPatternSchema.optional(),
  deleteOlderThanDays: daysSchema.optional(),
  keepPulledWithinDays: daysSchema.optional(),
  schedule: scheduleSchema.nullable().optional(),
  enabled: z.boolean(),
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

/** The parts of a policy that decide what it deletes. */
export type RetentionRules = Pick<
  RetentionPolicy,
  "repositoryGlob" | "keepLatest" | "keepTagPattern" | "deleteOlderThanDays" | "keepPulledWithinDays"
>;

export type RetentionTagInput = {
  tag: string;
  digest: string;
  /** The image config's `created`; null for indexes without one and for artifacts. */
  created: Date | null;
  /** When the tag started pointing at this digest (Tag.changedAt), so a re-pushed `latest` counts as new. */
  firstSeen: Date;
  /** Last recorded pull of the tag; null when none was recorded. */
  lastPulled: Date | null;
};

/**
 * A manifest of the repository and, for an index, its child manifests. Every digest a tag points
 * at must be listed (images with no children); nested indexes must be listed too, because a
 * digest that is absent is taken to have no children.
 */
export type RetentionManifestInput = { digest: string; children: readonly string[] };

export type RetentionRepositoryInput = {
  name: string;
  tags: readonly RetentionTagInput[];
  manifests: readonly RetentionManifestInput[];
};

export type RetentionInput = { repositories: readonly RetentionRepositoryInput[] };

export type TagDecision = { tag: string; digest: string; reasons: string[] };

export type RepositoryRetention = {
  name: string;
  /** Sorted by tag. */
  deleteTags: TagDecision[];
  /** Sorted by tag. */
  keepTags: TagDecision[];
  /** The manifests to delete, sorted: no kept tag needs any of them. */
  deleteDigests: string[];
};

export type RetentionResult = { repositories: RepositoryRetention[] };

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byTag(a: { tag: string; digest: string }, b: { tag: string; digest: string }): number {
  return byString(a.tag, b.tag) || byString(a.digest, b.digest);
}

function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : "unknown";
}

function tagTime(t: RetentionTagInput): { ms: number; label: string } {
  const created = t.created?.getTime();
  if (created !== undefined && created >= PLAUSIBLE_CREATED_FROM) return { ms: created, label: "created" };
  return { ms: t.firstSeen.getTime(), label: "first seen" };
}

type Verdict = { tag: RetentionTagInput; selectedBy: string[]; keptBecause: string[]; candidate: boolean };

function judgeTags(rules: RetentionRules, tags: readonly RetentionTagInput[], now: Date, keepPattern: TagPattern | null): Verdict[] {
  const deleteRuleCount = (rules.keepLatest === undefined ? 0 : 1) + (rules.deleteOlderThanDays === undefined ? 0 : 1);
  const olderCutoff = rules.deleteOlderThanDays === undefined ? null : now.getTime() - rules.deleteOlderThanDays * DAY_MS;
  const pulledCutoff = rules.keepPulledWithinDays === undefined ? null : now.getTime() - rules.keepPulledWithinDays * DAY_MS;
  // newest first; an unreadable time counts as newest so it is never what pushes a tag out
  const sortKey = (t: RetentionTagInput) => {
    const ms = tagTime(t).ms;
    return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
  };
  const ranked = [...tags].sort((a, b) => sortKey(b) - sortKey(a) || byTag(a, b));

  return ranked.map((tag, rank) => {
    const selectedBy: string[] = [];
    const keptBecause: string[] = [];
    const time = tagTime(tag);
    if (rules.keepLatest !== undefined) {
      if (rank < rules.keepLatest) keptBecause.push(`among the newest ${newestTags(rules.keepLatest)} (#${rank + 1})`);
      else selectedBy.push(`beyond the newest ${newestTags(rules.keepLatest)} (#${rank + 1})`);
    }
    if (keepPattern?.test(tag.tag)) keptBecause.push(`matches keep pattern ${rules.keepTagPattern}`);
    const pulled = tag.lastPulled?.getTime();
    if (pulledCutoff !== null && pulled !== undefined && pulled >= pulledCutoff) {
      keptBecause.push(`pulled within ${rules.keepPulledWithinDays} days (last pulled ${isoTime(pulled)})`);
    }
    if (olderCutoff !== null) {
      const when = `${time.label} ${isoTime(time.ms)}`;
      if (time.ms < olderCutoff) selectedBy.push(`older than ${rules.deleteOlderThanDays} days (${when})`);
      else keptBecause.push(`not older than ${rules.deleteOlderThanDays} days (${when})`);
    }
    if (deleteRuleCount === 0) keptBecause.push("the policy has no delete rule (keepLatest or deleteOlderThanDays)");
    const candidate = deleteRuleCount > 0 && selectedBy.length === deleteRuleCount && keptBecause.length === 0;
    return { tag, selectedBy, keptBecause, candidate };
  });
}

function evaluateRepository(
  rules: RetentionRules,
  repository: RetentionRepositoryInput,
  now: Date,
  keepPattern: TagPattern | null,
): RepositoryRetention {
  const verdicts = judgeTags(rules, repository.tags, now, keepPattern).sort((a, b) => byTag(a.tag, b.tag));
  const keepTags: TagDecision[] = [];
  const candidates: Verdict[] = [];
  for (const v of verdicts) {
    if (v.candidate) candidates.push(v);
    else keepTags.push({ tag: v.tag.tag, digest: v.tag.digest, reasons: v.keptBecause });
  }

  // sorted so the reasons do not depend on input order
  const childrenOf = new Map<string, string[]>();
  for (const m of repository.manifests) childrenOf.set(m.digest, [...(childrenOf.get(m.digest) ?? []), ...m.children]);
  for (const [d, children] of childrenOf) childrenOf.set(d, [...new Set(children)].sort(byString));

  // every digest a kept tag needs: its own (first kept tag by name wins the reason) and its
  // index children, transitively (the visited set also stops on cyclic input)
  const keptTagOf = new Map<string, string>();
  for (const k of keepTags) if (!keptTagOf.has(k.digest)) keptTagOf.set(k.digest, k.tag);
  const needed = new Map<string, { index: string; tag: string }>();
  const visited = new Set(keptTagOf.keys());
  const queue = [...keptTagOf].map(([digest, tag]) => ({ digest, tag }));
  let unknown: { digest: string; tag: string } | null = null;
  for (let i = 0; i < queue.length; i++) {
    const { digest, tag } = queue[i] as { digest: string; tag: string };
    const children = childrenOf.get(digest);
    if (children === undefined) {
      // a kept tag's manifest missing from the input could be an index with any children
      if (unknown === null && keptTagOf.has(digest)) unknown = { digest, tag };
      continue;
    }
    for (const child of children) {
      if (visited.has(child)) continue;
      visited.add(child);
      needed.set(child, { index: digest, tag });
      queue.push({ digest: child, tag });
    }
  }

  const deleteTags: TagDecision[] = [];
  for (const v of candidates) {
    const { tag, digest } = v.tag;
    const sharedWith = keptTagOf.get(digest);
    const parent = needed.get(digest);
    let safety: string | null = null;
    if (sharedWith !== undefined) safety = `shares digest with kept tag ${sharedWith}`;
    else if (parent !== undefined) safety = `child of index ${parent.index} kept by tag ${parent.tag}`;
    else if (unknown !== null)
      safety = `manifest ${unknown.digest} of kept tag ${unknown.tag} is not in the input, so its children are unknown`;
    if (safety === null) deleteTags.push({ tag, digest, reasons: v.selectedBy });
    else keepTags.push({ tag, digest, reasons: [safety, ...v.selectedBy.map((r) => `would otherwise be deleted: ${r}`)] });
  }
  keepTags.sort(byTag);

  const deleteDigests = [...new Set(deleteTags.map((t) => t.digest))].sort(byString);
  return { name: repository.name, deleteTags, keepTags, deleteDigests };
}

/**
 * What a policy would delete, per repository its glob matches (others are left out), sorted by
 * repository name. Pure and deterministic: the same rules, input and `now` give the same result.
 */
export function evaluateRetention(policy: RetentionRules, input: RetentionInput, now: Date): RetentionResult {
  // throws TagPatternError for a stored pattern the engine does not take (one saved before RE2)
  const keepPattern = policy.keepTagPattern === undefined ? null : compileTagPattern(policy.keepTagPattern);
  const repositories = input.repositories
    .filter((r) => matchesPattern(policy.repositoryGlob, r.name))
    .map((r) => evaluateRepository(policy, r, now, keepPattern))
    .sort((a, b) => byString(a.name, b.name));
  return { repositories };
}

/** "tag" for one ("the newest tag"), "3 tags" otherwise. */
function newestTags(n: number): string {
  return n === 1 ? "tag" : `${n} tags`;
}
