// Deleting exactly what the user means. Registry 2.x deletes manifests by digest only, and a delete by
// digest removes every tag on it: the preview names every tag that goes, and the delete only runs when the
// caller confirms that exact list. Registries that delete a tag by name (distribution 3.x, zot) remove only
// the tag. The capability is probed once per registry (a DELETE of a tag that cannot exist) and remembered.
import "server-only";
import { randomBytes } from "node:crypto";
import { AppError, errorMessage } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { DeletionPreview, DeletionRequest, DeletionResult } from "../contract/deletions";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { logger } from "../log";
import { platformLabel, plural } from "../oci/size";
import { compareNatural } from "../oci/tag-sort";
import { RegistryError } from "../registry/errors";
import { auditActor, recordAudit } from "./audit";
import { blobsFreedBy } from "./deletion-usage";
import { createLimiter } from "./limit";
import { registryFailure, sharedRegistry } from "./registry";
import { assertRepository } from "./repositories";
import { refreshRepositoryAggregates } from "./sync-engine/store";

export type Capabilities = { tagDelete: boolean | null; deleteEnabled: boolean | null };

export const DELETE_DISABLED =
  "The registry refuses deletes (405 UNSUPPORTED): set `storage.delete.enabled: true` in its config.yml " +
  "(or REGISTRY_STORAGE_DELETE_ENABLED=true) and restart it.";

function isDeleteDisabled(e: unknown): boolean {
  return e instanceof RegistryError && (e.status === 405 || e.hasCode("UNSUPPORTED"));
}

function isDigestInvalid(e: unknown): boolean {
  return e instanceof RegistryError && e.status === 400 && e.hasCode("DIGEST_INVALID");
}

// A registry that refused deletes is asked again after this long: the operator may have fixed its config.
const DISABLED_RECHECK_MS = 60_000;

/** What the registry can delete, probed with `repository` (the probe needs delete rights on it). */
export async function registryCapabilities(repository: string): Promise<Capabilities> {
  const db = getDb();
  const registry = getEnv().REGISTRY_URL;
  const row = await db.registryCapability.findUnique({ where: { registry } });
  const recheck = row?.deleteEnabled === false && Date.now() - row.checkedAt.getTime() > DISABLED_RECHECK_MS;
  // known: how tags delete, or that deletes are refused (asked again after DISABLED_RECHECK_MS)
  if (row && !recheck && (row.tagDelete !== null || row.deleteEnabled === false)) {
    return { tagDelete: row.tagDelete, deleteEnabled: row.deleteEnabled };
  }

  // a tag no one pushed: 2.x answers 400 DIGEST_INVALID before looking; tag-aware registries 404
  const probe = `layerscope-probe-${randomBytes(8).toString("hex")}`;
  let caps: Capabilities;
  try {
    await sharedRegistry().deleteManifest(repository, probe);
    caps = { tagDelete: true, deleteEnabled: true };
  } catch (e) {
    // DIGEST_INVALID says nothing about deletes being enabled: keep a known "enabled", forget a stale "refused"
    if (isDigestInvalid(e)) caps = { tagDelete: false, deleteEnabled: row?.deleteEnabled === true ? true : null };
    else if (isDeleteDisabled(e)) caps = { tagDelete: row?.tagDelete ?? null, deleteEnabled: false };
    else throw registryFailure(e);
  }
  const data = { tagDelete: caps.tagDelete, deleteEnabled: caps.deleteEnabled, checkedAt: new Date() };
  await db.registryCapability.upsert({ where: { registry }, create: { registry, ...data }, update: data });
  return caps;
}

async function rememberDeleteEnabled(enabled: boolean): Promise<void> {
  const registry = getEnv().REGISTRY_URL;
  const data = { deleteEnabled: enabled, checkedAt: new Date() };
  await getDb().registryCapability.upsert({ where: { registry }, create: { registry, ...data }, update: data });
}

export type PlatformAffected = DeletionPreview["platformsAffected"][number];

const headLimit = createLimiter(8);

