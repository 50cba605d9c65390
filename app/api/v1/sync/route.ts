import { json, route } from "@/lib/http/route";
import { getSyncStatus, requestSync } from "@/lib/services/sync";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "viewer" }, ({ caller }) => getSyncStatus(caller));

// 202 either way: a run was queued, or one is already running (then `started` is false).
export const POST = route({ auth: "editor" }, async ({ caller }) => json(await requestSync(caller), 202));
