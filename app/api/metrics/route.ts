import { route } from "@/lib/http/route";
import { scrapeMetrics } from "@/lib/services/metrics";

export const dynamic = "force-dynamic";

// Prometheus: `authorization: { credentials: <METRICS_TOKEN> }` in the scrape config (checked in the service)
export const GET = route({ auth: "public" }, async ({ req }) => {
  const { body, contentType } = await scrapeMetrics(req.headers);
  return new Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } });
});
