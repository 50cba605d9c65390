// Runs once when the Next.js server starts: start this instance's job workers (sync, …).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getEnv } = await import("./lib/env");
  if (!getEnv().LAYERSCOPE_WORKERS) return;
  const { startWorkers } = await import("./lib/jobs/worker");
  await startWorkers().catch(() => undefined); // logged inside; pages still serve the cache
}
