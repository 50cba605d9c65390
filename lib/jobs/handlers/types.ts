import type { JobName, JobPayload } from "../definitions";

/** What runs one job of queue `N`: the payload is already parsed by the job's schema. */
export type JobHandler<N extends JobName> = (payload: JobPayload<N>, job: { id: string }) => Promise<unknown>;
