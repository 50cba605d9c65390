import { idParam, route } from "@/lib/http/route";
import { revokeUserToken } from "@/lib/services/tokens";

export const dynamic = "force-dynamic";

const params = idParam.extend({ tokenId: idParam.shape.id });

// an admin revokes one of someone's API tokens
export const DELETE = route({ auth: "admin", params }, async ({ caller, params, ip }) => {
  await revokeUserToken(caller, params.id, params.tokenId, ip);
  return new Response(null, { status: 204 });
});
