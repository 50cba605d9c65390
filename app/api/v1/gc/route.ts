import { json, route } from "@/lib/http/route";
import { enqueueGc } from "@/lib/jobs/gc";
import { createGcRun, gcOverview, gcStartBody } from "@/lib/services/gc";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, ({ caller }) => gcOverview(caller));

// 202 {id}; 409 {error: {details: {id}}} while another run is queued or running.
export const POST = route({ auth: "admin", body: gcStartBody }, async ({ caller, body, ip }) => {
  const run = await createGcRun(caller, body.dryRun, "manual", ip);
  await enqueueGc(run.id);
  return json(run, 202);
});
