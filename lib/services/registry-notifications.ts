// Registry notifications (`notifications.endpoints` in the registry's config.yml): pushes and
// deletes are applied to the cache as events (lib/services/registry-events.ts), so a push shows
// within a second whatever the registry's size; pulls are recorded for retention's "pulled
// recently" rule. Events caused by Layerscope's own requests are dropped.
// Every webhook needs LAYERSCOPE_WEBHOOK_SECRET.
import "server-only";
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { getEnv } from "../env";
import { enqueueRegistryEventsDrain } from "../jobs/definitions";
import { logger } from "../log";
import { REGISTRY_USER_AGENT } from "../registry/client";
import { drainRegistryEvents, storeRegistryEvents } from "./registry-events";
import { pullEventsFrom, recordPulls } from "./retention/pulls";

/** Checks `Authorization: Bearer <LAYERSCOPE_WEBHOOK_SECRET>` in constant time. */
export function assertRegistryWebhookSecret(headers: Headers): void {
  const secret = getEnv().LAYERSCOPE_WEBHOOK_SECRET;
  if (!secret) throw new AppError("forbidden", "webhooks are disabled: set LAYERSCOPE_WEBHOOK_SECRET");
  const sent = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1]?.trim() ?? "";
  const a = Buffer.from(sent);
  const b = Buffer.from(secret);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new AppError("unauthorized", "missing or wrong webhook secret (Authorization: Bearer <LAYERSCOPE_WEBHOOK_SECRET>)");
  }
}

// The distribution notification envelope (application/vnd.docker.distribution.events.v1+json).
export const registryEnvelope = z.object({
  events: z
    .array(
      z.object({
        id: z.string().max(256).optional(),
        timestamp: z.string().max(64).optional(),
        action: z.string().max(32),
        target: z
          .object({
            mediaType: z.string().max(256).optional(),
            repository: z.string().max(512).optional(),
            digest: z.string().max(256).optional(),
            tag: z.string().max(256).optional(),
          })
          .optional(),
        request: z.object({ useragent: z.string().max(1024).optional() }).optional(),
      }),
    )
    .max(10_000),
});
export type RegistryEnvelope = z.infer<typeof registryEnvelope>;

/** Layerscope's own registry requests (sync, page reads) come back as notifications: they are not pulls. */
export function isOwnRequest(event: RegistryEnvelope["events"][number]): boolean {
  return event.request?.useragent?.startsWith(REGISTRY_USER_AGENT) ?? false;
}

export type NotificationReceipt = { events: number; ignored: number; stored: number };

/**
 * Store what the registry reports and answer at once: pulls go to retention's "pulled recently"
 * rule, pushes and deletes to the event table, which the drain applies to the cache right after
 * (and the queued fallback job, should this process stop first or another instance hold the drain).
 */
export async function receiveRegistryNotification(envelope: RegistryEnvelope): Promise<NotificationReceipt> {
  const events = envelope.events.filter((e) => !isOwnRequest(e));
  await recordPulls(pullEventsFrom({ events }));
  const stored = await storeRegistryEvents(events);
  if (stored > 0) {
    void drainRegistryEvents().catch((e: unknown) => logger.warn("registry events: drain failed, the job retries", { error: String(e) }));
    // the events are stored: a failed enqueue only delays them until the next drain or sync
    await enqueueRegistryEventsDrain().catch((e: unknown) =>
      logger.warn("registry events: could not queue the drain job", { error: String(e) }),
    );
  }
  return { events: envelope.events.length, ignored: envelope.events.length - events.length, stored };
}
