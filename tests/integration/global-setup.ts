// One real Postgres for the whole integration run (embedded, fresh data dir), migrated once.
// Test files get its URL through `inject("databaseUrl")` and create their own databases when
// they need isolation.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../lib/db/embedded";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  // a folder of its own, so two runs at once (or a leftover from a killed run) never collide
  const parent = path.resolve(__dirname, "../../.tmp");
  mkdirSync(parent, { recursive: true });
  const dataDir = mkdtempSync(path.join(parent, "integration-pg-"));
  const pg = await startEmbeddedPostgres(dataDir);
  project.provide("databaseUrl", pg.connectionString);
  return async () => {
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
