import "server-only";

// This process's job-worker and shutdown state, kept apart from worker.ts and shutdown.ts so that services
// (the readiness check) can read it without importing the worker, which sits above them.
export type WorkerState = "starting" | "running" | "failed" | "stopping" | "stopped";

const globalForJobs = globalThis as unknown as {
  layerscopeWorkerState?: WorkerState;
  layerscopeStopping?: boolean;
};

/** This process's job workers: undefined when they were never started here (LAYERSCOPE_WORKERS=false). */
export function workerState(): WorkerState | undefined {
  return globalForJobs.layerscopeWorkerState;
}

export function setWorkerState(state: WorkerState): void {
  globalForJobs.layerscopeWorkerState = state;
}

/** True from the first SIGTERM/SIGINT on: the readiness route answers 503 so that load balancers drain this instance. */
export function isStopping(): boolean {
  return globalForJobs.layerscopeStopping === true;
}

export function markStopping(): void {
  globalForJobs.layerscopeStopping = true;
}
