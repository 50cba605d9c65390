// Is every blob an image needs still in the registry? A manifest can outlive its layers (a blob deleted on
// disk, a GC with --delete-untagged, a half-restored backup): the image then looks normal in every list while
// pulls fail. Each layer and config digest the cache knows is checked once (a stat in REGISTRY_STORAGE_ROOT when
// it is mounted, else a HEAD); missing ones are rechecked at every pass (so a re-push clears them), and every
// one after a garbage collection. Pages only read the table: never a registry request per page view.
import "server-only";
import { stat } from "node:fs/promises";
import { errorMessage } from "@/lib/errors";
import type { Problem } from "../contract/images";
import { type Db, getDb } from "../db/client";
import { Prisma } from "../db/generated/client";
import { getEnv } from "../env";
import { logger } from "../log";
import { blobDataPath, resolveInRoot } from "../storage/layout";
import { sharedRegistry } from "./registry";

/** Digests checked per round trip to the database. */
const BATCH = 2000;
const HEAD_CONCURRENCY = 8;
/** Problems listed per tag, manifest or repository; the rest are counted by the layer view. */
export const PROBLEMS_LISTED = 20;

export type PresencePass = { checked: number; missing: number; errors: number };

/**
 * Checks the digests never checked and the ones found missing before (with `all`, every one: after a GC).
 * Runs in the background (after a sync, after a GC); cost is one stat or HEAD per new digest.
 */
export async function checkBlobPresence(opts: { all?: boolean } = {}): Promise<PresencePass> {
  const db = getDb();
  const pass: PresencePass = { checked: 0, missing: 0, errors: 0 };
  let after = "";
  for (;;) {
    // foreign (non-distributable) layers live elsewhere by design: never in the registry
    const rows = await db.$queryRaw<{ digest: string }[]>`
      SELECT d.digest FROM (
        SELECT ml.blob_digest AS digest FROM manifest_layers ml
          WHERE ml.media_type NOT LIKE '%foreign%' AND ml.media_type NOT LIKE '%nondistributable%'
        UNION SELECT m.config_digest FROM manifests m WHERE m.config_digest IS NOT NULL
      ) d
      LEFT JOIN blob_presence bp ON bp.digest = d.digest
      WHERE d.digest > ${after} AND (${opts.all === true} OR bp.digest IS NULL OR bp.present = false)
      ORDER BY d.digest LIMIT ${BATCH}`;
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.digest ?? after;
    const digests = rows.map((r) => r.digest);
    const results = await presenceOf(db, digests);
    const known = digests.filter((d) => results.has(d));
    pass.errors += digests.length - known.length;
    if (known.length > 0) {
      const present = known.map((d) => results.get(d) === true);
      await db.$executeRaw`
        INSERT INTO blob_presence (digest, present, checked_at)
        SELECT x.digest, x.present, now() FROM unnest(${known}::text[], ${present}::boolean[]) AS x(digest, present)
        ON CONFLICT (digest) DO UPDATE SET present = EXCLUDED.present, checked_at = EXCLUDED.checked_at`;
    }
    pass.checked += known.length;
    pass.missing += countMissing(results);
    if (rows.length < BATCH) break;
  }
  if (pass.missing > 0 || pass.errors > 0) logger.info("blob presence checked", { ...pass });
  return pass;
}

function countMissing(results: Map<string, boolean>): number {
  let missing = 0;
  for (const v of results.values()) if (!v) missing++;
  return missing;
}

