import "server-only";
import type { Db } from "../../db/client";
import { Prisma } from "../../db/generated/client";
import { parseHelmChartConfig, parseImageConfig } from "../../oci/config";
import type { ParsedManifest } from "../../oci/manifest";
import { imageSizeBytes } from "../../oci/size";
import { annotationCreated } from "../manifest-view";

// Writing digest-keyed rows. They are immutable, so every write is "insert if absent":
// two repositories (or two instances) storing the same digest at once is harmless.

export type FetchedManifest = { digest: string; mediaType: string; body: string; size: number; manifest: ParsedManifest };

export async function cachedManifestDigests(db: Db, digests: string[]): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const rows = await db.manifest.findMany({ where: { digest: { in: digests } }, select: { digest: true } });
  return new Set(rows.map((r) => r.digest));
}

export async function hasConfig(db: Db, digest: string): Promise<boolean> {
  return (await db.imageConfig.count({ where: { digest } })) > 0;
}

export async function storeConfig(db: Db, digest: string, mediaType: string, body: string): Promise<void> {
  let created: Date | null = null;
  let os: string | null = null;
  let architecture: string | null = null;
  let variant: string | null = null;
  let author: string | null = null;
  if (mediaType.includes("helm")) {
    parseHelmChartConfig(body); // validates; details are read from `raw` by the pages
  } else {
    const info = parseImageConfig(body);
    created = info.created ? new Date(info.created) : null;
    os = info.os;
    architecture = info.architecture;
    variant = info.variant;
    author = info.author;
  }
  await db.imageConfig.createMany({
    data: [{ digest, mediaType, created, os, architecture, variant, author, raw: body }],
    skipDuplicates: true,
  });
}

/**
 * When the image was built, as the tag list shows and sorts it (lib/services/manifest-view.ts):
 * the config's created time, else the `org.opencontainers.image.created` annotation; an index
 * takes its newest platform image (configs and children are stored before their manifest).
 */
async function manifestCreated(
  db: Db,
  configDigest: string | null,
  annotations: Record<string, string> | null,
  children: Prisma.IndexChildCreateManyInput[],
): Promise<Date | null> {
  let created = configDigest
    ? ((await db.imageConfig.findUnique({ where: { digest: configDigest }, select: { created: true } }))?.created ?? null)
    : null;
  created ??= annotationCreated(annotations);
  const platforms = children.filter((c) => !c.attestation).map((c) => c.childDigest);
  if (platforms.length > 0) {
    const rows = await db.$queryRaw<{ created: Date | null }[]>`
      SELECT MAX(c.created) AS created FROM manifests m JOIN image_configs c ON c.digest = m.config_digest
      WHERE m.digest = ANY(${platforms}::text[])`;
    const newest = rows[0]?.created ?? null;
    if (newest && (!created || newest > created)) created = newest;
  }
  return created;
}

/**
 * Store a manifest and its layer/child references. For an index, `childSizes` gives the size of
 * each platform child already stored (attestations never count).
 */
