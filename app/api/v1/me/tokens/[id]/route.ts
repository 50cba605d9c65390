import { z } from "zod";
import { route } from "@/lib/http/route";
import { revokeToken } from "@/lib/services/tokens";

export const dynamic = "force-dynamic";

const params = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});

export const DELETE = route({ auth: "user", params }, async ({ caller, params, ip }) => {
  await revokeToken(caller, params.id, ip);
  return new Response(null, { status: 204 });
});
