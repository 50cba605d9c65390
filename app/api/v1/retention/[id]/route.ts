import { updateRetentionPolicyBody } from "@/lib/contract/retention-requests";
import { idParam, route } from "@/lib/http/route";
import { deletePolicy, getPolicy, updatePolicy } from "@/lib/services/retention";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "editor", params: idParam }, ({ caller, params }) => getPolicy(caller, params.id));

export const PATCH = route({ auth: "admin", params: idParam, body: updateRetentionPolicyBody }, ({ caller, params, body, ip }) =>
  updatePolicy(caller, params.id, body, ip),
);

export const DELETE = route({ auth: "admin", params: idParam }, async ({ caller, params, ip }) => {
  await deletePolicy(caller, params.id, ip);
  return new Response(null, { status: 204 });
});
