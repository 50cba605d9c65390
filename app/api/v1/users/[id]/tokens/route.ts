import { idParam, route } from "@/lib/http/route";
import { listUserTokens, revokeUserTokens } from "@/lib/services/tokens";

export const dynamic = "force-dynamic";

// an admin's view of someone's API tokens (never their secrets), and revoking all of them: `{ revoked }`
export const GET = route({ auth: "admin", params: idParam }, ({ caller, params }) => listUserTokens(caller, params.id));

export const DELETE = route({ auth: "admin", params: idParam }, ({ caller, params, ip }) => revokeUserTokens(caller, params.id, ip));
