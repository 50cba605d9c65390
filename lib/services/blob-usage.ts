// Which tags keep which blobs alive, computed from the cache. Garbage collection keeps a blob while any
// remaining manifest references it, in any repository (the blob store is global), so "what would deleting
// these tags free" is: every blob reachable from the deleted manifests that no remaining tag reaches.
// One computation serves the image page's unique size and the deletion preview.
import "server-only";
import type { Caller } from "../auth/caller";
import type { ManifestUsage } from "../contract/images";
import { type Db, getDb } from "../db/client";
import { getManifestDetail } from "./manifests";

export type BlobKind = "layer" | "config" | "manifest";
export type TagRef = { repository: string; tag: string };

export type BlobUse = {
  digest: string;
  kind: BlobKind;
  bytes: number;
  /** Tags (in any repository) whose image or index reaches this blob, before the removal. */
  tags: number;
  /** Tags that still reach it once `removedTags` are gone. */
  remainingTags: number;
  /** Repositories among those remaining tags. */
  remainingRepositories: number;
  /** No remaining tag reaches it: a garbage collection after the removal deletes it. */
  freed: boolean;
};

export type BlobUsage = { blobs: BlobUse[]; totalBytes: number; bytesFreed: number };

/**
 * Blobs reachable from `roots` (down through index children: layers, configs and the manifests
 * themselves, which the registry stores as blobs too), and for each one how many tags reach it once
 * `removedTags` are gone.
 */
export async function blobUsage(db: Db, roots: readonly string[], removedTags: readonly TagRef[]): Promise<BlobUsage> {
  if (roots.length === 0) return { blobs: [], totalBytes: 0, bytesFreed: 0 };
  const reachable = await db.$queryRaw<{ digest: string; bytes: bigint; kind: BlobKind }[]>`
    WITH RECURSIVE down(digest) AS (
      SELECT unnest(${roots as string[]}::text[])
      UNION
      SELECT ic.child_digest FROM index_children ic JOIN down d ON ic.index_digest = d.digest
    )
    SELECT ml.blob_digest AS digest, MAX(ml.size_bytes)::bigint AS bytes, 'layer' AS kind
      FROM manifest_layers ml JOIN down d ON ml.manifest_digest = d.digest GROUP BY ml.blob_digest
    UNION ALL
    SELECT m.config_digest, MAX(COALESCE((m.raw::jsonb #>> '{config,size}')::bigint, 0)), 'config'
      FROM manifests m JOIN down d ON m.digest = d.digest WHERE m.config_digest IS NOT NULL GROUP BY m.config_digest
    UNION ALL
    SELECT m.digest, m.manifest_bytes::bigint, 'manifest' FROM manifests m JOIN down d ON m.digest = d.digest`;

  const byDigest = new Map<string, { bytes: bigint; kind: BlobKind }>();
  for (const r of reachable) if (!byDigest.has(r.digest)) byDigest.set(r.digest, { bytes: r.bytes, kind: r.kind });
  const digests = [...byDigest.keys()];
  const reach = await tagsReaching(db, digests, removedTags);

  const blobs: BlobUse[] = digests.map((digest) => {
    const b = byDigest.get(digest) as { bytes: bigint; kind: BlobKind };
    const r = reach.get(digest) ?? { tags: 0, remainingTags: 0, remainingRepositories: 0 };
    return { digest, kind: b.kind, bytes: Number(b.bytes), ...r, freed: r.remainingTags === 0 };
  });
  blobs.sort((a, b) => b.bytes - a.bytes || a.digest.localeCompare(b.digest));
  return {
    blobs,
    totalBytes: blobs.reduce((sum, b) => sum + b.bytes, 0),
    bytesFreed: blobs.reduce((sum, b) => sum + (b.freed ? b.bytes : 0), 0),
  };
}

