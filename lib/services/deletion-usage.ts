// What a garbage collection would free once some tags and manifests of one repository are gone, computed
// set-wise in one query: the blobs reachable from the removed manifests, minus the blobs that any tag left
// standing (in any repository: the blob store is global) still reaches. blob-usage.ts counts the tags per
// blob for the image page; a deletion preview only needs the set, and must stay fast for thousands of tags.
import "server-only";
import type { Db } from "../db/client";
import type { BlobKind } from "./blob-usage";

export type FreedBlob = { digest: string; kind: BlobKind; bytes: number };

/**
 * Blobs (layers, configs, and the manifests themselves) reachable from `removedManifests` down through index
 * children that no remaining tag reaches, up through manifests and the indexes that list them. Remaining
 * means every tag except `removedTags` of repository `repositoryId`.
 */
export async function blobsFreedBy(
  db: Db,
  repositoryId: number,
  removedManifests: readonly string[],
  removedTags: readonly string[],
): Promise<{ blobs: FreedBlob[]; bytesFreed: number }> {
  if (removedManifests.length === 0) return { blobs: [], bytesFreed: 0 };
  const rows = await db.$queryRaw<{ digest: string; bytes: bigint; kind: BlobKind }[]>`
    WITH RECURSIVE down(digest) AS (
      SELECT unnest(${removedManifests as string[]}::text[])
      UNION
      SELECT ic.child_digest FROM index_children ic JOIN down d ON ic.index_digest = d.digest
    ),
    candidates AS (
      SELECT DISTINCT ON (digest) digest, bytes, kind FROM (
        SELECT ml.blob_digest AS digest, MAX(ml.size_bytes)::bigint AS bytes, 'layer' AS kind, 0 AS rank
          FROM manifest_layers ml JOIN down d ON ml.manifest_digest = d.digest GROUP BY ml.blob_digest
        UNION ALL
        SELECT m.config_digest, MAX(COALESCE((m.raw::jsonb #>> '{config,size}')::bigint, 0)), 'config', 1
          FROM manifests m JOIN down d ON m.digest = d.digest WHERE m.config_digest IS NOT NULL GROUP BY m.config_digest
        UNION ALL
        SELECT m.digest, m.manifest_bytes::bigint, 'manifest', 2 FROM manifests m JOIN down d ON m.digest = d.digest
      ) c ORDER BY digest, rank
    ),
    up(blob, digest) AS (
      SELECT s.blob, s.digest FROM (
        SELECT ml.blob_digest AS blob, ml.manifest_digest AS digest
          FROM manifest_layers ml JOIN candidates c ON ml.blob_digest = c.digest
        UNION SELECT m.config_digest, m.digest FROM manifests m JOIN candidates c ON m.config_digest = c.digest
        UNION SELECT c.digest, c.digest FROM candidates c
      ) s
      UNION
      SELECT up.blob, ic.index_digest FROM up JOIN index_children ic ON ic.child_digest = up.digest
    ),
    kept AS (
      SELECT DISTINCT up.blob FROM up JOIN tags t ON t.digest = up.digest
      WHERE NOT (t.repository_id = ${repositoryId} AND t.name = ANY(${removedTags as string[]}::text[]))
    )
    SELECT c.digest, c.bytes, c.kind FROM candidates c
    WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.blob = c.digest)`;
  const blobs = rows.map((r) => ({ digest: r.digest, kind: r.kind, bytes: Number(r.bytes) }));
  blobs.sort((a, b) => b.bytes - a.bytes || a.digest.localeCompare(b.digest));
  return { blobs, bytesFreed: blobs.reduce((sum, b) => sum + b.bytes, 0) };
}
