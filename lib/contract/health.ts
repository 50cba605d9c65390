// Liveness and readiness probes. Client-safe: zod and types only.
import { z } from "zod";

export const health = z.object({
  status: z.enum(["ok", "degraded", "down"]),
  database: z.enum(["up", "down"]),
  registry: z.enum(["up", "down"]),
});
export type Health = z.infer<typeof health>;

export const readinessCheck = z.object({ ok: z.boolean(), detail: z.string() });
export type ReadinessCheck = z.infer<typeof readinessCheck>;
/** GET /api/v1/ready: every check must pass; the registry is reported only (the cache serves without it). */
export const readiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  checks: z.object({ database: readinessCheck, migrations: readinessCheck, workers: readinessCheck }),
  registry: readinessCheck,
});
export type Readiness = z.infer<typeof readiness>;
