import { z } from "zod";
import { getEnv } from "@/lib/env";
import { verifyWebhookSecret, WEBHOOK_SECRET_HEADER, webhookCompletionSchema } from "@/lib/gc";
import { AppError } from "@/lib/http/errors";
import { json, route } from "@/lib/http/route";
import { deliverWebhookCompletion } from "@/lib/services/gc-webhook";

export const dynamic = "force-dynamic";

// The operator's automation reports a webhook-run GC as done (GC_RUNNER=webhook). The id is the random one
// Layerscope sent; the shared secret (GC_WEBHOOK_SECRET) rides in X-Layerscope-Secret.
export const POST = route(
  {
    auth: "public",
    params: z.object({ id: z.string().uuid() }),
    body: webhookCompletionSchema,
    maxBodyBytes: 64 * 1024 * 1024,
  },
  async ({ req, params, body }) => {
    if (!verifyWebhookSecret(getEnv().GC_WEBHOOK_SECRET, req.headers.get(WEBHOOK_SECRET_HEADER))) {
      throw new AppError("unauthorized", `wrong or missing ${WEBHOOK_SECRET_HEADER}`);
    }
    if (!(await deliverWebhookCompletion(params.id, body)))
      throw new AppError("not_found", `no garbage collection is waiting for ${params.id}`);
    return json({ accepted: true }, 202);
  },
);
