// What the server process does on SIGTERM/SIGINT (a container stop, the launcher forwarding `npm start`'s
// signal): report not-ready at once, let running jobs finish within the grace period (the rest are failed,
// so the queue retries them elsewhere), close the database pool, then exit. Next's own handler (`next start`
// and the standalone server.js) meanwhile stops accepting connections and finishes open requests.
import "server-only";
import { disconnectDb } from "../db/client";
import { getEnv } from "../env";
import { logger } from "../log";
import { isStopping, markStopping } from "./state";
import { stopWorkers } from "./worker";

export { isStopping } from "./state";

const globalForStop = globalThis as unknown as { layerscopeStopInstalled?: boolean };

/** Installs the signal handlers once per process (instrumentation.ts). */
export function installGracefulStop(): void {
  if (globalForStop.layerscopeStopInstalled) return;
  globalForStop.layerscopeStopInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (isStopping()) return;
    markStopping();
    const graceMs = getEnv().LAYERSCOPE_STOP_GRACE_SECONDS * 1000;
    logger.info("stopping: draining requests and jobs", { signal, graceSeconds: graceMs / 1000 });
    const exit = process.exit.bind(process);
    const stopped = stopWorkers(graceMs)
      .catch((e: unknown) => logger.error("job workers did not stop cleanly", { error: String(e) }))
      .then(() => disconnectDb())
      .catch(() => undefined)
      .then(() => logger.info("stopped"));
    // Next's handler closes the HTTP server, waits for open requests, then calls process.exit(): hold that
    // exit until the jobs have stopped too.
    process.exit = ((code?: number | string | null) => {
      void stopped.then(() => exit(code ?? undefined));
    }) as typeof process.exit;
    // whatever hangs, the process ends a little after the grace period
    setTimeout(() => {
      logger.warn("stopping took longer than the grace period: exiting");
      exit(1);
    }, graceMs + 5000).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
