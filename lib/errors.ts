// Typed application errors. Services throw these; the route wrapper maps them to
// `{ error: { code, message } }` with the status below, pages map not_found to notFound().
export const errorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  registry_error: 502,
  registry_unreachable: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

const APPERROR_BRAND = Symbol.for("layerscope.AppError");

export class AppError extends Error {
  /**
   * Next.js bundles the job workers (instrumentation) and the routes separately, and objects such
   * as the shared registry client cross between them: instanceof checks the brand, not the class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && APPERROR_BRAND in value;
  }
  readonly [APPERROR_BRAND] = true;
  override name = "AppError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = errorStatus[code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/**
 * The message of anything thrown: an Error's message (the first of an AggregateError's, which is
 * what Node's connection errors carry), else the value as a string.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return errorMessage(e.errors[0]);
  if (e instanceof Error) return e.message;
  return String(e);
}
