import "server-only";
import type { Caller } from "../auth/caller";
import { getDb } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { AppError } from "../http/errors";
import { parseHelmChartConfig } from "../oci/config";
import { HELM_CHART_CONFIG } from "../oci/media-types";
import { InvalidReferenceError, isValidRepositoryName, parseReference } from "../oci/reference";
import { compareNatural, compareTagsSemver } from "../oci/tag-sort";
import {
  type ManifestDetail,
  type NamespaceList,
  type RepositoryList,
  type RepositoryListQuery,
  SHARED_LISTED,
  type TagItem,
  type TagList,
  type TagListQuery,
} from "./api-types";
import { decodeCursor, nextCursorFor } from "./cursor";
import { configSummary, loadManifestViews } from "./manifest-view";
import { authorize } from "./permissions";
import { readThroughManifest } from "./read-through";

export function assertRepository(name: string): void {
  if (!isValidRepositoryName(name)) {
    throw new AppError(
      "bad_request",
      `"${name.slice(0, 300)}" is not a valid repository name (distribution grammar: lowercase path components separated by "/")`,
    );
  }
}

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

const repositoryOrder: Record<RepositoryListQuery["sort"], (o: "asc" | "desc") => Prisma.RepositoryOrderByWithRelationInput[]> = {
  name: (o) => [{ name: o }],
  updated: (o) => [{ updatedAt: { sort: o, nulls: "last" } }, { name: "asc" }],
  size: (o) => [{ sizeBytes: o }, { name: "asc" }],
  tags: (o) => [{ tagCount: o }, { name: "asc" }],
};

export async function listRepositories(caller: Caller, q: RepositoryListQuery): Promise<RepositoryList> {
  authorize(caller, "repository:read");
  const db = getDb();
  const where: Prisma.RepositoryWhereInput = {
    AND: [
      q.q ? { name: { contains: q.q.toLowerCase() } } : {},
      q.namespace ? { name: { startsWith: `${q.namespace.replace(/\/+$/, "")}/` } } : {},
    ],
  };
  const order = q.order ?? (q.sort === "name" ? "asc" : "desc");
  const offset = decodeCursor(q.cursor);
  const [total, rows] = await Promise.all([
    db.repository.count({ where }),
    db.repository.findMany({ where, orderBy: repositoryOrder[q.sort](order), skip: offset, take: q.limit }),
  ]);
  return {
    items: rows.map((r) => ({
      name: r.name,
      tagCount: r.tagCount,
      sizeBytes: Number(r.sizeBytes),
      updatedAt: r.updatedAt?.toISOString() ?? null,
    })),
    nextCursor: nextCursorFor(offset, rows.length, total),
    total,
  };
}

/** The direct children of a namespace: one row per next path segment, with repository counts. */
export async function listNamespaces(caller: Caller, prefix: string): Promise<NamespaceList> {
  authorize(caller, "repository:read");
  const clean = prefix.replace(/^\/+|\/+$/g, "");
  if (clean && !isValidRepositoryName(clean)) throw new AppError("bad_request", `"${clean.slice(0, 300)}" is not a valid namespace`);
  const base = clean ? `${clean}/` : "";
  const rows = await getDb().$queryRaw<{ segment: string; count: bigint; is_repository: boolean }[]>`
    SELECT split_part(substr(name, ${base.length + 1}), '/', 1) AS segment,
           COUNT(*) AS count,
           BOOL_OR(strpos(substr(name, ${base.length + 1}), '/') = 0) AS is_repository
    FROM repositories
    WHERE starts_with(name, ${base})
    GROUP BY 1
    ORDER BY 1`;
  return {
    prefix: clean,
    items: rows.map((r) => ({ path: base + r.segment, repositoryCount: Number(r.count), isRepository: r.is_repository })),
  };
}

async function findRepository(name: string) {
  assertRepository(name);
  const repo = await getDb().repository.findUnique({ where: { name } });
  if (!repo) throw new AppError("not_found", `repository "${name}" is not in the registry (or not synced yet)`);
  return repo;
}

const tagComparators: Record<TagListQuery["sort"], (a: TagItem, b: TagItem) => number> = {
  name: (a, b) => compareNatural(a.name, b.name),
  semver: (a, b) => compareTagsSemver(a.name, b.name),
  created: (a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || compareNatural(a.name, b.name),
  size: (a, b) => a.sizeBytes - b.sizeBytes || compareNatural(a.name, b.name),
};

export async function listTags(caller: Caller, repository: string, q: TagListQuery): Promise<TagList> {
  authorize(caller, "repository:read", repository);
  const repo = await findRepository(repository);
  const db = getDb();
  const tags = await db.tag.findMany({ where: { repositoryId: repo.id }, select: { name: true, digest: true } });
  const views = await loadManifestViews(
    db,
    tags.map((t) => t.digest),
  );
  // siblings per digest, sorted once (a digest can carry thousands of tags)
  const byDigest = new Map<string, string[]>();
  for (const t of tags) {
    const names = byDigest.get(t.digest);
    if (names) names.push(t.name);
    else byDigest.set(t.digest, [t.name]);
  }
  for (const names of byDigest.values()) names.sort(compareNatural);

  const needle = q.q?.toLowerCase();
  let items: TagItem[] = tags
    .filter((t) => !needle || t.name.toLowerCase().includes(needle))
    .map((t) => {
      const v = views.get(t.digest);
      return {
        name: t.name,
        digest: t.digest,
        mediaType: v?.mediaType ?? "",
        kind: v?.kind ?? "image",
        sizeBytes: v?.sizeBytes ?? 0,
        createdAt: v?.createdAt ?? null,
        platforms: v?.platforms ?? [],
        sharedCount: (byDigest.get(t.digest)?.length ?? 1) - 1,
        sharedWith: firstOthers(byDigest.get(t.digest) ?? [], t.name),
      };
    });
  // Default orders put what people look for first: newest version, newest build, biggest image.
  const order = q.order ?? (q.sort === "name" ? "asc" : "desc");
  const cmp = tagComparators[q.sort];
  items.sort((a, b) => {
    // undated images sort last whichever the direction
    if (q.sort === "created" && (a.createdAt === null) !== (b.createdAt === null)) return a.createdAt === null ? 1 : -1;
    return order === "asc" ? cmp(a, b) : cmp(b, a);
  });
  const total = items.length;
  const offset = decodeCursor(q.cursor);
  items = items.slice(offset, offset + q.limit);
  return {
    repository: {
      name: repo.name,
      tagCount: repo.tagCount,
      sizeBytes: Number(repo.sizeBytes),
      updatedAt: repo.updatedAt?.toISOString() ?? null,
    },
    items,
    nextCursor: nextCursorFor(offset, items.length, total),
    total,
  };
}

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
    repo ? db.tag.findMany({ where: { repositoryId: repo.id, digest: manifest.digest }, select: { name: true } }) : [],
    manifest.configDigest ? db.imageConfig.findUnique({ where: { digest: manifest.configDigest } }) : null,
  ]);
  const helm = config && manifest.configMediaType === HELM_CHART_CONFIG ? safeHelmChart(config.raw) : null;
  const view = views.get(manifest.digest);
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
    tags: tagRows.map((t) => t.name).sort(compareNatural),
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
  };
}

function firstOthers(sortedNames: readonly string[], self: string): string[] {
  const out: string[] = [];
  for (const n of sortedNames) {
    if (n === self) continue;
    out.push(n);
    if (out.length === SHARED_LISTED) break;
  }
  return out;
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
