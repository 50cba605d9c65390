import { gcStartBody } from "@/lib/contract/gc";
import { json, route } from "@/lib/http/route";
import { gcOverview, startGcRun } from "@/lib/services/gc";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, ({ caller }) => gcOverview(caller));

// 202 {id}; 409 {error: {details: {id}}} while another run is queued or running.
export const POST = route({ auth: "admin", body: gcStartBody }, async ({ caller, body, ip }) =>
  json(await startGcRun(caller, body.dryRun, ip), 202),
);
