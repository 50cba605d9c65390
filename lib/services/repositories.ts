import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { Relation } from "../contract/images";
import { NAMESPACE_PAGE, type NamespaceList, type NamespaceListQuery } from "../contract/namespaces";
import {
  type RepositoryList,
  type RepositoryListQuery,
  SHARED_LISTED,
  type TagItem,
  type TagList,
  type TagListQuery,
} from "../contract/repositories";
import { getDb } from "../db/client";
import { Prisma } from "../db/generated/client";
import { isValidRepositoryName } from "../oci/reference";
import { NO_RELATED, relatedCountsOf } from "./artifacts";
import { manifestProblems, repositoryProblems } from "./blob-presence";
import { decodeTagCursor, encodeTagCursor, type TagCursor } from "./cursor";
import { loadManifestViews } from "./manifest-view";
import { readThroughRepository } from "./read-through";

export function assertRepository(name: string): void {
  if (!isValidRepositoryName(name)) {
    throw new AppError(
      "bad_request",
      `"${name.slice(0, 300)}" is not a valid repository name (distribution grammar: lowercase path components separated by "/")`,
    );
  }
}

/** `%`, `_` and `\` match themselves in a name filter. */
const likePattern = (needle: string) => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

type RepositoryRow = { name: string; tag_count: number; size_bytes: bigint; updated_at: Date | null };

const repositoryColumn: Record<Exclude<RepositoryListQuery["sort"], "name">, Prisma.Sql> = {
  updated: Prisma.raw("r.updated_at"),
  size: Prisma.raw("r.size_bytes"),
  tags: Prisma.raw("r.tag_count"),
};

/**
 * One page of repositories as a keyset scan of the (column, name) index behind the order, at
 * 20,000+ repositories as at ten. Ties break by name in the same direction; repositories never
 * updated sort last either way.
 */
async function repositoryPage(q: RepositoryListQuery, order: "asc" | "desc", after: TagCursor | null): Promise<RepositoryRow[]> {
  const db = getDb();
  const take = q.limit + 1;
  const dir = order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const cmp = order === "asc" ? Prisma.sql`>` : Prisma.sql`<`;
  const namespace = q.namespace?.replace(/\/+$/, "");
  const select = Prisma.sql`SELECT r.name, r.tag_count, r.size_bytes, r.updated_at FROM repositories r WHERE TRUE
    ${q.q ? Prisma.sql`AND r.name ILIKE ${likePattern(q.q.toLowerCase())}` : Prisma.empty}
    ${namespace ? Prisma.sql`AND starts_with(r.name, ${`${namespace}/`})` : Prisma.empty}`;
  if (q.sort === "name") {
    return db.$queryRaw<RepositoryRow[]>`${select} ${after ? Prisma.sql`AND r.name ${cmp} ${after.name}` : Prisma.empty}
      ORDER BY r.name ${dir} LIMIT ${take}`;
  }
  const column = repositoryColumn[q.sort];
  if (q.sort !== "updated") {
    return db.$queryRaw<RepositoryRow[]>`${select}
      ${after ? Prisma.sql`AND (${column}, r.name) ${cmp} (${after.value ?? "0"}::bigint, ${after.name})` : Prisma.empty}
      ORDER BY ${column} ${dir}, r.name ${dir} LIMIT ${take}`;
  }
  const dated =
    after?.value === null
      ? []
      : await db.$queryRaw<RepositoryRow[]>`${select} AND r.updated_at IS NOT NULL
          ${after ? Prisma.sql`AND (r.updated_at, r.name) ${cmp} (${after.value}::timestamp, ${after.name})` : Prisma.empty}
          ORDER BY r.updated_at ${dir}, r.name ${dir} LIMIT ${take}`;
  if (dated.length === take) return dated;
  const undated = await db.$queryRaw<RepositoryRow[]>`${select} AND r.updated_at IS NULL
    ${after?.value === null ? Prisma.sql`AND r.name ${cmp} ${after.name}` : Prisma.empty}
    ORDER BY r.name ${dir} LIMIT ${take - dated.length}`;
  return [...dated, ...undated];
}

