import "server-only";
import { type NextRequest, NextResponse } from "next/server";
import { z } from "zod";
import { ANONYMOUS, type Caller, clientIp, resolveCaller, SYSTEM } from "../auth/caller";
import { bestRole, roleAtLeast } from "../auth/roles";
import { logger } from "../log";
import { InvalidReferenceError } from "../oci/reference";
import { RegistryError } from "../registry/errors";
import { registryFailure } from "../services/registry";
import { verifyWebhookSecret } from "../services/webhooks";
import { AppError } from "./errors";

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

/**
 * Who may call a route, checked before anything else runs (services check the details):
 * `public` — anyone (health, sign-in, first-run setup);
 * `webhook` — the registry or a GC runner presenting LAYERSCOPE_WEBHOOK_SECRET;
 * `viewer` — any caller, including anonymous readers when LAYERSCOPE_ANONYMOUS_READ is on;
 * `user` — a signed-in user (own profile, own tokens);
 * `editor` — a user whose role or a grant is editor or above;
 * `admin` — a user whose own role is admin.
 */
export type RouteAuth = "public" | "webhook" | "viewer" | "user" | "editor" | "admin";

type Spec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = {
  auth: RouteAuth;
  params?: P;
  query?: Q;
  body?: B;
  /** largest accepted request body in bytes (default 64 KiB) */
  maxBodyBytes?: number;
};

export type Handler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = (ctx: {
  req: NextRequest;
  /** the caller (anonymous on public routes, which do not look at credentials) */
  caller: Caller;
  /** the client address for audit rows */
  ip: string | null;
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
}) => unknown;

const MAX_BODY = 64 * 1024;

/** A JSON response with an explicit status (handlers may also just return a value → 200). */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return NextResponse.json(body, { status, headers });
}

export function errorResponse(e: AppError): Response {
  const headers: Record<string, string> = {};
  if (e.code === "method_not_allowed") headers.Allow = "GET, HEAD";
  // not Basic: a browser would pop up its own password dialog
  if (e.code === "unauthorized") headers["WWW-Authenticate"] = 'Bearer realm="layerscope"';
  // details are what a client acts on (a 409's fresh preview, a storage refusal's reason), never internals
  const body = e.details === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, details: e.details };
  return json({ error: body }, e.status, headers);
}

/** Map anything thrown to an AppError; unknown failures are logged and answered 500 without details. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof z.ZodError) {
    const first = e.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    return new AppError("bad_request", `${where}${first?.message ?? "invalid input"}`);
  }
  if (e instanceof InvalidReferenceError) return new AppError("bad_request", e.message);
  if (e instanceof RegistryError) return registryFailure(e);
  const message = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|Can't reach database|connect ETIMEDOUT|Connection terminated|too many clients/i.test(message)) {
    return new AppError("unavailable", "The database is unavailable");
  }
  logger.error("unhandled error in route", { error: message, stack: e instanceof Error ? e.stack : undefined });
  return new AppError("internal", "Internal error (see the server log)");
}

async function readBody(req: NextRequest, max: number): Promise<unknown> {
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > max) throw new AppError("payload_too_large", `request body exceeds ${max} bytes`);
  const text = await req.text();
  if (Buffer.byteLength(text) > max) throw new AppError("payload_too_large", `request body exceeds ${max} bytes`);
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "request body is not valid JSON");
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF: a state-changing request from a browser carries Origin (and Sec-Fetch-Site); when it
 * names another site the request is refused, whatever credentials ride along. Requests without
 * either header do not come from a browser page, so no cookie was sent on someone else's behalf.
 * Session cookies are also SameSite=Lax.
 */
export function assertSameOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin");
  const fetchSite = req.headers.get("sec-fetch-site");
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (origin !== null) {
    let originHost: string | null = null;
    try {
      originHost = origin === "null" ? null : new URL(origin).host;
    } catch {
      // unparseable Origin: refused below
    }
    if (originHost !== null && originHost === host) return;
  } else if (fetchSite === null || fetchSite === "same-origin" || fetchSite === "none") {
    return;
  }
  throw new AppError("forbidden", "cross-site request refused: send it from Layerscope's own pages, or use an API token");
}

async function authenticate(req: NextRequest, auth: RouteAuth): Promise<Caller> {
  if (auth === "public") return ANONYMOUS;
  if (auth === "webhook") {
    verifyWebhookSecret(req.headers);
    return SYSTEM;
  }
  const caller = await resolveCaller(req.headers);
  if (!caller) throw new AppError("unauthorized", "sign in, or send an API token (Authorization: Bearer) or Basic credentials");
  if (auth === "viewer") return caller;
  if (caller.kind !== "user") throw new AppError("unauthorized", "sign in to do this");
  const best = bestRole(caller.role, caller.grants);
  if (auth === "editor" && !roleAtLeast(best, "editor")) throw new AppError("forbidden", "this needs the editor role");
  if (auth === "admin" && caller.role !== "admin") throw new AppError("forbidden", "this needs the admin role");
  return caller;
}

/**
 * The one wrapper every API route goes through: caller authenticated and role-checked, CSRF
 * refused, params, query and body parsed with zod,
 * typed errors turned into `{ error: { code, message } }` with the right status.
 */
export function route<P extends z.ZodType = z.ZodAny, Q extends z.ZodType = z.ZodAny, B extends z.ZodType = z.ZodAny>(
  spec: Spec<P, Q, B>,
  handler: Handler<P, Q, B>,
) {
  return async (req: NextRequest, context: RouteContext): Promise<Response> => {
    try {
      assertSameOrigin(req);
      const caller = await authenticate(req, spec.auth);
      const rawParams = await context.params;
      // without a schema the handler gets the raw value typed as z.ZodAny's output
      const params = (spec.params ? spec.params.parse(rawParams) : rawParams) as z.infer<P>;
      const query = (spec.query ? spec.query.parse(Object.fromEntries(req.nextUrl.searchParams)) : {}) as z.infer<Q>;
      const body = (spec.body ? spec.body.parse(await readBody(req, spec.maxBodyBytes ?? MAX_BODY)) : undefined) as z.infer<B>;
      const result = await handler({ req, caller, ip: clientIp(req.headers), params, query, body });
      return result instanceof Response ? result : json(result);
    } catch (e) {
      return errorResponse(toAppError(e));
    }
  };
}

/** A numeric row id in the path (`/users/<id>`). */
export const idParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});

/** Segments of a catch-all param, decoded by Next already. */
export const pathSegments = z.object({ path: z.array(z.string()).min(1) });