export async function storeManifest(db: Db, fetched: FetchedManifest, childSizes: Map<string, bigint>): Promise<void> {
  const m = fetched.manifest;
  let sizeBytes = 0n;
  let configDigest: string | null = null;
  let configMediaType: string | null = null;
  let artifactType: string | null = null;
  let subjectDigest: string | null = null;
  let annotations: Record<string, string> | null = null;
  const layers: Prisma.ManifestLayerCreateManyInput[] = [];
  const blobs: Prisma.BlobCreateManyInput[] = [];
  const children: Prisma.IndexChildCreateManyInput[] = [];

  if (m.kind === "image" || m.kind === "artifact") {
    sizeBytes = BigInt(imageSizeBytes(m.layers));
    configDigest = m.config.digest;
    configMediaType = m.config.mediaType;
    artifactType = m.artifactType;
    subjectDigest = m.subject?.digest ?? null;
    annotations = m.annotations;
    m.layers.forEach((l, position) => {
      blobs.push({ digest: l.digest, mediaType: l.mediaType, sizeBytes: BigInt(l.size) });
      layers.push({
        manifestDigest: fetched.digest,
        position,
        blobDigest: l.digest,
        mediaType: l.mediaType,
        sizeBytes: BigInt(l.size),
        annotations: Object.keys(l.annotations).length ? l.annotations : Prisma.JsonNull,
      });
    });
  } else if (m.kind === "index") {
    artifactType = m.artifactType;
    subjectDigest = m.subject?.digest ?? null;
    annotations = m.annotations;
    m.manifests.forEach((c, position) => {
      if (!c.attestation) sizeBytes += childSizes.get(c.digest) ?? 0n;
      children.push({
        indexDigest: fetched.digest,
        position,
        childDigest: c.digest,
        mediaType: c.mediaType,
        sizeBytes: BigInt(c.size),
        os: c.platform?.os ?? null,
        architecture: c.platform?.architecture ?? null,
        variant: c.platform?.variant ?? null,
        osVersion: c.platform?.osVersion ?? null,
        attestation: c.attestation,
        annotations: Object.keys(c.annotations).length ? c.annotations : Prisma.JsonNull,
      });
    });
  }

  const createdAt = await manifestCreated(db, configDigest, annotations, children);
  // one batch: blobs before the layers that reference them, all or nothing
  await db.$transaction([
    db.blob.createMany({ data: blobs, skipDuplicates: true }),
    db.manifest.createMany({
      data: [
        {
          digest: fetched.digest,
          mediaType: fetched.mediaType,
          kind: m.kind,
          raw: fetched.body,
          manifestBytes: fetched.size,
          sizeBytes,
          configDigest,
          configMediaType,
          artifactType,
          subjectDigest,
          annotations: annotations && Object.keys(annotations).length ? annotations : Prisma.JsonNull,
          createdAt,
        },
      ],
      skipDuplicates: true,
    }),
    db.manifestLayer.createMany({ data: layers, skipDuplicates: true }),
    db.indexChild.createMany({ data: children, skipDuplicates: true }),
  ]);
}

/**
 * Recompute a repository's denormalised tag count, size (distinct blobs), last update, and how
 * many of its tags point at each digest. The tags version moves when the count, size or last update changed.
 */
export async function refreshRepositoryAggregates(db: Db, repositoryId: number): Promise<void> {
  await db.$executeRaw`
    INSERT INTO repository_digests (repository_id, digest, tag_count)
    SELECT repository_id, digest, COUNT(*)::int FROM tags WHERE repository_id = ${repositoryId} GROUP BY repository_id, digest
    ON CONFLICT (repository_id, digest) DO UPDATE SET tag_count = EXCLUDED.tag_count
    WHERE repository_digests.tag_count <> EXCLUDED.tag_count`;
  await db.$executeRaw`
    DELETE FROM repository_digests d WHERE d.repository_id = ${repositoryId}
      AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = ${repositoryId} AND t.digest = d.digest)`;
  await db.$executeRaw`
    WITH RECURSIVE reachable(digest) AS (
      SELECT digest FROM tags WHERE repository_id = ${repositoryId}
      UNION
      SELECT ic.child_digest FROM index_children ic JOIN reachable r ON ic.index_digest = r.digest
    ),
    sized AS (
      SELECT COALESCE(SUM(b.size_bytes), 0)::bigint AS size_bytes FROM blobs b
      WHERE b.digest IN (SELECT ml.blob_digest FROM manifest_layers ml JOIN reachable r ON ml.manifest_digest = r.digest)
    ),
    -- when its newest image was built: the config's created time, else the manifest's
    -- org.opencontainers.image.created annotation (Helm charts, artifacts), as storeManifest recorded it;
    -- unknown stays NULL ("—"), never the time of the sync
    created AS (
      SELECT MAX(m.created_at) AS created FROM tags t JOIN manifests m ON m.digest = t.digest
      WHERE t.repository_id = ${repositoryId}
    ),
    counted AS (
      SELECT COUNT(*)::int AS tag_count FROM tags WHERE repository_id = ${repositoryId}
    )
    UPDATE repositories SET
      tag_count = (SELECT tag_count FROM counted),
      size_bytes = (SELECT size_bytes FROM sized),
      updated_at = (SELECT created FROM created),
      -- The tags answer carries these totals, and they are refreshed after the tags are written. A page that reloaded
      -- in between has the new tags with the old totals: the version moves again so that it reloads once more.
      tags_version = tags_version + CASE
        WHEN (tag_count, size_bytes, updated_at) IS DISTINCT FROM
             ((SELECT tag_count FROM counted), (SELECT size_bytes FROM sized), (SELECT created FROM created))
        THEN 1 ELSE 0 END,
      last_synced_at = now(),
      last_error = NULL
    WHERE id = ${repositoryId}`;
}
