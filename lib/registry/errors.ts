// The one error type lib/registry throws for anything the registry (or the network to it) did wrong.
// Pure: no server-only import, so unit tests and the route wrapper can use it anywhere.
import { z } from "zod";

export type RegistryErrorKind =
  | "unreachable"
  | "timeout"
  | "http"
  | "unauthorized"
  | "not_found"
  | "too_large"
  | "invalid_response"
  | "digest_mismatch"
  | "unsupported";

/** One entry of the distribution spec's `{"errors":[{code,message,detail}]}` error body. */
export type RegistryErrorCode = { code: string; message: string; detail?: unknown };

export type RegistryErrorInit = {
  kind: RegistryErrorKind;
  message: string;
  /** HTTP status the registry answered with; null when there was no usable answer. */
  status?: number | null;
  codes?: RegistryErrorCode[];
  /** Path (and query) of the request on the registry; never an origin with credentials. */
  url?: string | null;
  cause?: unknown;
};

const REGISTRYERROR_BRAND = Symbol.for("layerscope.RegistryError");

export class RegistryError extends Error {
  /**
   * Next.js bundles the job workers (instrumentation) and the routes separately, and objects such
   * as the shared registry client cross between them: instanceof checks the brand, not the class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && REGISTRYERROR_BRAND in value;
  }
  readonly [REGISTRYERROR_BRAND] = true;
  override name = "RegistryError";
  readonly kind: RegistryErrorKind;
  readonly status: number | null;
  readonly codes: RegistryErrorCode[];
  readonly url: string | null;

  constructor(init: RegistryErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.codes = init.codes ?? [];
    this.url = init.url ?? null;
  }

  /** Whether the registry's error body listed `code` (e.g. "MANIFEST_UNKNOWN"); case-insensitive. */
  hasCode(code: string): boolean {
    const wanted = code.toUpperCase();
    return this.codes.some((c) => c.code.toUpperCase() === wanted);
  }
}

export function isRegistryError(e: unknown): e is RegistryError {
  return e instanceof RegistryError;
}

const errorEntrySchema = z.object({
  code: z.string().min(1),
  message: z.string().nullish(),
  detail: z.unknown().optional(),
});
const errorBodySchema = z.object({ errors: z.array(z.unknown()) });

/**
 * Reads a registry error body. Anything that is not the documented shape (HTML from a proxy, truncated
 * JSON, entries without a code) yields the entries that do parse, possibly none; it never throws.
 */
export function parseRegistryErrorBody(text: string): RegistryErrorCode[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const body = errorBodySchema.safeParse(doc);
  if (!body.success) return [];
  const codes: RegistryErrorCode[] = [];
  for (const raw of body.data.errors) {
    const entry = errorEntrySchema.safeParse(raw);
    if (!entry.success) continue;
    const code: RegistryErrorCode = { code: entry.data.code, message: entry.data.message ?? "" };
    if (entry.data.detail !== undefined && entry.data.detail !== null) code.detail = entry.data.detail;
    codes.push(code);
  }
  return codes;
}

/** "MANIFEST_UNKNOWN: manifest unknown; TAG_INVALID: …", or "" without codes. */
export function formatRegistryErrorCodes(codes: RegistryErrorCode[]): string {
  return codes.map((c) => (c.message === "" ? c.code : `${c.code}: ${c.message}`)).join("; ");
}

/** "4 MiB", "512 KiB", "1500 bytes": limits as a person would write them. */
export function formatByteLimit(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
