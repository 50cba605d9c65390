// One real Postgres for the whole integration run (embedded, fresh data dir), migrated once.
// Test files get its URL through `inject("databaseUrl")` and create their own databases when
// they need isolation.
import { rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../lib/db/embedded";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = path.resolve(__dirname, "../../.tmp/integration-pg");
  rmSync(dataDir, { recursive: true, force: true });
  const pg = await startEmbeddedPostgres(dataDir);
  project.provide("databaseUrl", pg.connectionString);
  return async () => {
    await pg.stop();
  };
}
