import { z } from "zod";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/route";
import { deliverWebhookCompletion, MAX_CALLBACK_BYTES, webhookCompletionSchema } from "@/lib/services/gc-callback-mailbox";

export const dynamic = "force-dynamic";

// The operator's automation reports a webhook-run GC as done (GC_RUNNER=webhook). The id is the random one
// Layerscope sent; the shared secret (GC_WEBHOOK_SECRET) rides in X-Layerscope-Secret and is checked
// before the body is read.
export const POST = route(
  {
    auth: "gc-webhook",
    params: z.object({ id: z.string().uuid() }),
    body: webhookCompletionSchema,
    maxBodyBytes: MAX_CALLBACK_BYTES,
    // GC output is multi-line text
    textFields: ["output", "stdout", "stderr", "error"],
  },
  async ({ params, body }) => {
    if (!(await deliverWebhookCompletion(params.id, body)))
      throw new AppError("not_found", `no garbage collection is waiting for ${params.id}`);
    return json({ accepted: true }, 202);
  },
);
