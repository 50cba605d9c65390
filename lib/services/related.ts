// Artifacts grouped under the manifest they describe. registry:2 has no referrers API, so the cache is
// searched too: manifests whose `subject` is this digest and are tagged in the repository, cosign-style
// `sha256-<hex>.sig|.att|.sbom` tags, and buildx attestation manifests listed in an index.
import "server-only";
import { errorMessage } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import type { RelatedArtifacts } from "../contract/images";
import { getDb } from "../db/client";
import { logger } from "../log";
import { cosignTagsFor, parseCosignTag, type Relation, relationOf } from "../oci/related";
import { getManifestDetail } from "./manifests";
import { sharedRegistry } from "./registry";

export type RelatedSource = "referrers-api" | "subject" | "cosign-tag" | "index";
export type RelatedArtifact = {
  digest: string;
  relation: Relation;
  sources: RelatedSource[];
  mediaType: string;
  artifactType: string | null;
  sizeBytes: number;
  tags: string[];
  /** The image an index's attestation describes (buildx), else the manifest asked about. */
  describes: string;
};
export type ReferrersApi = "supported" | "unsupported" | "error";

// 404 from the referrers endpoint is remembered for a while: it is a property of the registry.
const UNSUPPORTED_TTL_MS = 10 * 60_000;
const referrersState = globalThis as unknown as { layerscopeReferrersUnsupportedAt?: number };

async function fromReferrersApi(repository: string, digest: string) {
  const at = referrersState.layerscopeReferrersUnsupportedAt;
  if (at !== undefined && Date.now() - at < UNSUPPORTED_TTL_MS) return { state: "unsupported" as const, items: [] };
  try {
    const index = await sharedRegistry().referrers(repository, digest);
    if (index === null || index.kind !== "index") {
      referrersState.layerscopeReferrersUnsupportedAt = Date.now();
      return { state: "unsupported" as const, items: [] };
    }
    return { state: "supported" as const, items: index.manifests };
  } catch (e) {
    // related artifacts are extra information: a registry failure here must not break the page
    logger.warn("referrers API failed", { repository, digest, error: errorMessage(e) });
    return { state: "error" as const, items: [] };
  }
}

export async function listRelatedArtifacts(caller: Caller, repository: string, reference: string): Promise<RelatedArtifacts> {
  const detail = await getManifestDetail(caller, repository, reference);
  const db = getDb();
  const digest = detail.digest;
  const found = new Map<string, RelatedArtifact>();
  const add = (item: Omit<RelatedArtifact, "sources" | "tags">, source: RelatedSource, tags: string[] = []) => {
    const seen = found.get(item.digest);
    if (seen) {
      if (!seen.sources.includes(source)) seen.sources.push(source);
      for (const t of tags) if (!seen.tags.includes(t)) seen.tags.push(t);
      if (seen.relation === "artifact") seen.relation = item.relation;
      return;
    }
    found.set(item.digest, { ...item, sources: [source], tags: [...tags] });
  };

  const repo = await db.repository.findUnique({ where: { name: repository }, select: { id: true } });
  const [api, subjectRows, cosignRows, attestationRows] = await Promise.all([
    fromReferrersApi(repository, digest),
    repo
      ? db.manifest.findMany({
          where: { subjectDigest: digest, tags: { some: { repositoryId: repo.id } } },
          include: { tags: { where: { repositoryId: repo.id }, select: { name: true } }, layers: { select: { mediaType: true } } },
        })
      : [],
    repo
      ? db.tag.findMany({
          where: { repositoryId: repo.id, name: { in: cosignTagsFor(digest) } },
          include: { manifest: { include: { layers: { select: { mediaType: true } }, children: true } } },
        })
      : [],
    // buildx: attestation manifests sit in the index next to the image, pointing at it by annotation
    db.$queryRaw<{ child_digest: string; media_type: string; size_bytes: bigint; refers_to: string | null }[]>`
      SELECT child_digest, media_type, size_bytes, annotations->>'vnd.docker.reference.digest' AS refers_to FROM index_children
      WHERE attestation AND (annotations->>'vnd.docker.reference.digest' = ${digest} OR index_digest = ${digest})`,
  ]);

  for (const d of api.items) {
    add(
      {
        digest: d.digest,
        relation: relationOf([d.artifactType, d.mediaType]),
        mediaType: d.mediaType,
        artifactType: d.artifactType ?? null,
        sizeBytes: d.size,
        describes: digest,
      },
      "referrers-api",
    );
  }
  for (const m of subjectRows) {
    add(
      {
        digest: m.digest,
        relation: relationOf([m.artifactType, m.configMediaType, ...m.layers.map((l) => l.mediaType)]),
        mediaType: m.mediaType,
        artifactType: m.artifactType,
        sizeBytes: Number(m.sizeBytes),
        describes: digest,
      },
      "subject",
      m.tags.map((t) => t.name),
    );
  }
  for (const t of cosignRows) {
    const parsed = parseCosignTag(t.name);
    const m = t.manifest;
    const relation = parsed?.relation ?? relationOf([m.artifactType, m.configMediaType, ...m.layers.map((l) => l.mediaType)]);
    add(
      {
        digest: m.digest,
        relation,
        mediaType: m.mediaType,
        artifactType: m.artifactType,
        sizeBytes: Number(m.sizeBytes),
        describes: digest,
      },
      "cosign-tag",
      [t.name],
    );
  }
  for (const a of attestationRows) {
    add(
      {
        digest: a.child_digest,
        relation: "attestation",
        mediaType: a.media_type,
        artifactType: null,
        sizeBytes: Number(a.size_bytes),
        describes: a.refers_to ?? digest,
      },
      "index",
    );
  }
  const items = [...found.values()].sort((a, b) => a.relation.localeCompare(b.relation) || a.digest.localeCompare(b.digest));
  for (const i of items) i.tags.sort();
  return { digest, referrersApi: api.state, items };
}
