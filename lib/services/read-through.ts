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
      const repo = await db.repository.upsert({ where: { name: repository }, create: { name: repository }, update: {} });
      await db.tag.upsert({
        where: { repositoryId_name: { repositoryId: repo.id, name: ref.tag } },
        create: { repositoryId: repo.id, name: ref.tag, digest: fetched.digest },
        update: { digest: fetched.digest, changedAt: new Date() },
      });
      await refreshRepositoryAggregates(db, repo.id);
    }
    return fetched.digest;
  } catch (e) {
    throw registryFailure(e);
  }
}
