// The afterAll of integration test files that run the app's services: stop the job queue when the file
// started it, close the cache's database, then stop the file's registry.

type Destroyable = { destroy(): Promise<void> } | undefined;

export type TeardownOptions = {
  /** Stop pg-boss first (files that started workers or enqueued jobs). */
  jobs?: boolean;
  /** Registries the file started, stopped in this order after the database; unset ones are skipped. */
  registries?: Destroyable[];
};

/** Usage: `afterAll(() => closeServices({ registries: [registry] }))` (the arrow reads `registry` at teardown). */
export async function closeServices({ jobs = false, registries = [] }: TeardownOptions = {}): Promise<void> {
  if (jobs) {
    const { stopBoss } = await import("@/lib/jobs/queue");
    await stopBoss();
  }
  const { disconnectDb } = await import("@/lib/db/client");
  await disconnectDb();
  for (const registry of registries) await registry?.destroy();
}
