import { createTokenBody } from "@/lib/contract/accounts";
import { json, route } from "@/lib/http/route";
import { createToken, listTokens } from "@/lib/services/tokens";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "user" }, ({ caller }) => listTokens(caller));

export const POST = route({ auth: "user", body: createTokenBody }, async ({ caller, body, ip }) =>
  json(await createToken(caller, body, ip), 201, { "Cache-Control": "no-store" }),
);
