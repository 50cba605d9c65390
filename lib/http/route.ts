import "server-only";
import { type NextRequest, NextResponse } from "next/server";
import { z } from "zod";
import { logger } from "../log";
import { InvalidReferenceError } from "../oci/reference";
import { RegistryError } from "../registry/errors";
import { registryFailure } from "../services/registry";
import { AppError } from "./errors";

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

type Spec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = {
  params?: P;
  query?: Q;
  body?: B;
  /** largest accepted request body in bytes (default 64 KiB) */
  maxBodyBytes?: number;
};

export type Handler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = (ctx: {
  req: NextRequest;
  params: z.infer<P>;
  query: z.infer<Q>;
  body: z.infer<B>;
}) => Promise<Response | unknown>;

const MAX_BODY = 64 * 1024;

/** A JSON response with an explicit status (handlers may also just return a value → 200). */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  return NextResponse.json(body, { status, headers });
}

export function errorResponse(e: AppError): Response {
  const headers: Record<string, string> = {};
  if (e.code === "method_not_allowed") headers.Allow = "GET, HEAD";
  return json({ error: { code: e.code, message: e.message } }, e.status, headers);
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

/**
 * The one wrapper every API route goes through: params, query and body parsed with zod,
 * typed errors turned into `{ error: { code, message } }` with the right status.
 */
export function route<P extends z.ZodType = z.ZodAny, Q extends z.ZodType = z.ZodAny, B extends z.ZodType = z.ZodAny>(
  spec: Spec<P, Q, B>,
  handler: Handler<P, Q, B>,
) {
  return async (req: NextRequest, context: RouteContext): Promise<Response> => {
    try {
      const rawParams = await context.params;
      // without a schema the handler gets the raw value typed as z.ZodAny's output
      const params = (spec.params ? spec.params.parse(rawParams) : rawParams) as z.infer<P>;
      const query = (spec.query ? spec.query.parse(Object.fromEntries(req.nextUrl.searchParams)) : {}) as z.infer<Q>;
      const body = (spec.body ? spec.body.parse(await readBody(req, spec.maxBodyBytes ?? MAX_BODY)) : undefined) as z.infer<B>;
      const result = await handler({ req, params, query, body });
      return result instanceof Response ? result : json(result);
    } catch (e) {
      return errorResponse(toAppError(e));
    }
  };
}

/** Segments of a catch-all param, decoded by Next already. */
export const pathSegments = z.object({ path: z.array(z.string()).min(1) });
