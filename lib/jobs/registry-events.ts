import "server-only";
import { z } from "zod";
import { drainRegistryEvents } from "../services/registry-events";
import { defineJob, enqueue } from "./queue";

/**
 * The fallback for the webhook's in-process drain: applies stored registry events that the
 * process receiving them did not (it stopped, or another instance held the drain at the time).
 */
export const registryEventsJob = defineJob({
  name: "registry-events",
  payload: z.object({}),
  queue: { policy: "stately", retryLimit: 5, retryDelay: 2, expireInSeconds: 900 },
  handler: async () => drainRegistryEvents(),
});

/** At most one waiting drain; it starts a moment later so that a burst of envelopes shares it. */
export function enqueueRegistryEventsDrain(): Promise<string | null> {
  return enqueue(registryEventsJob, {}, { singletonKey: "drain", startAfter: 2 });
}
