// Prometheus metrics (prom-client), served by GET /api/metrics with METRICS_TOKEN. One registry per process,
// kept on globalThis so Next's hot reloads and duplicated module instances never register a metric twice.
// Like lib/log, anyone may import this; it imports nothing of ours. Labels are bounded: route templates, endpoint
// kinds, statuses — never repository names, tags or ids.
import client from "prom-client";

/** Request latencies, API and registry alike. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function create() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "layerscope_" });
  const registers = [registry];
  // One shape per metric type; the label names' literal types carry through to observe()/inc()/set().
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new client.Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new client.Gauge<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
    new client.Histogram<L>({ name, help, labelNames, buckets, registers });

  return {
    registry,
    httpDuration: histogram(
      "layerscope_http_request_duration_seconds",
      "API request latency by route template, method and status",
      LATENCY_BUCKETS,
      ["method", "route", "status"],
    ),
    httpRequests: counter("layerscope_http_requests_total", "API requests by route template, method and status", [
      "method",
      "route",
      "status",
    ]),
    httpErrors: counter(
      "layerscope_http_request_errors_total",
      "API requests answered with an error, by route template, method and error code",
      ["method", "route", "code"],
    ),
    registryDuration: histogram(
      "layerscope_registry_request_duration_seconds",
      "Latency of HTTP exchanges with the registry (each attempt, redirect hop and token request) until headers arrive",
      LATENCY_BUCKETS,
      ["method", "endpoint", "status"],
    ),
    syncDuration: histogram(
      "layerscope_sync_duration_seconds",
      "Duration of finished registry syncs by outcome",
      [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      ["status"],
    ),
    syncRegistryRequests: counter("layerscope_sync_registry_requests_total", "Registry requests made by syncs"),
    queueDepth: gauge("layerscope_job_queue_depth", "Jobs waiting per queue (measured at scrape time)", ["queue"]),
    queueActive: gauge("layerscope_job_queue_active", "Jobs running per queue (measured at scrape time)", ["queue"]),
    eventsApplied: counter("layerscope_registry_events_applied_total", "Registry notification events applied to the cache, by action", [
      "action",
    ]),
    eventLag: histogram(
      "layerscope_registry_event_lag_seconds",
      "Time from a registry notification's timestamp to the moment it was applied",
      [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    ),
    gcRuns: counter("layerscope_gc_runs_total", "Finished garbage collection runs by outcome", ["status"]),
    gcBytesFreed: counter("layerscope_gc_bytes_freed_total", "Bytes of blobs garbage collection removed"),
    layersIndexed: counter("layerscope_layers_indexed_total", "Layers whose file list was indexed, by outcome", ["result"]),
    layerIndexBytes: counter("layerscope_layer_index_bytes_total", "Compressed layer bytes read by the layer indexer"),
    layerIndexDuration: histogram(
      "layerscope_layer_index_duration_seconds",
      "Time to index one layer",
      [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    ),
  };
}

export type Metrics = ReturnType<typeof create>;

const globalForMetrics = globalThis as unknown as { layerscopeMetrics?: Metrics };

/** The process-wide metrics (created on first use). */
export function metrics(): Metrics {
  globalForMetrics.layerscopeMetrics ??= create();
  return globalForMetrics.layerscopeMetrics;
}

/** Never let instrumentation break the code it observes. */
export function observe(fn: (m: Metrics) => void): void {
  try {
    fn(metrics());
  } catch {
    // a metric with a bad label must not fail a request
  }
}

/**
 * A bounded label for a registry URL path: "/v2/", "catalog", "tags", "manifests", "blobs", "uploads",
 * "referrers", "token" (anything else, e.g. a token realm), never the repository name.
 */
export function registryEndpoint(path: string): string {
  const p = path.split("?")[0] ?? "";
  if (/^\/v2\/?$/.test(p)) return "/v2/";
  if (p.endsWith("/_catalog")) return "catalog";
  if (/\/tags\/list$/.test(p)) return "tags";
  if (/\/manifests\/[^/]+$/.test(p)) return "manifests";
  if (/\/blobs\/uploads(\/|$)/.test(p)) return "uploads";
  if (/\/blobs\/[^/]+$/.test(p)) return "blobs";
  if (/\/referrers\/[^/]+$/.test(p)) return "referrers";
  return p.startsWith("/v2/") ? "other" : "token";
}

/** A status label: the code, or "error" when no answer came. */
export function statusLabel(status: number | null): string {
  return status === null ? "error" : String(status);
}

/**
 * The route pattern of an API request ("/api/v1/users/[id]/tokens") from its path and Next's params, so that
 * ids and repository names never become label values.
 */
export function routeTemplate(pathname: string, params: Record<string, string | string[] | undefined>): string {
  const segments = pathname.split("/");
  const decoded = segments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const out = [...segments];
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      // a catch-all is the tail of the path
      const start = decoded.length - value.length;
      if (start > 0 && value.every((v, i) => decoded[start + i] === v)) {
        out.splice(start, value.length, `[...${name}]`);
        decoded.splice(start, value.length, `[...${name}]`);
      }
    } else if (typeof value === "string") {
      const i = decoded.lastIndexOf(value);
      if (i > 0) {
        out[i] = `[${name}]`;
        decoded[i] = `[${name}]`;
      }
    }
  }
  return out.join("/") || "/";
}
