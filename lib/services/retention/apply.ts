// A real run deletes a repository's planned digests only after checking each against the
// registry itself, because the cache can be a sync behind:
//   - every tag on a planned digest, asked of the registry (tags/list + HEAD), must be one the plan
//     deletes with that digest; a tag pushed or moved onto it since makes the digest skipped;
//   - a tag now on a manifest the plan did not look at (new or moved) protects that manifest's
//     children (an index pushed since over an old platform image);
//   - the deletion preview must then name exactly the plan's tags and break no kept index.
// Skipped digests are recorded with their reason on the run; the next run looks again.
import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../../auth/caller";
import { getDb } from "../../db/client";
import type { RepositoryRetention } from "../../retention/policy";
import { blobUsage } from "../blob-usage";
import { executeDeletion, previewDeletion } from "../deletions";
import { createLimiter } from "../limit";
import { registryFailure, sharedRegistry } from "../registry";
import type { RetentionRepositoryOutcome } from "./types";

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
export async function applyRepository(caller: Caller, plan: RepositoryRetention, ip: string | null): Promise<RetentionRepositoryOutcome> {
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