/** Tag → digest as the registry has it now (HEAD), and the cache brought in line. null: no such tag. */
async function currentDigests(repositoryId: number, repository: string, tags: string[]): Promise<Map<string, string | null>> {
  const db = getDb();
  const registry = sharedRegistry();
  const out = new Map<string, string | null>();
  await Promise.all(
    tags.map((tag) =>
      headLimit(async () => {
        let head: Awaited<ReturnType<typeof registry.headManifest>>;
        try {
          head = await registry.headManifest(repository, tag);
        } catch (e) {
          throw registryFailure(e);
        }
        out.set(tag, head?.digest ?? null);
        if (head === null) {
          await db.tag.deleteMany({ where: { repositoryId, name: tag } });
        } else {
          // a tag moved since the last sync: only known manifests can be pointed at (the sync fetches the rest)
          const known = await db.manifest.count({ where: { digest: head.digest } });
          if (known > 0)
            await db.tag.updateMany({ where: { repositoryId, name: tag, NOT: { digest: head.digest } }, data: { digest: head.digest } });
        }
      }),
    ),
  );
  return out;
}

/** Tag → digest from the cache, checked against one `tags/list`: tags gone from the registry leave the cache. */
async function cachedDigests(
  repositoryId: number,
  repository: string,
  cached: { name: string; digest: string }[],
  tags: string[],
): Promise<Map<string, string | null>> {
  let listed: Set<string>;
  try {
    listed = new Set(await sharedRegistry().listTags(repository));
  } catch (e) {
    throw registryFailure(e);
  }
  const gone = cached.filter((t) => !listed.has(t.name)).map((t) => t.name);
  if (gone.length > 0) await getDb().tag.deleteMany({ where: { repositoryId, name: { in: gone } } });
  const digestOf = new Map(cached.map((t) => [t.name, t.digest]));
  const out = new Map<string, string | null>();
  const unknown: string[] = [];
  for (const tag of tags) {
    if (!listed.has(tag)) out.set(tag, null);
    else if (digestOf.has(tag)) out.set(tag, digestOf.get(tag) ?? null);
    else unknown.push(tag);
  }
  // pushed since the last sync: only these are asked for one by one
  for (const [tag, digest] of await currentDigests(repositoryId, repository, unknown)) out.set(tag, digest);
  return out;
}

export type PreviewOptions = {
  /**
   * "registry" (the default, and what a delete runs on): HEAD every tag involved, so the preview is the
   * registry's word. "cache": tag → digest from the cache, checked against one `tags/list`; answers in
   * about a second for thousands of tags, and a delete re-checks against the registry anyway (409 with a
   * fresh preview when the two differ).
   */
  against?: "registry" | "cache";
};

