import "server-only";
import { type NextRequest, NextResponse } from "next/server";
import { z } from "zod";
import { AppError, errorMessage } from "@/lib/errors";
import { ANONYMOUS, type Caller, SYSTEM } from "../auth/caller";
import { bestRole, roleAtLeast } from "../auth/roles";
import { logger, withLogContext } from "../log";
import { observe, routeTemplate } from "../metrics";
import { InvalidReferenceError } from "../oci/reference";
import { RegistryError } from "../registry/errors";
import { auditActor, recordAudit } from "../services/audit";
import { assertGcCallbackSecret } from "../services/gc-callback-mailbox";
import { registryFailure } from "../services/registry";
import { assertRegistryWebhookSecret } from "../services/registry-notifications";
import { readJsonLimited } from "./body";
import { clientIp, resolveCaller } from "./caller";
import { type ControlCharacterFinding, findControlCharacter } from "./input";

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

/**
 * Who may call a route, checked before anything else runs (services check the details):
 * `public` — anyone (health, sign-in, first-run setup);
 * `webhook` — the registry presenting LAYERSCOPE_WEBHOOK_SECRET;
 * `gc-webhook` — the operator's GC automation presenting GC_WEBHOOK_SECRET (X-Layerscope-Secret);
 * `viewer` — any caller, including anonymous readers when LAYERSCOPE_ANONYMOUS_READ is on;
 * `user` — a signed-in user (own profile, own tokens);
 * `editor` — a user whose role or a grant is editor or above;
 * `admin` — a user whose own role is admin.
 */
export type RouteAuth = "public" | "webhook" | "gc-webhook" | "viewer" | "user" | "editor" | "admin";

type Spec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = {
  auth: RouteAuth;
  params?: P;
  query?: Q;
  body?: B;
  /** largest accepted request body in bytes (default 64 KiB), counted as it streams in */
  maxBodyBytes?: number;
  /**
   * Top-level body fields that are free text (a log): tab, line feed and carriage return are allowed there.
   * Every other control character, and any control character elsewhere in params, query or body, is a 400.
   */
  textFields?: readonly string[];
};