function repositoryCursor(row: RepositoryRow, sort: RepositoryListQuery["sort"]): TagCursor {
  const value = { name: null, updated: row.updated_at?.toISOString() ?? null, size: String(row.size_bytes), tags: String(row.tag_count) }[
    sort
  ];
  return { name: row.name, value };
}

export async function listRepositories(caller: Caller, q: RepositoryListQuery): Promise<RepositoryList> {
  authorize(caller, "repository:read");
  const db = getDb();
  const order = q.order ?? (q.sort === "name" ? "asc" : "desc");
  const namespace = q.namespace?.replace(/\/+$/, "");
  const [rows, total] = await Promise.all([
    repositoryPage(q, order, decodeTagCursor(q.cursor)),
    db.repository.count({
      where: {
        AND: [
          q.q ? { name: { contains: q.q.toLowerCase(), mode: "insensitive" } } : {},
          namespace ? { name: { startsWith: `${namespace}/` } } : {},
        ],
      },
    }),
  ]);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const problems = await repositoryProblems(
    db,
    page.map((r) => r.name),
  );
  return {
    items: page.map((r) => ({
      name: r.name,
      tagCount: r.tag_count,
      sizeBytes: Number(r.size_bytes),
      updatedAt: r.updated_at?.toISOString() ?? null,
      problems: problems.get(r.name) ?? [],
    })),
    nextCursor: rows.length > q.limit && last ? encodeTagCursor(repositoryCursor(last, q.sort)) : null,
    total,
  };
}

/**
 * The direct children of a namespace, one row per next path segment with its repository count, in
 * keyset pages: an index range of the `namespaces` table that triggers keep (never a scan of every
 * repository name, whatever the registry's size).
 */
export async function listNamespaces(caller: Caller, q: NamespaceListQuery): Promise<NamespaceList> {
  authorize(caller, "repository:read");
  const clean = q.prefix.replace(/^\/+|\/+$/g, "");
  if (clean && !isValidRepositoryName(clean)) throw new AppError("bad_request", `"${clean.slice(0, 300)}" is not a valid namespace`);
  const limit = q.limit ?? NAMESPACE_PAGE;
  const db = getDb();
  const [rows, total] = await Promise.all([
    db.namespace.findMany({
      where: { parent: clean, ...(q.cursor ? { path: { gt: q.cursor } } : {}) },
      select: { path: true, repositoryCount: true, isRepository: true },
      orderBy: { path: "asc" },
      take: limit + 1,
    }),
    clean
      ? db.namespace.findUnique({ where: { path: clean }, select: { repositoryCount: true } })
      : db.repository.count().then((n) => ({ repositoryCount: n })),
  ]);
  const items = rows.slice(0, limit);
  return {
    prefix: clean,
    repositoryCount: total?.repositoryCount ?? 0,
    items,
    nextCursor: rows.length > limit ? (items[items.length - 1]?.path ?? null) : null,
  };
}

async function findRepository(name: string) {
  assertRepository(name);
  const db = getDb();
  let repo = await db.repository.findUnique({ where: { name } });
  // pushed since the last sync: read it through, as a manifest URL would
  if (!repo && (await readThroughRepository(name))) repo = await db.repository.findUnique({ where: { name } });
  if (!repo) throw new AppError("not_found", `repository "${name}" is not in the registry (or not synced yet)`);
  return repo;
}

type TagRow = {
  name: string;
  digest: string;
  created_at: Date | null;
  size_bytes: bigint | null;
  related_to: string | null;
  relation: Relation | null;
};

/** Signature, attestation and SBOM rows are listed under their subject unless asked for as rows. */
const artifactFilter = (q: TagListQuery) => (q.artifacts === "rows" ? Prisma.empty : Prisma.sql`AND t.related_to IS NULL`);