export async function previewDeletion(caller: Caller, input: DeletionRequest, options: PreviewOptions = {}): Promise<DeletionPreview> {
  authorize(caller, "tag:delete", input.repository);
  assertRepository(input.repository);
  const db = getDb();
  const repository = input.repository;
  const repo = await db.repository.findUnique({ where: { name: repository } });
  if (!repo) throw new AppError("not_found", `repository ${repository} is not in the cache (sync first, or check the name)`);
  const caps = await registryCapabilities(repository);

  let cached = await db.tag.findMany({ where: { repositoryId: repo.id }, select: { name: true, digest: true } });
  const requested = new Set(input.tags ?? []);
  if (input.allTags) for (const t of cached) requested.add(t.name);
  if (input.tagFilter) {
    const q = input.tagFilter.toLowerCase();
    for (const t of cached) if (t.name.toLowerCase().includes(q)) requested.add(t.name);
  }
  const digests = new Set(input.digests ?? []);

  // the registry's word for every tag involved: the requested ones and the cached siblings of their digests
  const touchedDigests = new Set([...digests, ...cached.filter((t) => requested.has(t.name)).map((t) => t.digest)]);
  const involved = new Set([...requested, ...cached.filter((t) => touchedDigests.has(t.digest)).map((t) => t.name)]);
  const now =
    options.against === "cache"
      ? await cachedDigests(repo.id, repository, cached, [...involved])
      : await currentDigests(repo.id, repository, [...involved]);
  const missing = [...requested].filter((t) => now.get(t) == null);
  if (missing.length > 0) {
    throw new AppError("not_found", `no such tag in ${repository}: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`);
  }
  await Promise.all(
    [...digests].map((d) =>
      headLimit(async () => {
        const head = await sharedRegistry()
          .headManifest(repository, d)
          .catch((e) => {
            throw registryFailure(e);
          });
        if (head === null) throw new AppError("not_found", `no manifest ${d} in ${repository}`);
      }),
    ),
  );
  cached = await db.tag.findMany({ where: { repositoryId: repo.id }, select: { name: true, digest: true } });
  const tagsOn = new Map<string, string[]>();
  for (const t of cached) {
    const list = tagsOn.get(t.digest);
    if (list) list.push(t.name);
    else tagsOn.set(t.digest, [t.name]);
  }

  const removedTags = new Set<string>();
  const removedManifests = new Set<string>(digests);
  for (const d of digests) for (const t of tagsOn.get(d) ?? []) removedTags.add(t);
  if (caps.tagDelete) {
    for (const t of requested) removedTags.add(t);
    // a manifest left without tags is deleted by Layerscope's next GC (it removes untagged manifests)
    for (const t of requested) {
      const d = now.get(t);
      if (d && (tagsOn.get(d) ?? []).every((x) => removedTags.has(x))) removedManifests.add(d);
    }
  } else {
    for (const t of requested) {
      const d = now.get(t);
      if (!d) continue;
      removedManifests.add(d);
      for (const sibling of tagsOn.get(d) ?? []) removedTags.add(sibling);
    }
  }

  const platformsAffected = await affectedPlatforms(repo.id, [...removedManifests], removedTags);
  const usage = await blobsFreedBy(db, repo.id, [...removedManifests], [...removedTags]);
  const warnings: string[] = [];
  const broken = platformsAffected.filter((p) => p.breaksIndex);
  if (broken.length > 0) {
    warnings.push(
      `${plural(broken.length, "platform image")} of indexes that keep their tags would be deleted: ${[...new Set(broken.map((b) => b.indexTags.join(", ")))].join("; ")} would fail to pull on ${[...new Set(broken.map((b) => b.platform))].join(", ")}`,
    );
  }
  if (!caps.tagDelete) {
    const extra = [...removedTags].filter((t) => !requested.has(t));
    if (extra.length > 0) {
      warnings.push(
        `This registry deletes by digest only (2.x): ${plural(extra.length, "more tag")} on the same digest go${extra.length === 1 ? "es" : ""} too: ${extra.slice(0, 20).join(", ")}${extra.length > 20 ? ", …" : ""}`,
      );
    }
  }
  if (caps.deleteEnabled === false) warnings.push(DELETE_DISABLED);

  return {
    repository,
    tagsRemoved: [...removedTags].sort(compareNatural).map((tag) => ({ repository, tag })),
    manifestsRemoved: [...removedManifests].sort(),
    platformsAffected,
    bytesFreed: usage.bytesFreed,
    blobsFreed: usage.blobs,
    tagDeleteSupported: caps.tagDelete === true,
    deleteEnabled: caps.deleteEnabled,
    warnings,
  };
}

