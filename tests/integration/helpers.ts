// Shared pieces of the integration tests: a fresh migrated database per test file, and
// process env set before any service reads it (lib/env parses once).
import type { Server } from "node:http";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Caller } from "../../lib/auth/caller";
import { PrismaClient } from "../../lib/db/generated/client";
import { applyMigrations } from "../../lib/db/migrate";
import { RegistryError } from "../../lib/registry/errors";

/** Create a new database on the run's Postgres, migrate it, and return its URL. */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const db = `${name}_${process.pid}_${Date.now().toString(36)}`.replace(/[^a-z0-9_]/g, "_");
  await admin.query(`CREATE DATABASE "${db}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${db}`;
  await applyMigrations(url.toString());
  return url.toString();
}

/**
 * A Prisma client on a new migrated database of the run's Postgres, for tests that drive the
 * sync engine directly with several caches side by side; `clients` collects them for afterAll.
 */
export async function freshClient(serverUrl: string, name: string, clients: PrismaClient[]): Promise<PrismaClient> {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: await freshDatabase(serverUrl, name) }) });
  clients.push(db);
  return db;
}

/** Point lib/env at this test file's registry and database (must run before the first getEnv()). */
export function configureEnv(vars: Record<string, string>): void {
  for (const [k, v] of Object.entries(vars)) process.env[k] = v;
}

/** Tags of a repository as the cache has them, sorted. */
export async function cachedTags(repository: string): Promise<string[]> {
  const { getDb } = await import("@/lib/db/client");
  const rows = await getDb().tag.findMany({ where: { repository: { name: repository } }, orderBy: { name: "asc" } });
  return rows.map((r) => r.name);
}

/** One manual sync of the configured registry into the cache; fails the test unless it succeeded. */
export async function syncCache(): Promise<void> {
  const { runSync } = await import("@/lib/services/sync");
  const run = await runSync("manual");
  if (run?.status !== "succeeded") throw new Error(`sync ${run?.status ?? "did not run"}: ${JSON.stringify(run?.errors ?? [])}`);
}

/** The RegistryError `promise` rejects with; any other outcome fails the test. */
export async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof RegistryError) return e;
    throw e;
  }
  throw new Error("expected the call to fail with a RegistryError");
}

/** An admin as the route wrapper sees a browser session (API tokens are created from one). */
export function sessionAdmin(user: { id: number; username: string }): Extract<Caller, { kind: "user" }> {
  return {
    kind: "user",
    id: user.id,
    username: user.username,
    name: user.username,
    provider: "credentials",
    role: "admin",
    grants: [],
    via: "session",
  };
}

/** Closes the HTTP servers a test started (dropping kept-alive connections) and empties the list. */
export async function closeServers(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
}
