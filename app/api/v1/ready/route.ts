import { json, route } from "@/lib/http/route";
import { getReadiness } from "@/lib/services/readiness";

export const dynamic = "force-dynamic";

// Readiness, for load balancers and Kubernetes: 503 names the failed check. /api/v1/health stays the liveness route.
export const GET = route({ auth: "public" }, async () => {
  const readiness = await getReadiness();
  return json(readiness, readiness.status === "ready" ? 200 : 503);
});
