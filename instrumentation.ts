// Runs once when the Next.js server starts: start this instance's job workers (sync, …).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getEnv } = await import("./lib/env");
  const { bootstrapAdmin } = await import("./lib/services/users");
  const { logger } = await import("./lib/log");
  // the configured admin exists before the first request (migrations ran in the launcher)
  await bootstrapAdmin().catch((e: unknown) => logger.error("could not create LAYERSCOPE_ADMIN_USER", { error: String(e) }));
  if (!getEnv().LAYERSCOPE_WORKERS) return;
  const { startWorkers } = await import("./lib/jobs/worker");
  await startWorkers().catch(() => undefined); // logged inside; pages still serve the cache
}