/** The sizes the cache knows for these digests: layer blobs, manifests, and configs (from their manifest's descriptor). */
export async function cachedBlobSizes(db: Db, digests: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (digests.length === 0) return sizes;
  const rows = await db.$queryRaw<{ digest: string; bytes: bigint }[]>`
    SELECT digest, size_bytes AS bytes FROM blobs WHERE digest = ANY(${digests as string[]}::text[])
    UNION ALL SELECT digest, manifest_bytes::bigint FROM manifests WHERE digest = ANY(${digests as string[]}::text[])
    UNION ALL SELECT config_digest, MAX(COALESCE((raw::jsonb #>> '{config,size}')::bigint, 0)) FROM manifests
      WHERE config_digest = ANY(${digests as string[]}::text[]) GROUP BY config_digest`;
  for (const r of rows) if (!sizes.has(r.digest)) sizes.set(r.digest, Number(r.bytes));
  return sizes;
}

/** Per blob: the tags that reach it (up through manifests and the indexes that list them), minus `removedTags`. */
async function tagsReaching(db: Db, blobs: string[], removedTags: readonly TagRef[]) {
  const out = new Map<string, { tags: number; remainingTags: number; remainingRepositories: number }>();
  if (blobs.length === 0) return out;
  const rows = await db.$queryRaw<{ blob: string; tags: number; remaining_tags: number; remaining_repositories: number }[]>`
    WITH RECURSIVE up(blob, digest) AS (
      SELECT s.blob, s.digest FROM (
        SELECT ml.blob_digest AS blob, ml.manifest_digest AS digest FROM manifest_layers ml WHERE ml.blob_digest = ANY(${blobs}::text[])
        UNION SELECT m.config_digest, m.digest FROM manifests m WHERE m.config_digest = ANY(${blobs}::text[])
        UNION SELECT m.digest, m.digest FROM manifests m WHERE m.digest = ANY(${blobs}::text[])
      ) s
      UNION
      SELECT up.blob, ic.index_digest FROM up JOIN index_children ic ON ic.child_digest = up.digest
    ),
    reach AS (SELECT DISTINCT up.blob, t.repository_id, t.name FROM up JOIN tags t ON t.digest = up.digest),
    removed AS (
      SELECT r.id AS repository_id, x.tag
      FROM unnest(${removedTags.map((t) => t.repository)}::text[], ${removedTags.map((t) => t.tag)}::text[]) AS x(repository, tag)
      JOIN repositories r ON r.name = x.repository
    )
    SELECT reach.blob,
      count(*)::int AS tags,
      (count(*) FILTER (WHERE removed.tag IS NULL))::int AS remaining_tags,
      (count(DISTINCT reach.repository_id) FILTER (WHERE removed.tag IS NULL))::int AS remaining_repositories
    FROM reach LEFT JOIN removed ON removed.repository_id = reach.repository_id AND removed.tag = reach.name
    GROUP BY reach.blob`;
  for (const r of rows) {
    out.set(r.blob, { tags: r.tags, remainingTags: r.remaining_tags, remainingRepositories: r.remaining_repositories });
  }
  return out;
}

/**
 * The manifest page's view: for every blob of `reference` (all platforms of an index), how many other
 * tags share it, and the unique size: what deleting this manifest (with every tag on it, as a registry 2.x
 * delete by digest does) would free after a garbage collection.
 */
export async function getManifestUsage(caller: Caller, repository: string, reference: string): Promise<ManifestUsage> {
  const detail = await getManifestDetail(caller, repository, reference);
  const usage = await blobUsage(
    getDb(),
    [detail.digest],
    detail.tags.map((tag) => ({ repository, tag })),
  );
  return {
    digest: detail.digest,
    tags: detail.tags,
    totalBytes: usage.totalBytes,
    uniqueBytes: usage.bytesFreed,
    blobs: usage.blobs.map((b) => ({
      digest: b.digest,
      kind: b.kind,
      bytes: b.bytes,
      otherTags: b.remainingTags,
      otherRepositories: b.remainingRepositories,
      unique: b.freed,
    })),
  };
}
