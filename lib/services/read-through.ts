import "server-only";
import { getDb } from "../db/client";
import { parseReference } from "../oci/reference";
import { createLimiter } from "./limit";
import { registryFailure, sharedRegistry } from "./registry";
import { createManifestCache } from "./sync-engine/manifest-cache";
import { refreshRepositoryAggregates } from "./sync-engine/store";

const limit = createLimiter(4);

/**
 * Fetch a manifest the cache does not have yet, store it (with its config and children) and,
 * for a tag, record the tag pointer. Returns the digest. Registry failures become AppErrors
 * (unreachable → 503, unknown → 404).
 */
export async function readThroughManifest(repository: string, reference: string): Promise<string> {
  const db = getDb();
  const registry = sharedRegistry();
  const cache = createManifestCache({ db, registry, counters: { manifestsFetched: 0, configsFetched: 0 }, limit });
  try {
    const fetched = await limit(() => registry.getManifest(repository, reference));
    await cache.ensureManifest(repository, fetched.digest, fetched);
    const ref = parseReference(reference);
    if (ref.kind === "tag") {
      // Reads of one new repository run side by side (each of its tags, two people opening it): whichever inserts
      // first wins, the others find its rows. Prisma's upsert reads, then inserts, and the loser of that race failed.
      await db.repository.createMany({ data: [{ name: repository }], skipDuplicates: true });
      const repo = await db.repository.findUniqueOrThrow({ where: { name: repository }, select: { id: true } });
      await db.$executeRaw`
        INSERT INTO tags (repository_id, name, digest, changed_at)
        VALUES (${repo.id}, ${ref.tag}, ${fetched.digest}, (now() AT TIME ZONE 'UTC')::timestamp(3))
        ON CONFLICT (repository_id, name) DO UPDATE SET digest = EXCLUDED.digest, changed_at = EXCLUDED.changed_at
        WHERE tags.digest <> EXCLUDED.digest`;
      await refreshRepositoryAggregates(db, repo.id);
    }
    return fetched.digest;
  } catch (e) {
    throw registryFailure(e);
  }
}

/** Tags read through at once for a repository the cache has not seen; the rest arrive with the next sync. */
export const READ_THROUGH_TAGS = 200;

/**
 * A repository pushed since the last sync: list its tags in the registry and read each one's manifest
 * through (at most READ_THROUGH_TAGS), so its page answers now instead of 404 until the next sync. Returns
 * false when the registry does not know the repository either (or it has no tags).
 */
export async function readThroughRepository(repository: string): Promise<boolean> {
  let tags: string[];
  try {
    tags = await limit(() => sharedRegistry().listTags(repository));
  } catch (e) {
    // unknown there too, or the registry is down: the cache's answer (404) stands
    const failure = registryFailure(e);
    if (failure.code === "not_found" || failure.code === "registry_unreachable") return false;
    throw failure;
  }
  if (tags.length === 0) return false;
  const first = [...tags].sort().slice(0, READ_THROUGH_TAGS);
  await Promise.all(first.map((tag) => readThroughManifest(repository, tag)));
  return true;
}