/**
 * One page of a repository's tags in SQL, whatever the repository's size: a keyset scan of the
 * index behind the order (tags' stored sort keys, see prisma/migrations/*_tag_sort_keys), never a
 * count or sort of every tag. Undated images sort last in either direction.
 */
async function tagPage(repositoryId: number, q: TagListQuery, order: "asc" | "desc", after: TagCursor | null): Promise<TagRow[]> {
  const db = getDb();
  const take = q.limit + 1;
  const dir = order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const cmp = order === "asc" ? Prisma.sql`>` : Prisma.sql`<`;
  const filter = Prisma.sql`${q.q ? Prisma.sql`AND t.name ILIKE ${likePattern(q.q.toLowerCase())}` : Prisma.empty} ${artifactFilter(q)}`;
  const natural = (name: string) => Prisma.sql`convert_to(layerscope_natural_text(${name}), 'UTF8')`;
  const select = Prisma.sql`SELECT t.name, t.digest, t.created_at, t.size_bytes, t.related_to, t.relation FROM tags t WHERE t.repository_id = ${repositoryId} ${filter}`;
  switch (q.sort) {
    case "semver":
      return db.$queryRaw<TagRow[]>`${select}
        ${after ? Prisma.sql`AND t.version_key ${cmp} layerscope_version_order(${after.name}, ${after.value}::timestamp)` : Prisma.empty}
        ORDER BY t.version_key ${dir} LIMIT ${take}`;
    case "name":
      return db.$queryRaw<TagRow[]>`${select}
        ${after ? Prisma.sql`AND t.natural_key ${cmp} ${natural(after.name)}` : Prisma.empty}
        ORDER BY t.natural_key ${dir} LIMIT ${take}`;
    case "size":
      return db.$queryRaw<TagRow[]>`${select}
        ${after ? Prisma.sql`AND (t.size_bytes, t.natural_key) ${cmp} (${after.value ?? "0"}::bigint, ${natural(after.name)})` : Prisma.empty}
        ORDER BY t.size_bytes ${dir}, t.natural_key ${dir} LIMIT ${take}`;
    case "created": {
      // dated tags first (from the cursor on), then the undated ones in name order
      const dated =
        after?.value === null
          ? []
          : await db.$queryRaw<TagRow[]>`${select} AND t.created_at IS NOT NULL
              ${after ? Prisma.sql`AND (t.created_at, t.natural_key) ${cmp} (${after.value}::timestamp, ${natural(after.name)})` : Prisma.empty}
              ORDER BY t.created_at ${dir}, t.natural_key ${dir} LIMIT ${take}`;
      if (dated.length === take) return dated;
      const undated = await db.$queryRaw<TagRow[]>`${select} AND t.created_at IS NULL
        ${after?.value === null ? Prisma.sql`AND t.natural_key ${cmp} ${natural(after.name)}` : Prisma.empty}
        ORDER BY t.natural_key ${dir} LIMIT ${take - dated.length}`;
      return [...dated, ...undated];
    }
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function cursorAfter(row: TagRow, sort: TagListQuery["sort"]): TagCursor {
  if (sort === "size") return { name: row.name, value: String(row.size_bytes ?? 0n) };
  // the version order places non-version tags by creation time: the cursor carries it
  if (sort === "created" || sort === "semver") return { name: row.name, value: row.created_at?.toISOString() ?? null };
  return { name: row.name, value: null };
}

export async function listTags(caller: Caller, repository: string, q: TagListQuery): Promise<TagList> {
  authorize(caller, "repository:read", repository);
  const repo = await findRepository(repository);
  const db = getDb();
  // Default orders put what people look for first: newest version, newest build, biggest image.
  const order = q.order ?? (q.sort === "name" ? "asc" : "desc");
  const after = decodeTagCursor(q.cursor);
  // a creation time in the cursor reaches SQL as a timestamp: anything else is a forged cursor
  const forged =
    after?.value &&
    (q.sort === "created" || q.sort === "semver" ? !ISO_TIME.test(after.value) : q.sort === "size" && !/^\d{1,19}$/.test(after.value));
  if (forged) {
    throw new AppError("bad_request", "cursor is not valid: use the nextCursor value of a previous page");
  }
  const rows = await tagPage(repo.id, q, order, after);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const digests = [...new Set(page.map((t) => t.digest))];
  const [views, siblings, total, related, problems] = await Promise.all([
    loadManifestViews(db, digests),
    // tags sharing each digest: how many, and the first ones in natural order (a digest can carry thousands)
    digests.length === 0
      ? []
      : db.$queryRaw<{ digest: string; count: bigint; names: string[] }[]>`
          SELECT d.digest,
                 -- kept with the repository's aggregates; counted here only while a sync has not stored it yet
                 COALESCE(
                   (SELECT rd.tag_count::bigint FROM repository_digests rd WHERE rd.repository_id = ${repo.id} AND rd.digest = d.digest),
                   (SELECT COUNT(*) FROM tags s WHERE s.repository_id = ${repo.id} AND s.digest = d.digest)
                 ) AS count,
                 ARRAY(SELECT s.name FROM tags s WHERE s.repository_id = ${repo.id} AND s.digest = d.digest
                       ORDER BY s.natural_key LIMIT ${SHARED_LISTED + 1}) AS names
          FROM unnest(${digests}::text[]) AS d(digest)`,
    q.q
      ? db.$queryRaw<{ count: bigint }[]>`
          SELECT COUNT(*) AS count FROM tags t WHERE t.repository_id = ${repo.id} AND t.name ILIKE ${likePattern(q.q.toLowerCase())}
          ${artifactFilter(q)}`.then((r) => Number(r[0]?.count ?? 0n))
      : q.artifacts === "rows"
        ? Promise.resolve(repo.tagCount)
        : // the artifact rows hidden from the list: an index scan of (repository_id, related_to)
          db.$queryRaw<{ count: bigint }[]>`
            SELECT COUNT(*) AS count FROM tags t WHERE t.repository_id = ${repo.id} AND t.related_to IS NOT NULL`.then((r) =>
            Math.max(0, repo.tagCount - Number(r[0]?.count ?? 0n)),
          ),
    relatedCountsOf(db, repo, digests),
    manifestProblems(db, digests),
  ]);
  const byDigest = new Map(siblings.map((s) => [s.digest, s]));
  const items: TagItem[] = page.map((t) => {
    const v = views.get(t.digest);
    const shared = byDigest.get(t.digest);
    return {
      name: t.name,
      digest: t.digest,
      mediaType: v?.mediaType ?? "",
      kind: v?.kind ?? "image",
      sizeBytes: v?.sizeBytes ?? 0,
      createdAt: v?.createdAt ?? null,
      platforms: v?.platforms ?? [],
      sharedCount: Number(shared?.count ?? 1n) - 1,
      sharedWith: firstOthers(shared?.names ?? [], t.name),
      problems: problems.get(t.digest) ?? [],
      configMediaType: v?.configMediaType ?? null,
      relatedTo: t.related_to && t.relation ? { digest: t.related_to, relation: t.relation } : null,
      related: related.get(t.digest) ?? NO_RELATED,
    };
  });
  return {
    repository: {
      name: repo.name,
      tagCount: repo.tagCount,
      sizeBytes: Number(repo.sizeBytes),
      updatedAt: repo.updatedAt?.toISOString() ?? null,
      // a BigInt counter, sent as a decimal string (JSON numbers stop being exact at 2^53)
      tagsVersion: repo.tagsVersion.toString(),
    },
    items,
    nextCursor: rows.length > q.limit && last ? encodeTagCursor(cursorAfter(last, q.sort)) : null,
    total,
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