/** digest → present; a digest left out could not be checked (the registry was unreachable, say). */
async function presenceOf(db: Db, digests: string[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  const root = getEnv().REGISTRY_STORAGE_ROOT;
  if (root) {
    for (const d of digests) {
      if (!d.startsWith("sha256:")) continue; // the filesystem driver only stores sha256: ask over HTTP
      try {
        out.set(d, (await stat(resolveInRoot(root, blobDataPath(d)))).isFile());
      } catch (e) {
        const code = (e as NodeJS.ErrnoException | null)?.code;
        if (code === "ENOENT" || code === "ENOTDIR") out.set(d, false);
      }
    }
  }
  const rest = digests.filter((d) => !out.has(d));
  if (rest.length === 0) return out;
  // a HEAD needs a repository: any one whose tags reach the blob
  const homes = await db.$queryRaw<{ blob: string; repository: string }[]>`
    WITH RECURSIVE up(blob, digest) AS (
      SELECT ml.blob_digest, ml.manifest_digest FROM manifest_layers ml WHERE ml.blob_digest = ANY(${rest}::text[])
      UNION SELECT m.config_digest, m.digest FROM manifests m WHERE m.config_digest = ANY(${rest}::text[])
      UNION SELECT up.blob, ic.index_digest FROM up JOIN index_children ic ON ic.child_digest = up.digest
    )
    SELECT DISTINCT ON (up.blob) up.blob, r.name AS repository
    FROM up JOIN tags t ON t.digest = up.digest JOIN repositories r ON r.id = t.repository_id
    ORDER BY up.blob, r.name`;
  const registry = sharedRegistry();
  let next = 0;
  const worker = async () => {
    while (next < homes.length) {
      const home = homes[next++];
      if (!home) continue;
      try {
        out.set(home.blob, await registry.headBlob(home.repository, home.blob));
      } catch (e) {
        logger.debug("blob presence: HEAD failed", { digest: home.blob, error: errorMessage(e) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(HEAD_CONCURRENCY, homes.length) }, worker));
  return out;
}

/**
 * `up(blob, digest)`: each missing blob, paired with every manifest that needs it, directly (layer or config)
 * or through an index's children. Starts from the (few) missing blobs, so it costs nothing while all are present.
 */
const MISSING_UPWARDS = Prisma.sql`WITH RECURSIVE missing AS (SELECT digest FROM blob_presence WHERE present = false),
    up(blob, digest) AS (
      SELECT ml.blob_digest, ml.manifest_digest FROM manifest_layers ml JOIN missing x ON x.digest = ml.blob_digest
      UNION SELECT m.config_digest, m.digest FROM manifests m JOIN missing x ON x.digest = m.config_digest
      UNION SELECT up.blob, ic.index_digest FROM up JOIN index_children ic ON ic.child_digest = up.digest
    )`;

function toProblems(blobs: readonly string[]): Problem[] {
  return blobs.slice(0, PROBLEMS_LISTED).map((digest) => ({ code: "blob_missing" as const, digest }));
}

/**
 * Per manifest digest (an image, or an index through its children): the blobs it needs that the registry no
 * longer has.
 */
export async function manifestProblems(db: Db, digests: readonly string[]): Promise<Map<string, Problem[]>> {
  const out = new Map<string, Problem[]>();
  if (digests.length === 0) return out;
  const rows = await db.$queryRaw<{ digest: string; blobs: string[] }[]>`
    ${MISSING_UPWARDS}
    SELECT digest, array_agg(DISTINCT blob ORDER BY blob) AS blobs FROM up
    WHERE digest = ANY(${digests as string[]}::text[]) GROUP BY digest`;
  for (const r of rows) out.set(r.digest, toProblems(r.blobs));
  return out;
}

/** Per repository name: the missing blobs any of its tags need. */
export async function repositoryProblems(db: Db, names: readonly string[]): Promise<Map<string, Problem[]>> {
  const out = new Map<string, Problem[]>();
  if (names.length === 0) return out;
  const rows = await db.$queryRaw<{ name: string; blobs: string[] }[]>`
    ${MISSING_UPWARDS}
    SELECT r.name, array_agg(DISTINCT up.blob ORDER BY up.blob) AS blobs
    FROM up JOIN tags t ON t.digest = up.digest JOIN repositories r ON r.id = t.repository_id
    WHERE r.name = ANY(${names as string[]}::text[]) GROUP BY r.name`;
  for (const r of rows) out.set(r.name, toProblems(r.blobs));
  return out;
}
