import { json, route } from "@/lib/http/route";
import { receiveRegistryNotification, registryEnvelope } from "@/lib/services/registry-notifications";

export const dynamic = "force-dynamic";

// The registry's notifications endpoint: `headers: {Authorization: [Bearer <LAYERSCOPE_WEBHOOK_SECRET>]}`.
export const POST = route({ auth: "webhook", body: registryEnvelope, maxBodyBytes: 4 * 1024 * 1024 }, async ({ body }) =>
  json(await receiveRegistryNotification(body), 202),
);
