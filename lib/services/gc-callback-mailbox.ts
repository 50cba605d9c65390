// The mailbox of webhook-run garbage collections (GC_RUNNER=webhook): a row per run waiting for the
// operator's callback. The callback route delivers into it on whichever instance the callback reaches;
// the instance running the GC polls it (lib/gc/webhook-runner.ts).
import "server-only";
import { AppError } from "@/lib/errors";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import {
  gcCallbackSecretMatches,
  WEBHOOK_SECRET_HEADER,
  type WebhookCompletion,
  type WebhookMailbox,
  webhookCompletionSchema,
} from "../gc";

// The callback route's body schema and size limit: routes reach lib/gc through this service, not directly.
export { MAX_CALLBACK_BYTES, webhookCompletionSchema } from "../gc";

/** Rows a crashed instance left behind are removed after this long. */
const STALE_MS = 7 * 24 * 3600 * 1000;

export const webhookMailbox: WebhookMailbox = {
  async open(id) {
    const db = getDb();
    await db.gcWebhookWait.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - STALE_MS) } } });
    await db.gcWebhookWait.create({ data: { id } });
  },
  async take(id) {
    const row = await getDb().gcWebhookWait.findUnique({ where: { id }, select: { completion: true } });
    if (row?.completion === null || row?.completion === undefined) return null;
    return webhookCompletionSchema.parse(row.completion);
  },
  async close(id) {
    await getDb().gcWebhookWait.deleteMany({ where: { id } });
  },
};

/**
 * The callback's credential, checked before its body is read: X-Layerscope-Secret must equal GC_WEBHOOK_SECRET.
 * Without GC_WEBHOOK_SECRET no callback is accepted (GC_RUNNER=webhook refuses to start without one).
 */
export function assertGcCallbackSecret(headers: Headers): void {
  const secret = getEnv().GC_WEBHOOK_SECRET;
  if (!secret) throw new AppError("forbidden", "GC callbacks are disabled: set GC_WEBHOOK_SECRET");
  if (!gcCallbackSecretMatches(secret, headers.get(WEBHOOK_SECRET_HEADER))) {
    throw new AppError("unauthorized", `wrong or missing ${WEBHOOK_SECRET_HEADER}`);
  }
}

/** The operator's callback: false when no run waits for this id (unknown, finished, timed out, already completed). */
export async function deliverWebhookCompletion(id: string, completion: WebhookCompletion): Promise<boolean> {
  const { count } = await getDb().gcWebhookWait.updateMany({
    where: { id, completedAt: null },
    data: { completion, completedAt: new Date() },
  });
  return count === 1;
}

/** Whether a run still waits for this id's callback. */
export async function isWebhookWaiting(id: string): Promise<boolean> {
  return (await getDb().gcWebhookWait.count({ where: { id, completedAt: null } })) === 1;
}
