// lib/db against a real Postgres: the embedded server's lifecycle, migrations applied the way Prisma
// Migrate records them, the migrations matching schema.prisma, and the generated client on top.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from "../../lib/db/embedded";
import { PrismaClient } from "../../lib/db/generated/client";
import { applyMigrations, migrationChecksum, readMigrations } from "../../lib/db/migrate";
import { diagnoseMigrationHistory, diffMigrationsToSchema } from "../../scripts/db-migration";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const migrationsDir = path.join(repoRoot, "prisma", "migrations");
const logs: string[] = [];
const log = (m: string) => logs.push(m);
const timings: Record<string, number> = {};

let dataDir = "";
let server: EmbeddedPostgresHandle | undefined;

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round(performance.now() - t);
  }
}

async function query<R extends pg.QueryResultRow>(connectionString: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function createDatabase(connectionString: string, name: string): Promise<string> {
  await query(connectionString, `CREATE DATABASE "${name}"`);
  const url = new URL(connectionString);
  url.pathname = `/${name}`;
  return url.toString();
}

function url(): string {
  if (!server) throw new Error("Postgres is not running");
  return server.connectionString;
}

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  console.log(`db timings (ms): ${JSON.stringify(timings)}`);
});

describe("embedded Postgres + migrations", () => {
  it("initialises and starts a Postgres in an empty data dir", async () => {
    await mkdir(path.join(repoRoot, ".tmp"), { recursive: true });
    dataDir = await mkdtemp(path.join(repoRoot, ".tmp", "db-test-"));
    server = await timed("init+start", () => startEmbeddedPostgres(dataDir, { log }));

    const [row] = await query<{ db: string; encoding: string; listen: string }>(
      url(),
      "SELECT current_database() AS db, current_setting('server_encoding') AS encoding, current_setting('listen_addresses') AS listen",
    );
    expect(row).toEqual({ db: "layerscope", encoding: "UTF8", listen: "127.0.0.1" });
    expect(existsSync(path.join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
    expect(await readFile(path.join(dataDir, "postgres.port"), "utf8")).toBe(`${new URL(url()).port}\n`);
  });

  it("applies every migration on the first run and nothing on the second", async () => {
    const onDisk = (await readMigrations(migrationsDir)).map((m) => m.name);
    expect(onDisk.length).toBeGreaterThan(0);

    const first = await timed("migrate (fresh)", () => applyMigrations(url(), { log }));
    expect(first.applied).toEqual(onDisk);
    const second = await timed("migrate (up to date)", () => applyMigrations(url(), { log }));
    expect(second.applied).toEqual([]);

    const rows = await query<{ migration_name: string; checksum: string; applied_steps_count: number; done: boolean }>(
      url(),
      "SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AND rolled_back_at IS NULL AS done FROM _prisma_migrations ORDER BY migration_name",
    );
    const expected = await Promise.all(
      onDisk.map(async (name) => ({
        migration_name: name,
        checksum: migrationChecksum(await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8")),
        applied_steps_count: 1,
        done: true,
      })),
    );
    expect(rows).toEqual(expected);
  });

  it("leaves a history Prisma Migrate reads as up to date", async () => {
    const diagnosis = await timed("prisma diagnose", () => diagnoseMigrationHistory(url()));
    expect(diagnosis).toEqual({ hasMigrationsTable: true, editedMigrationNames: [], failedMigrationNames: [], history: null });
  });

  it("has migrations that produce exactly schema.prisma (a schema change needs a new migration)", async () => {
    const pending = await timed("schema diff", () => diffMigrationsToSchema(url()));
    expect(pending, "prisma/schema.prisma changed without a migration: run `npm run db:migration -- <name>`").toBeNull();
    // The engine's shadow databases are gone.
    const leftovers = await query(url(), "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'");
    expect(leftovers).toEqual([]);
  });

  it("reports the SQL of a schema change that has no migration yet", async () => {
    const schema = await readFile(path.join(repoRoot, "prisma", "schema.prisma"), "utf8");
    const changed = schema.replace(/(model Blob \{\n)/, "$1  note String?\n");
    expect(changed).not.toBe(schema);
    const schemaPath = path.join(dataDir, "changed.prisma");
    await writeFile(schemaPath, changed);
    expect(await diffMigrationsToSchema(url(), { schemaPath })).toBe('-- AlterTable\nALTER TABLE "blobs" ADD COLUMN     "note" TEXT;\n');
  });

  it("stores and reads back a repository, manifest, tag and layers through the generated client", async () => {
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url() }) });
    try {
      const layerDigests = [`sha256:${"a".repeat(64)}`, `sha256:${"b".repeat(64)}`];
      const manifestDigest = `sha256:${"c".repeat(64)}`;
      const configDigest = `sha256:${"d".repeat(64)}`;
      await db.blob.createMany({
        data: layerDigests.map((digest, i) => ({
          digest,
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          sizeBytes: BigInt(5_000_000_000 + i), // past 2^32: BIGINT, not INTEGER
        })),
      });
      await db.imageConfig.create({
        data: {
          digest: configDigest,
          mediaType: "application/vnd.oci.image.config.v1+json",
          created: new Date("2026-01-02T03:04:05.678Z"),
          os: "linux",
          architecture: "arm64",
          variant: "v8",
          raw: "{}",
        },
      });
      await db.manifest.create({
        data: {
          digest: manifestDigest,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          kind: "image",
          raw: '{"schemaVersion":2}',
          manifestBytes: 19,
          sizeBytes: 10_000_000_001n,
          configDigest,
          annotations: { "org.opencontainers.image.title": "héllo ✓" },
          layers: {
            create: layerDigests.map((blobDigest, position) => ({
              position,
              blobDigest,
              mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
              sizeBytes: BigInt(5_000_000_000 + position),
            })),
          },
        },
      });
      const repository = await db.repository.create({
        data: {
          name: "library/alpine",
          tags: {
            create: [
              { name: "3.20", digest: manifestDigest },
              { name: "latest", digest: manifestDigest },
            ],
          },
        },
      });

      const read = await db.repository.findUniqueOrThrow({
        where: { name: "library/alpine" },
        include: {
          tags: {
            orderBy: { name: "asc" },
            include: { manifest: { include: { layers: { orderBy: { position: "asc" }, include: { blob: true } } } } },
          },
        },
      });
      expect(read.id).toBe(repository.id);
      expect(read.tagCount).toBe(0);
      expect(read.sizeBytes).toBe(0n);
      expect(read.tags.map((t) => t.name)).toEqual(["3.20", "latest"]);
      const manifest = read.tags[0]?.manifest;
      expect(manifest?.sizeBytes).toBe(10_000_000_001n);
      expect(manifest?.annotations).toEqual({ "org.opencontainers.image.title": "héllo ✓" });
      expect(manifest?.layers.map((l) => [l.position, l.blobDigest, l.blob.sizeBytes])).toEqual([
        [0, layerDigests[0], 5_000_000_000n],
        [1, layerDigests[1], 5_000_000_001n],
      ]);
      const config = await db.imageConfig.findUniqueOrThrow({ where: { digest: configDigest } });
      expect(config.created?.toISOString()).toBe("2026-01-02T03:04:05.678Z");

      // Foreign keys and cascades exist as the schema declares them.
      await expect(db.tag.create({ data: { repositoryId: repository.id, name: "dangling", digest: "sha256:missing" } })).rejects.toThrow();
      await db.repository.delete({ where: { id: repository.id } });
      expect(await db.tag.count()).toBe(0);
      expect(await db.manifestLayer.count()).toBe(2);
    } finally {
      await db.$disconnect();
    }
  });

  it("migrates once when several instances start at the same time", async () => {
    const target = await createDatabase(url(), "concurrent_start");
    const results = await Promise.all([1, 2, 3, 4].map(() => applyMigrations(target, { log })));
    const onDisk = (await readMigrations(migrationsDir)).map((m) => m.name);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(onDisk);
    const [row] = await query<{ n: string }>(target, "SELECT count(*) AS n FROM _prisma_migrations");
    expect(Number(row?.n)).toBe(onDisk.length);
  });

  it("refuses to start when an applied migration's checksum changed", async () => {
    const [row] = await query<{ id: string; checksum: string }>(
      url(),
      "SELECT id, checksum FROM _prisma_migrations ORDER BY started_at LIMIT 1",
    );
    if (!row) throw new Error("no migration recorded");
    await query(url(), "UPDATE _prisma_migrations SET checksum = $1 WHERE id = $2", ["0".repeat(64), row.id]);
    try {
      await expect(applyMigrations(url(), { log })).rejects.toThrow(/modified after they were applied/);
      const diagnosis = await diagnoseMigrationHistory(url());
      expect(diagnosis.editedMigrationNames.length).toBe(1); // Prisma agrees
    } finally {
      await query(url(), "UPDATE _prisma_migrations SET checksum = $1 WHERE id = $2", [row.checksum, row.id]);
    }
    expect((await applyMigrations(url(), { log })).applied).toEqual([]);
  });

  it("refuses to start while a migration is recorded as failed", async () => {
    await query(
      url(),
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ('00000000-0000-4000-8000-000000000001', $1, '29990101000000_broken', 'ERROR: boom')",
      ["f".repeat(64)],
    );
    try {
      await expect(applyMigrations(url(), { log })).rejects.toThrow(/failed migrations:\n {2}29990101000000_broken: ERROR: boom/);
    } finally {
      await query(url(), "DELETE FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'");
    }
  });

  it("rolls a failing migration back entirely and records nothing", async () => {
    const dir = await mkdtemp(path.join(dataDir, "migrations-"));
    await cp(migrationsDir, dir, { recursive: true });
    await mkdir(path.join(dir, "29990101000000_broken"));
    await writeFile(
      path.join(dir, "29990101000000_broken", "migration.sql"),
      '-- CreateTable\nCREATE TABLE "half_done" ("id" INTEGER);\n\n-- AddColumn\nALTER TABLE "half_done" ADD COLUMN "x" NO_SUCH_TYPE;\n',
    );
    await expect(applyMigrations(url(), { migrationsDir: dir, log })).rejects.toThrow(
      /29990101000000_broken failed and was rolled back: type "no_such_type" does not exist \(migration.sql line 5: ALTER TABLE "half_done"/,
    );
    expect(await query(url(), "SELECT 1 FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'")).toEqual([]);
    expect(await query(url(), "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);
  });

  it("keeps its data and port across a restart, and stop() can be called twice", async () => {
    const before = url();
    await timed("stop", async () => {
      await server?.stop();
      await server?.stop();
    });
    server = await timed("restart", () => startEmbeddedPostgres(dataDir, { log }));
    expect(url()).toBe(before);
    expect(await query(url(), "SELECT count(*)::int AS n FROM manifests")).toEqual([{ n: 1 }]);
    expect((await applyMigrations(url(), { log })).applied).toEqual([]);
  });

  it("starts over a stale postmaster.pid left by a killed server", async () => {
    await server?.stop();
    const dead = spawnSync("true").pid; // a pid that just exited
    await writeFile(path.join(dataDir, "postgres", "postmaster.pid"), `${dead}\n${path.join(dataDir, "postgres")}\n`);
    server = await startEmbeddedPostgres(dataDir, { log });
    expect(logs.some((l) => l.includes("removing stale postmaster.pid"))).toBe(true);
    expect(await query(url(), "SELECT count(*)::int AS n FROM blobs")).toEqual([{ n: 2 }]);
  });

  it("takes over a data dir whose Postgres outlived its launcher", async () => {
    const orphan = server;
    // Pretend the process that started it died: the server keeps running without an owner.
    const owner = await readFile(path.join(dataDir, "postgres.owner"), "utf8");
    await writeFile(path.join(dataDir, "postgres.owner"), owner.replace(/^\d+/, String(spawnSync("true").pid)));
    server = await startEmbeddedPostgres(dataDir, { log });
    expect(logs.some((l) => l.includes("left running on"))).toBe(true);
    expect(await query(url(), "SELECT count(*)::int AS n FROM blobs")).toEqual([{ n: 2 }]);
    await orphan?.stop(); // its process is gone: returns at once
  });

  it("refuses a data dir already served by a running launcher", async () => {
    await expect(startEmbeddedPostgres(dataDir, { log })).rejects.toThrow(/already in use by Postgres pid/);
  });
});
