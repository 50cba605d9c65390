import { json, route } from "@/lib/http/route";
import { getHealth } from "@/lib/services/health";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "public" }, async () => {
  const health = await getHealth();
  return json(health, health.status === "down" ? 503 : 200);
});
