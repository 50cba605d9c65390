// The API client every query module shares: errors, fetch helpers, search-param reading and the QueryClient's
// defaults. Client-safe.

import type { InfiniteData } from "@tanstack/react-query";
import type { z } from "zod";
import type { GcRun } from "@/lib/contract/gc";

type Schemas = typeof import("./response-schemas");

/** The name of a schema in ./response-schemas that an API answer is checked against. */
export type ResponseSchema = { [K in keyof Schemas]: Schemas[K] extends z.ZodType ? K : never }[keyof Schemas];

let schemas: Promise<Schemas> | undefined;

/**
 * The response schemas, and zod with them, load with the browser's first API request rather than with the page:
 * building them took about 45 ms of script evaluation on every full page load here, while the page's first rows
 * waited to be painted. A page rendered on the server needs none of them until it fetches something itself.
 */
export function loadSchemas(): Promise<Schemas> {
  schemas ??= import("./response-schemas");
  return schemas;
}

/** A failed API call: the HTTP status and the `{ error: { code, message } }` body (status 0: no response). */
export class ApiRequestError extends Error {
  override name = "ApiRequestError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isApiRequestError(e: unknown): e is ApiRequestError {
  return e instanceof ApiRequestError;
}

/** Client errors (4xx) won't change on retry; everything else gets two more tries. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

type SearchValue = string | number | undefined | null;

export function withSearch(path: string, search: Record<string, SearchValue>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(search)) {
    if (v !== undefined && v !== null && v !== "") sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

async function readError(res: Response): Promise<ApiRequestError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON (a proxy's error page, say): fall back to the status line
  }
  const parsed = (await loadSchemas()).apiError.safeParse(body);
  if (parsed.success) return new ApiRequestError(res.status, parsed.data.error.code, parsed.data.error.message);
  return new ApiRequestError(res.status, `http_${res.status}`, `${res.status} ${res.statusText || "request failed"}`);
}

export async function request(path: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { accept: "application/json", ...init.headers } });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiRequestError(0, "network_error", "Could not reach the Layerscope server");
  }
  if (!res.ok) throw await readError(res);
  return res;
}

/** A state-changing call with a JSON body. Same-origin fetches send Origin, which the API checks. */
export function sendJson(path: string, method: "POST" | "PATCH" | "DELETE", body?: unknown): Promise<Response> {
  return request(path, {
    method,
    cache: "no-store",
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
}

export async function parseJson<K extends ResponseSchema>(res: Response, path: string, schema: K): Promise<z.output<Schemas[K]>> {
  const [body, all] = await Promise.all([res.json().catch(() => null), loadSchemas()]);
  const parsed = (all[schema] as z.ZodType).safeParse(body);
  if (!parsed.success) {
    throw new ApiRequestError(res.status, "invalid_response", `Unexpected response from ${path.split("?")[0]}`);
  }
  return parsed.data as z.output<Schemas[K]>;
}

export async function getJson<K extends ResponseSchema>(path: string, schema: K, signal?: AbortSignal): Promise<z.output<Schemas[K]>> {
  return parseJson(await request(path, { signal, cache: "no-store" }), path, schema);
}

/** What a page's `searchParams` prop or a `URLSearchParams` looks like. */
export type SearchParamsLike = Pick<URLSearchParams, "get"> | Record<string, string | string[] | undefined> | undefined;

export function readParam(sp: SearchParamsLike, key: string): string | undefined {
  if (!sp) return undefined;
  if (typeof sp.get === "function") return (sp as Pick<URLSearchParams, "get">).get(key) ?? undefined;
  const v = (sp as Record<string, string | string[] | undefined>)[key];
  return Array.isArray(v) ? v[0] : v;
}

export function nonEmpty(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/** A ":" only ever appears in a digest, never in a tag. */
export function isDigestReference(reference: string): boolean {
  return reference.includes(":");
}

export const TAG_POINTERS_STALE_MS = 30_000;

/** How often a queued or running job (GC run, storage scan) is polled. */
export const GC_POLL_MS = 1_000;

export const isActive = (status: GcRun["status"] | undefined) => status === "queued" || status === "running";

/** All loaded pages of an infinite list, flattened. */
export function flattenPages<T>(data: InfiniteData<{ items: T[] }, unknown> | undefined): T[] {
  return data ? data.pages.flatMap((p) => p.items) : [];
}

export const DEFAULT_STALE_MS = 30_000;

export const queryClientConfig = {
  defaultOptions: {
    queries: {
      // With SSR, a zero staleTime would refetch everything right after hydration.
      staleTime: DEFAULT_STALE_MS,
      retry: shouldRetry,
      refetchOnWindowFocus: false,
    },
  },
} as const;
