import { idParam, route } from "@/lib/http/route";
import { revokeToken } from "@/lib/services/tokens";

export const dynamic = "force-dynamic";

export const DELETE = route({ auth: "user", params: idParam }, async ({ caller, params, ip }) => {
  await revokeToken(caller, params.id, ip);
  return new Response(null, { status: 204 });
});
