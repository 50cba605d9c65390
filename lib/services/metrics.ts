// The Prometheus scrape: METRICS_TOKEN checked, gauges measured at scrape time refreshed, then the text format.
import "server-only";
import { timingSafeEqual } from "node:crypto";
import { AppError, errorMessage } from "@/lib/errors";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { logger } from "../log";
import { metrics } from "../metrics";

/** 404 while METRICS_TOKEN is unset (the route does not exist), 401 without `Authorization: Bearer <METRICS_TOKEN>`. */
export function verifyMetricsToken(headers: Headers): void {
  const token = getEnv().METRICS_TOKEN;
  if (!token) throw new AppError("not_found", "metrics are off: set METRICS_TOKEN to enable /api/metrics");
  const sent = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1]?.trim() ?? "";
  const a = Buffer.from(sent);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new AppError("unauthorized", "missing or wrong metrics token (Authorization: Bearer <METRICS_TOKEN>)");
  }
}

/** Jobs waiting (created or retry) and running per pg-boss queue, read from its tables. */
export async function queueDepths(): Promise<{ queue: string; waiting: number; active: number }[]> {
  const rows = await getDb().$queryRaw<{ name: string; waiting: bigint; active: bigint }[]>`
    SELECT name,
           count(*) FILTER (WHERE state IN ('created', 'retry')) AS waiting,
           count(*) FILTER (WHERE state = 'active') AS active
    FROM pgboss.job GROUP BY name`;
  return rows.map((r) => ({ queue: r.name, waiting: Number(r.waiting), active: Number(r.active) }));
}

export async function scrapeMetrics(headers: Headers): Promise<{ body: string; contentType: string }> {
  verifyMetricsToken(headers);
  const m = metrics();
  try {
    const depths = await queueDepths();
    m.queueDepth.reset();
    m.queueActive.reset();
    for (const d of depths) {
      m.queueDepth.set({ queue: d.queue }, d.waiting);
      m.queueActive.set({ queue: d.queue }, d.active);
    }
  } catch (e) {
    // before the job queue's first start its schema does not exist: no depths yet
    logger.debug("metrics: queue depth unavailable", { error: errorMessage(e) });
  }
  return { body: await m.registry.metrics(), contentType: m.registry.contentType };
}
