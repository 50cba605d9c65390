// Runs once when the Next.js server starts, in the process that serves requests: mark each request with
// its socket address, then start this instance's job workers (sync, …).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // first: from here on route handlers can tell the TCP peer from a client-sent X-Forwarded-For
  const { installPeerHeader } = await import("./lib/http/peer");
  installPeerHeader();
  const { getEnv } = await import("./lib/env");
  // SIGTERM/SIGINT: not ready at once, jobs finish or go back to the queue, then the process exits
  const { installGracefulStop } = await import("./lib/jobs/shutdown");
  installGracefulStop();
  const { bootstrapAdmin } = await import("./lib/services/users");
  const { logger } = await import("./lib/log");
  // the configured admin exists before the first request (migrations ran in the launcher)
  await bootstrapAdmin().catch((e: unknown) => logger.error("could not create LAYERSCOPE_ADMIN_USER", { error: String(e) }));
  if (!getEnv().LAYERSCOPE_WORKERS) return;
  const { startWorkers } = await import("./lib/jobs/worker");
  await startWorkers().catch(() => undefined); // logged inside; pages still serve the cache
}