/** Platforms of removed indexes, and platform images removed from under indexes that stay. */
async function affectedPlatforms(repositoryId: number, manifests: string[], removedTags: Set<string>): Promise<PlatformAffected[]> {
  if (manifests.length === 0) return [];
  const db = getDb();
  const removed = new Set(manifests);
  const rows = await db.indexChild.findMany({
    where: { OR: [{ indexDigest: { in: manifests } }, { childDigest: { in: manifests } }], attestation: false },
    orderBy: [{ indexDigest: "asc" }, { position: "asc" }],
  });
  const indexDigests = [...new Set(rows.map((r) => r.indexDigest))];
  const indexTags = await db.tag.findMany({ where: { repositoryId, digest: { in: indexDigests } }, select: { name: true, digest: true } });
  const tagsOf = (d: string) => indexTags.filter((t) => t.digest === d).map((t) => t.name);
  const out: PlatformAffected[] = [];
  for (const r of rows) {
    const tags = tagsOf(r.indexDigest);
    const indexStays = !removed.has(r.indexDigest) && tags.some((t) => !removedTags.has(t));
    if (!removed.has(r.indexDigest) && !indexStays) continue; // an untagged index elsewhere: nobody pulls it by tag
    if (!removed.has(r.indexDigest) && !removed.has(r.childDigest)) continue;
    out.push({
      index: r.indexDigest,
      indexTags: tags.sort(compareNatural),
      manifest: r.childDigest,
      platform: r.os && r.architecture ? platformLabel({ os: r.os, architecture: r.architecture, variant: r.variant }) : "unknown",
      breaksIndex: indexStays && removed.has(r.childDigest),
    });
  }
  return out;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

export async function executeDeletion(
  caller: Caller,
  input: DeletionRequest & { confirmTags: string[] },
  ip: string | null,
): Promise<DeletionResult> {
  const preview = await previewDeletion(caller, input);
  const expected = preview.tagsRemoved.map((t) => t.tag);
  if (!sameSet(input.confirmTags, expected)) {
    throw new AppError(
      "conflict",
      `confirmTags must list exactly the tags this delete removes (${expected.length}): the registry or the request changed since the preview`,
      { preview },
    );
  }
  if (preview.deleteEnabled === false) throw new AppError("registry_error", DELETE_DISABLED);

  const registry = sharedRegistry();
  const deleted: DeletionResult["deleted"] = [];
  const failed: DeletionResult["failed"] = [];
  // by tag where the registry can, else by digest; explicit digests always by digest
  const explicit = new Set(input.digests ?? []);
  // (a tag already gone with its digest answers 404 "absent": harmless)
  const references = preview.tagDeleteSupported ? [...explicit, ...expected] : preview.manifestsRemoved;
  for (const reference of references) {
    try {
      deleted.push({ reference, result: await registry.deleteManifest(input.repository, reference) });
    } catch (e) {
      if (isDeleteDisabled(e)) {
        await rememberDeleteEnabled(false);
        await auditDeletion(caller, ip, preview, deleted, [{ reference, error: DELETE_DISABLED }]);
        throw new AppError("registry_error", DELETE_DISABLED);
      }
      if (isDigestInvalid(e) && preview.tagDeleteSupported) {
        // the registry changed under us (a downgrade, another proxy): forget and make the user look again
        await getDb().registryCapability.deleteMany({ where: { registry: getEnv().REGISTRY_URL } });
      }
      failed.push({ reference, error: errorMessage(e) });
    }
  }
  if (deleted.length > 0) await rememberDeleteEnabled(true);

  await syncCacheAfterDelete(input.repository, preview);
  await auditDeletion(caller, ip, preview, deleted, failed);
  return { ...preview, deleted, failed };
}

/** The cache follows the registry at once: every tag the preview listed is asked for again (HEAD). */
async function syncCacheAfterDelete(repository: string, preview: DeletionPreview): Promise<void> {
  const db = getDb();
  const repo = await db.repository.findUnique({ where: { name: repository } });
  if (!repo) return;
  // currentDigests drops the rows of tags the registry no longer has
  await currentDigests(
    repo.id,
    repository,
    preview.tagsRemoved.map((t) => t.tag),
  );
  await refreshRepositoryAggregates(db, repo.id);
}

async function auditDeletion(
  caller: Caller,
  ip: string | null,
  preview: DeletionPreview,
  deleted: DeletionResult["deleted"],
  failed: DeletionResult["failed"],
): Promise<void> {
  const result = failed.length === 0 ? "success" : "failure";
  await recordAudit({
    actor: auditActor(caller),
    action: "delete.manifests",
    target: preview.repository,
    result,
    ip,
    details: {
      tags: preview.tagsRemoved.map((t) => t.tag),
      digests: preview.manifestsRemoved,
      bytesFreed: preview.bytesFreed,
      deleted: deleted.map((d) => d.reference),
      failed,
    },
  }).catch((e) => logger.error("audit write failed", { error: errorMessage(e) }));
}
