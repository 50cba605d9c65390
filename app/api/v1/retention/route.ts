import { createRetentionPolicyBody } from "@/lib/contract/retention-requests";
import { json, route } from "@/lib/http/route";
import { createPolicy, listPolicies } from "@/lib/services/retention";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "editor" }, ({ caller }) => listPolicies(caller));

export const POST = route({ auth: "admin", body: createRetentionPolicyBody }, async ({ caller, body, ip }) =>
  json(await createPolicy(caller, body, ip), 201),
);
