// Applies prisma/migrations at start-up with plain `pg`, keeping the `_prisma_migrations` table exactly
// as Prisma Migrate does, so `prisma migrate status`/`deploy` read the same history. Used by the
// launcher (tsx) and the tests, so this file must not import "server-only".
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/** The advisory lock key `prisma migrate` takes: app instances and the Prisma CLI exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;
const LOCK_TIMEOUT = "10min";

// Prisma's own DDL (sql-schema-connector, Postgres flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationOnDisk {
  /** The folder name, e.g. `20261128175000_init`. */
  name: string;
  sql: string;
  /** sha256 hex of migration.sql, as Prisma stores it. */
  checksum: string;
}

export interface ApplyMigrationsOptions {
  /** Defaults to `prisma/migrations` under process.cwd(). */
  migrationsDir?: string;
  log?: (msg: string) => void;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/**
 * Prisma's rule: a recorded checksum matches the script as is or with its line endings converted
 * (a checkout on Windows), and checksums shorter than 64 characters were written by old Prisma
 * versions without zero padding.
 */
export function checksumMatches(sql: string, recorded: string): boolean {
  const variants = [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\n", "\r\n")];
  return variants.some((script) => {
    const digest = createHash("sha256").update(script, "utf8").digest();
    const formatted =
      recorded.length !== 0 && recorded.length !== 64 ? Array.from(digest, (b) => b.toString(16)).join("") : digest.toString("hex");
    return formatted === recorded;
  });
}

/** The migration folders in the order Prisma applies them (it sorts with localeCompare). */
export async function readMigrations(migrationsDir: string): Promise<MigrationOnDisk[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((e: unknown) => {
    throw new MigrationError(`cannot read the migrations folder ${migrationsDir}: ${(e as Error).message}`);
  });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  const migrations: MigrationOnDisk[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, "migration.sql");
    let sql: string;
    try {
      sql = await readFile(file, "utf8");
    } catch {
      throw new MigrationError(`migration ${name} has no migration.sql (${file})`);
    }
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
}

/**
 * Applies every migration folder not yet recorded as applied, each in its own transaction, in name
 * order, under an advisory lock so that instances starting together migrate once. Refuses to run
 * when an applied migration's migration.sql changed or when a migration is recorded as failed.
 */
export async function applyMigrations(connectionString: string, opts: ApplyMigrationsOptions = {}): Promise<{ applied: string[] }> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const migrationsDir = opts.migrationsDir ?? defaultMigrationsDir();
  const migrations = await readMigrations(migrationsDir);

  const client = new pg.Client({ connectionString, application_name: "layerscope-migrate" });
  await client.connect();
  try {
    await lock(client, log);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<MigrationRow>(
        "SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at FROM _prisma_migrations ORDER BY started_at, migration_name",
      );
      const pending = planMigrations(migrations, rows, log);
      const applied: string[] = [];
      for (const migration of pending) {
        await applyOne(client, migration);
        applied.push(migration.name);
      }
      return { applied };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function lock(client: pg.Client, log: (msg: string) => void): Promise<void> {
  const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [MIGRATION_LOCK_KEY]);
  if (rows[0]?.ok) return;
  log(`waiting for another process to finish migrating (advisory lock ${MIGRATION_LOCK_KEY})`);
  await client.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  } catch (e) {
    throw new MigrationError(`gave up waiting ${LOCK_TIMEOUT} for the migration lock: ${(e as Error).message}`);
  }
  await client.query("RESET lock_timeout");
}

function planMigrations(migrations: MigrationOnDisk[], rows: MigrationRow[], log: (msg: string) => void): MigrationOnDisk[] {
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    const details = failed.map((r) => `  ${r.migration_name}${r.logs ? `: ${r.logs.trim().split("\n")[0]}` : ""}`).join("\n");
    throw new MigrationError(
      `the database records failed migrations:\n${details}\nRepair the database, then mark each one with \`prisma migrate resolve --rolled-back <name>\` (to retry it) or \`--applied <name>\`.`,
    );
  }
  const applied = new Map<string, MigrationRow>();
  for (const r of rows) if (r.finished_at !== null && r.rolled_back_at === null) applied.set(r.migration_name, r);

  const byName = new Map(migrations.map((m) => [m.name, m]));
  const edited = [...applied.values()].filter((r) => {
    const m = byName.get(r.migration_name);
    return m !== undefined && !checksumMatches(m.sql, r.checksum);
  });
  if (edited.length > 0) {
    throw new MigrationError(
      `migrations were modified after they were applied (checksum differs): ${edited.map((r) => r.migration_name).join(", ")}. Restore their migration.sql and put the change in a new migration.`,
    );
  }
  const unknown = [...applied.keys()].filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    log(`the database has migrations this version does not know (a newer version ran here?): ${unknown.join(", ")}`);
  }
  return migrations.filter((m) => !applied.has(m.name));
}

async function applyOne(client: pg.Client, migration: MigrationOnDisk): Promise<void> {
  const id = randomUUID();
  await client.query("BEGIN");
  try {
    await client.query("INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ($1, $2, $3)", [
      id,
      migration.checksum,
      migration.name,
    ]);
    if (migration.sql.trim()) await client.query(migration.sql);
    await client.query("UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1", [id]);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    // Nothing is recorded: the transaction left the database as it was, so the next start retries.
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${describeError(e, migration.sql)}`);
  }
}

function describeError(e: unknown, sql: string): string {
  if (!(e instanceof Error)) return String(e);
  const position = Number.parseInt((e as { position?: string }).position ?? "", 10);
  if (!Number.isInteger(position) || position < 1) return e.message;
  const before = sql.slice(0, position - 1);
  const line = before.split("\n").length;
  const text = sql.split("\n")[line - 1]?.trim() ?? "";
  return `${e.message} (migration.sql line ${line}: ${text})`;
}
