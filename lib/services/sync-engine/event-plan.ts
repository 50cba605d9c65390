// Pure: what a batch of registry notifications does to the tag cache. No I/O.
//
// Events may arrive late, twice, or out of order (the registry retries with backoff). Each
// (repository, tag) remembers the time of the newest event applied to it (its mark); an event
// older than that changes nothing, so replaying or reordering events converges on the same state.

export type StoredEvent = {
  id: string;
  action: "push" | "delete";
  repository: string;
  tag: string | null;
  digest: string | null;
  mediaType: string | null;
  /** epoch ms; events are given in this order (ties keep arrival order) */
  occurredAt: number;
};

export type EventPlanInput = {
  events: readonly StoredEvent[];
  /** newest applied event time per tagKey(repository, tag) */
  marks: ReadonlyMap<string, number>;
  /** what the cache has now, for the tags the batch may touch: tagKey → digest */
  cachedTags: ReadonlyMap<string, string>;
  /** the cache holds this manifest (or it was just fetched) */
  manifestAvailable: (digest: string) => boolean;
  isManifestMediaType: (mediaType: string) => boolean;
};

export type EventPlan = {
  upserts: { repository: string; tag: string; digest: string }[];
  deletes: { repository: string; tag: string }[];
  marks: { repository: string; tag: string; occurredAt: number }[];
  /** null: applied; otherwise why the event changed nothing */
  outcomes: Map<string, string | null>;
  /** repositories whose tags changed (aggregates to refresh) */
  repositories: Set<string>;
};

export const tagKey = (repository: string, tag: string): string => `${repository}\u0000${tag}`;

function splitKey(key: string): { repository: string; tag: string } {
  const at = key.indexOf("\u0000");
  return { repository: key.slice(0, at), tag: key.slice(at + 1) };
}

export function planEventBatch(input: EventPlanInput): EventPlan {
  // the batch's own effect per tag: a digest, or null for deleted
  const state = new Map<string, { digest: string | null; at: number }>();
  const outcomes = new Map<string, string | null>();
  const newestApplied = (key: string) =>
    Math.max(input.marks.get(key) ?? Number.NEGATIVE_INFINITY, state.get(key)?.at ?? Number.NEGATIVE_INFINITY);
  const currentDigest = (key: string) => {
    const s = state.get(key);
    return s ? s.digest : (input.cachedTags.get(key) ?? null);
  };

  for (const e of input.events) {
    if (e.action === "push") {
      if (e.mediaType !== null && !input.isManifestMediaType(e.mediaType)) {
        outcomes.set(e.id, "not a manifest");
        continue;
      }
      if (e.tag === null || e.digest === null) {
        // a manifest pushed by digest (an index's children): it reaches the cache with its tag
        outcomes.set(e.id, "no tag");
        continue;
      }
      if (!input.manifestAvailable(e.digest)) {
        outcomes.set(e.id, "manifest not available from the registry");
        continue;
      }
      const key = tagKey(e.repository, e.tag);
      if (newestApplied(key) > e.occurredAt) {
        outcomes.set(e.id, "older than the cached state");
        continue;
      }
      state.set(key, { digest: e.digest, at: e.occurredAt });
      outcomes.set(e.id, null);
      continue;
    }
    // delete: one tag (tag-aware registries, and registry 2.x's per-tag events), or every tag of a manifest
    const keys: string[] = [];
    if (e.tag !== null) keys.push(tagKey(e.repository, e.tag));
    else if (e.digest !== null) {
      const prefix = `${e.repository}\u0000`;
      const candidates = new Set<string>();
      for (const [key, digest] of input.cachedTags) if (key.startsWith(prefix) && digest === e.digest) candidates.add(key);
      for (const [key, s] of state) if (key.startsWith(prefix) && s.digest === e.digest) candidates.add(key);
      for (const key of candidates) if (currentDigest(key) === e.digest) keys.push(key);
    }
    let applied = false;
    for (const key of keys) {
      if (newestApplied(key) > e.occurredAt) continue;
      state.set(key, { digest: null, at: e.occurredAt });
      applied = true;
    }
    outcomes.set(e.id, applied ? null : keys.length === 0 ? "no cached tag" : "older than the cached state");
  }

  const plan: EventPlan = { upserts: [], deletes: [], marks: [], outcomes, repositories: new Set() };
  for (const [key, s] of state) {
    const { repository, tag } = splitKey(key);
    plan.marks.push({ repository, tag, occurredAt: s.at });
    if (s.digest === null) {
      if (input.cachedTags.has(key)) plan.deletes.push({ repository, tag });
    } else if (input.cachedTags.get(key) !== s.digest) plan.upserts.push({ repository, tag, digest: s.digest });
    else continue;
    plan.repositories.add(repository);
  }
  return plan;
}
