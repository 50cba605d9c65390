import "server-only";
import pg from "pg";
import { databaseUrl, getDb } from "./client";

// Cluster-wide mutual exclusion through Postgres session advisory locks. The lock lives on a
// dedicated connection, so it is released by Postgres itself if the process dies mid-run.
export const LOCKS = { sync: 7_273_401, gc: 7_273_402, events: 7_273_403 } as const;
export type LockName = keyof typeof LOCKS;

export async function withAdvisoryLock<T>(
  name: LockName,
  fn: () => Promise<T>,
): Promise<{ acquired: true; result: T } | { acquired: false }> {
  const client = new pg.Client({ connectionString: databaseUrl(), application_name: `layerscope-lock-${name}` });
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [LOCKS[name]]);
    if (!rows[0]?.ok) return { acquired: false };
    try {
      return { acquired: true, result: await fn() };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [LOCKS[name]]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function isLockHeld(name: LockName): Promise<boolean> {
  const rows = await getDb().$queryRaw<{ held: boolean }[]>`
    SELECT EXISTS (
      SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = ${LOCKS[name]}::int::oid AND objsubid = 1 AND granted
    ) AS held`;
  return rows[0]?.held ?? false;
}