/** What a route declares, as the OpenAPI document sees it. */
export type RouteSpec = {
  auth: RouteAuth;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
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
  // the rest of an oversized body is never read: close the connection rather than leave it waiting
  if (e.code === "payload_too_large") headers.Connection = "close";
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
  const message = errorMessage(e);
  if (/ECONNREFUSED|Can't reach database|connect ETIMEDOUT|Connection terminated|too many clients/i.test(message)) {
    return new AppError("unavailable", "The database is unavailable");
  }
  logger.error("unhandled error in route", { error: message, stack: e instanceof Error ? e.stack : undefined });
  return new AppError("internal", "Internal error (see the server log)");
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
    assertRegistryWebhookSecret(req.headers);
    return SYSTEM;
  }
  if (auth === "gc-webhook") {
    assertGcCallbackSecret(req.headers);
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
 * Refuses input holding a control character (400), and audits the refusal of a state-changing request:
 * the service that would have recorded the action never runs.
 */
async function refuseControlCharacters(req: NextRequest, caller: Caller, found: ControlCharacterFinding | null): Promise<void> {
  if (found === null) return;
  const message = `${found.field}: control characters are not allowed (found ${found.character})`;
  if (!SAFE_METHODS.has(req.method)) {
    await recordAudit({
      actor: auditActor(caller),
      action: "request.refused",
      // the path is percent-encoded: it holds no raw control character
      target: `${req.method} ${req.nextUrl.pathname}`.slice(0, 512),
      result: "denied",
      ip: clientIp(req.headers),
      details: { reason: message },
    }).catch((e: unknown) => logger.warn("could not audit a refused request", { error: errorMessage(e) }));
  }
  throw new AppError("bad_request", message);
}

/**
 * The one wrapper every API route goes through: caller authenticated and role-checked (secrets too)
 * before any body is read, CSRF refused, bodies read as a stream up to their limit, control characters
 * refused, params, query and body parsed with zod,
 * typed errors turned into `{ error: { code, message } }` with the right status.
 */
export function route<P extends z.ZodType = z.ZodAny, Q extends z.ZodType = z.ZodAny, B extends z.ZodType = z.ZodAny>(
  spec: Spec<P, Q, B>,
  handler: Handler<P, Q, B>,
) {
  const wrapped = async (req: NextRequest, context: RouteContext): Promise<Response> => {
    const requestId = requestIdFor(req);
    return withLogContext({ requestId }, async () => {
      const started = performance.now();
      const handled = await handle(req, context);
      const rawParams = await Promise.resolve(context?.params ?? {}).catch(() => ({}));
      recordRequest(req, rawParams, handled.status, performance.now() - started, errorCodes.get(handled) ?? null);
      return withHeader(handled, REQUEST_ID_HEADER, requestId);
    });
  };
  // the OpenAPI document (lib/openapi) reads the route's schemas from here
  return Object.assign(wrapped, { spec: spec as RouteSpec });

  async function handle(req: NextRequest, context: RouteContext): Promise<Response> {
    try {
      assertSameOrigin(req);
      const caller = await authenticate(req, spec.auth);
      const rawParams = await context.params;
      await refuseControlCharacters(req, caller, findControlCharacter(rawParams, "params"));
      // every pair, repeated names included (the schema sees the last)
      for (const [name, value] of req.nextUrl.searchParams) {
        await refuseControlCharacters(req, caller, findControlCharacter({ [name]: value }, "query"));
      }
      const rawQuery = Object.fromEntries(req.nextUrl.searchParams);
      // without a schema the handler gets the raw value typed as z.ZodAny's output
      const params = (spec.params ? spec.params.parse(rawParams) : rawParams) as z.infer<P>;
      const query = (spec.query ? spec.query.parse(rawQuery) : {}) as z.infer<Q>;
      let body: z.infer<B> = undefined as z.infer<B>;
      if (spec.body) {
        const rawBody = await readJsonLimited(req, spec.maxBodyBytes ?? MAX_BODY);
        await refuseControlCharacters(req, caller, findControlCharacter(rawBody, "body", new Set(spec.textFields)));
        body = spec.body.parse(rawBody) as z.infer<B>;
      }
      const result = await handler({ req, caller, ip: clientIp(req.headers), params, query, body });
      return result instanceof Response ? result : json(result);
    } catch (e) {
      const error = toAppError(e);
      const res = errorResponse(error);
      errorCodes.set(res, error.code);
      return res;
    }
  }
}

const REQUEST_ID_HEADER = "X-Request-Id";
/** The error code of each error response, for the metrics. */
const errorCodes = new WeakMap<Response, string>();

/** Set a header, copying the response when its headers are immutable (e.g. a passed-through fetch). */
function withHeader(res: Response, name: string, value: string): Response {
  try {
    res.headers.set(name, value);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    copy.headers.set(name, value);
    return copy;
  }
}

/** The caller's X-Request-Id when it is a sane token (a proxy's id keeps one trail), else a new UUID. */
function requestIdFor(req: Request): string {
  const given = req.headers.get(REQUEST_ID_HEADER);
  return given && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : crypto.randomUUID();
}

// probes poll these: their lines only at debug level
const QUIET_ROUTES = new Set(["/api/v1/health", "/api/v1/ready", "/api/metrics"]);

function recordRequest(
  req: NextRequest,
  params: Record<string, string | string[] | undefined>,
  status: number,
  ms: number,
  errorCode: string | null,
): void {
  const template = routeTemplate(req.nextUrl.pathname, params);
  observe((m) => {
    const labels = { method: req.method, route: template, status: String(status) };
    m.httpDuration.observe(labels, ms / 1000);
    m.httpRequests.inc(labels);
    if (errorCode) m.httpErrors.inc({ method: req.method, route: template, code: errorCode });
  });
  const fields = { method: req.method, route: template, status, ms: Math.round(ms) };
  if (QUIET_ROUTES.has(template)) logger.debug("request", fields);
  else logger.info("request", fields);
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
