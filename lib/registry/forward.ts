import "server-only";
// The read-only pass-through of /v2/ requests (the registry proxy route): GET and HEAD only, registry
// paths only, a few headers kept, Link targets rewritten to the proxy's prefix.

import { MANIFEST_ACCEPT_HEADER } from "../oci/media-types";
import { discard } from "./body";
import { parseLinkHeader } from "./link";
import { scopeForRequest } from "./token";
import type { Exchange, RegistryTransport } from "./transport";

export type ForwardRequest = {
  method: "GET" | "HEAD";
  /** Registry path, must start with /v2/. */
  path: string;
  /** Query string with its leading "?", or "". */
  search: string;
  accept: string | null;
  /** Prepended to rewritten Link targets ("/api/registry" → "</api/registry/v2/_catalog?…>"). Default "". */
  linkPrefix?: string;
};

const FORWARDED_HEADERS = ["content-type", "content-length", "docker-content-digest", "docker-distribution-api-version", "etag"] as const;

export async function forward(t: RegistryTransport, request: ForwardRequest): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    throw t.error("unsupported", `method ${String(request.method)} cannot be forwarded (read-only proxy)`, null);
  }
  const url = forwardUrl(t, request.path, request.search);
  const isManifest = /^\/v2\/.+\/manifests\/[^/]+$/.test(url.pathname);
  const accept = request.accept ?? (isManifest ? MANIFEST_ACCEPT_HEADER : null);
  const exchange: Exchange = {
    method: request.method,
    url,
    accept,
    scope: scopeForRequest(request.method, url.pathname),
    redirects: "same-origin",
    timeoutCoversBody: false,
  };
  const linkPrefix = request.linkPrefix ?? "";
  // Upstream statuses (404, 401, a final 5xx) pass through: the caller proxies them as they are.
  return t.exchange(exchange, async (res, ctx) => {
    const headers = new Headers();
    for (const name of FORWARDED_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    if (res.headers.get("content-encoding") !== null) headers.delete("content-length");
    const link = rewriteLink(res.headers.get("link"), ctx.url, t.origin, linkPrefix);
    if (link !== null) headers.set("link", link);

    const noBody = request.method === "HEAD" || res.status === 204 || res.status === 304;
    if (noBody) await discard(res);
    // undici's stream is a node:stream/web ReadableStream, the class global Response consumes.
    const body = noBody ? null : (res.body as ReadableStream<Uint8Array> | null);
    return new Response(body, { status: res.status, statusText: res.statusText, headers });
  });
}

function forwardUrl(t: RegistryTransport, path: string, search: string): URL {
  if (!path.startsWith("/v2/") && path !== "/v2") {
    throw t.error("unsupported", `only /v2/ paths can be forwarded, not ${JSON.stringify(path)}`, null);
  }
  if (search !== "" && !search.startsWith("?")) {
    throw t.error("unsupported", `query string must start with "?", got ${JSON.stringify(search)}`, null);
  }
  let url: URL;
  try {
    url = new URL(`${path}${search}`, t.origin);
  } catch {
    throw t.error("unsupported", `cannot forward ${JSON.stringify(path)}: not a valid path`, null);
  }
  // "/v2/../admin" and "/v2/%2e%2e/x" normalise out of /v2/; "//host/…" would change origin.
  if (url.origin !== t.origin || !(url.pathname.startsWith("/v2/") || url.pathname === "/v2")) {
    throw t.error("unsupported", `cannot forward ${JSON.stringify(path)}: it leaves the registry API`, null);
  }
  return url;
}

function rewriteLink(header: string | null, base: URL, origin: string, prefix: string): string | null {
  if (header === null) return null;
  const parts: string[] = [];
  for (const [rel, target] of Object.entries(parseLinkHeader(header))) {
    let url: URL;
    try {
      url = new URL(target, base);
    } catch {
      continue;
    }
    if (url.origin !== origin) continue;
    parts.push(`<${prefix}${url.pathname}${url.search}>; rel="${rel}"`);
  }
  return parts.length > 0 ? parts.join(", ") : null;
}
