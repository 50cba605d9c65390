import "server-only";
import type { Health } from "../contract/health";
import { getDb } from "../db/client";
import { probeRegistry } from "./registry";

export async function getHealth(): Promise<Health> {
  const [database, registry] = await Promise.all([
    getDb().$queryRaw`SELECT 1`.then(() => "up" as const).catch(() => "down" as const),
    probeRegistry()
      .then((p) => (p.reachable ? ("up" as const) : ("down" as const)))
      .catch(() => "down" as const),
  ]);
  const status = database === "down" ? "down" : registry === "down" ? "degraded" : "ok";
  return { status, database, registry };
}
