// Registry notifications (`notifications.endpoints` in the registry's config.yml): pushes and
// deletes queue a sync a few seconds later, so the cache follows the registry without waiting for the next scheduled run;
// pulls are recorded for retention's "pulled recently" rule.
// Every webhook needs LAYERSCOPE_WEBHOOK_SECRET.
import "server-only";
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { getEnv } from "../env";
import { AppError } from "../http/errors";
import { logger } from "../log";
import { pullEventsFrom, recordPulls } from "./retention";

/** Checks `Authorization: Bearer <LAYERSCOPE_WEBHOOK_SECRET>` in constant time. */
export function verifyWebhookSecret(headers: Headers): void {
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
      }),
    )
    .max(10_000),
});
export type RegistryEnvelope = z.infer<typeof registryEnvelope>;

export async function receiveRegistryNotification(envelope: RegistryEnvelope): Promise<{ events: number; syncQueued: boolean }> {
  // pulls feed retention's "pulled recently" rule
  await recordPulls(pullEventsFrom(envelope));
  const changes = envelope.events.filter((e) => e.action === "push" || e.action === "delete");
  if (changes.length === 0) return { events: envelope.events.length, syncQueued: false };
  const { enqueueNotificationSync } = await import("../jobs/sync");
  await enqueueNotificationSync();
  const repositories = [...new Set(changes.map((e) => e.target?.repository).filter(Boolean))];
  logger.info("registry notification: sync queued", { events: changes.length, repositories: repositories.slice(0, 20) });
  return { events: envelope.events.length, syncQueued: true };
}
