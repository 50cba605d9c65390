// A manifest's page: the manifest, its config and layers, the tags on it, its related artifacts and problems.
import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import { type ManifestDetail, type Relation, relation as relationSchema } from "../contract/images";
import { getDb } from "../db/client";
import { parseHelmChartConfig } from "../oci/config";
import { HELM_CHART_CONFIG } from "../oci/media-types";
import { InvalidReferenceError, parseReference } from "../oci/reference";
import { relationOf } from "../oci/related";
import { artifactContents, NO_RELATED, relatedCountsOf } from "./artifacts";
import { manifestProblems } from "./blob-presence";
import { configSummary, loadManifestViews } from "./manifest-view";
import { readThroughManifest } from "./read-through";

import { assertRepository } from "./repositories";

function parseRef(reference: string) {
  try {
    return parseReference(reference);
  } catch (e) {
    throw new AppError(
      "bad_request",
      e instanceof InvalidReferenceError ? e.message : `"${reference.slice(0, 200)}" is not a valid tag or digest`,
    );
  }
}

/** Tags listed on a manifest's page. */
const MANIFEST_TAGS_LISTED = 1000;

export async function getManifestDetail(caller: Caller, repository: string, reference: string): Promise<ManifestDetail> {
  authorize(caller, "repository:read", repository);
  assertRepository(repository);
  const ref = parseRef(reference);
  const db = getDb();
  const repo = await db.repository.findUnique({ where: { name: repository } });
  let digest: string | null = null;
  if (ref.kind === "digest") digest = ref.digest;
  else if (repo)
    digest = (await db.tag.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: ref.tag } } }))?.digest ?? null;

  let manifest = digest ? await db.manifest.findUnique({ where: { digest } }) : null;
  if (!manifest) {
    // not cached yet: read through to the registry (stores it, so the next read is local)
    digest = await readThroughManifest(repository, reference);
    manifest = await db.manifest.findUniqueOrThrow({ where: { digest } });
  }

  const [views, children, layers, tagRows, config] = await Promise.all([
    loadManifestViews(db, [manifest.digest]),
    db.indexChild.findMany({ where: { indexDigest: manifest.digest }, orderBy: { position: "asc" } }),
    db.manifestLayer.findMany({ where: { manifestDigest: manifest.digest }, orderBy: { position: "asc" } }),
    repo
      ? // natural order from the index; a digest may carry 100,000 tags, the page lists the first thousand
        db.tag.findMany({
          where: { repositoryId: repo.id, digest: manifest.digest },
          select: { name: true },
          orderBy: { naturalKey: "asc" },
          take: MANIFEST_TAGS_LISTED,
        })
      : [],
    manifest.configDigest ? db.imageConfig.findUnique({ where: { digest: manifest.configDigest } }) : null,
  ]);
  const helm = config && manifest.configMediaType === HELM_CHART_CONFIG ? safeHelmChart(config.raw) : null;
  const relatedTo = await relatedToOf(repo?.id ?? null, ref.kind === "tag" ? ref.tag : null, manifest, layers);
  const [related, artifactContent] = await Promise.all([
    repo ? relatedCountsOf(db, repo, [manifest.digest]).then((m) => m.get(manifest.digest) ?? NO_RELATED) : NO_RELATED,
    relatedTo ? artifactContents(db, repository, manifest.digest, relatedTo, layers) : [],
  ]);
  const view = views.get(manifest.digest);
  const problems = (await manifestProblems(db, [manifest.digest])).get(manifest.digest) ?? [];
  const attestations = children
    .filter((c) => c.attestation)
    .map((c) => ({
      digest: c.childDigest,
      sizeBytes: Number(c.sizeBytes),
      refersTo: annotationString(c.annotations, "vnd.docker.reference.digest"),
    }));
  return {
    repository,
    reference,
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    kind: manifest.kind as ManifestDetail["kind"],
    sizeBytes: Number(manifest.sizeBytes),
    createdAt: view?.createdAt ?? null,
    tags: tagRows.map((t) => t.name),
    platforms: view?.platforms ?? [],
    attestations,
    config:
      config && manifest.kind === "image" && manifest.configMediaType
        ? safeConfigSummary(config.digest, manifest.configMediaType, config.raw)
        : null,
    helmChart: helm,
    layers: layers.map((l) => ({
      digest: l.blobDigest,
      mediaType: l.mediaType,
      sizeBytes: Number(l.sizeBytes),
      title: annotationString(l.annotations, "org.opencontainers.image.title"),
    })),
    artifactType: manifest.artifactType,
    subject: manifest.subjectDigest,
    annotations: stringRecord(manifest.annotations),
    configMediaType: manifest.configMediaType,
    relatedTo,
    related,
    artifactContents: artifactContent,
    problems,
  };
}

/**
 * What a manifest describes: the tag it was opened by (cosign's `sha256-<hex>.sig` names its subject), else
 * any artifact tag of it in the repository, else its own `subject` field.
 */
async function relatedToOf(
  repositoryId: number | null,
  tag: string | null,
  manifest: { digest: string; subjectDigest: string | null; artifactType: string | null; configMediaType: string | null },
  layers: readonly { mediaType: string }[],
): Promise<{ digest: string; relation: Relation } | null> {
  if (repositoryId !== null) {
    const row = await getDb().tag.findFirst({
      where: { repositoryId, digest: manifest.digest, relatedTo: { not: null }, ...(tag ? { name: tag } : {}) },
      select: { relatedTo: true, relation: true },
    });
    if (row?.relatedTo && row.relation) return { digest: row.relatedTo, relation: relationSchema.parse(row.relation) };
  }
  if (!manifest.subjectDigest) return null;
  const relation = relationOf([manifest.artifactType, manifest.configMediaType, ...layers.map((l) => l.mediaType)]);
  return { digest: manifest.subjectDigest, relation };
}

function safeConfigSummary(digest: string, mediaType: string, raw: string) {
  try {
    return configSummary(digest, mediaType, raw);
  } catch {
    return null; // a config that no longer parses is shown as absent rather than failing the page
  }
}

function safeHelmChart(raw: string) {
  try {
    return parseHelmChartConfig(raw);
  } catch {
    return null;
  }
}

function annotationString(annotations: unknown, key: string): string | null {
  const v = stringRecord(annotations)[key];
  return v ?? null;
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
}
