import "server-only";
// Response bodies: read with a byte limit (a huge body is never downloaded in full), checked against
// digests over the raw bytes, decoded as strict UTF-8.

import { createHash } from "node:crypto";
import type { Response as UndiciResponse } from "undici";
import type { RegistryError, RegistryErrorKind } from "./errors";

/** Error bodies are read only to find `{"errors":[…]}`; the rest is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Builds the RegistryError for a body problem (the transport's `error`, which names the URL). */
type ErrorFactory = { error(kind: RegistryErrorKind, message: string, url: URL | null): RegistryError };

export async function discard(res: UndiciResponse): Promise<void> {
  if (res.body === null || res.bodyUsed) return;
  try {
    await res.body.cancel();
  } catch {
    // Already errored or closed: nothing left to release.
  }
}

/**
 * Reads the body into memory, failing as soon as Content-Length or the bytes streamed so far pass
 * `limit`; the connection is then cancelled, so a huge body is never downloaded in full.
 */
export async function readLimited(res: UndiciResponse, limit: number, tooLarge: () => RegistryError): Promise<Uint8Array> {
  const declared = parseContentLength(res.headers.get("content-length"));
  if (declared !== null && declared > limit) {
    await discard(res);
    throw tooLarge();
  }
  const { bytes, truncated } = await readUpTo(res, limit);
  if (truncated) throw tooLarge();
  return bytes;
}

async function readUpTo(res: UndiciResponse, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (res.body === null) return { bytes: new Uint8Array(0), truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk: Uint8Array = value;
    if (total + chunk.byteLength > limit) {
      chunks.push(chunk.subarray(0, limit - total));
      total = limit;
      await reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks, total), truncated: true };
    }
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  return { bytes: Buffer.concat(chunks, total), truncated: false };
}

export async function readErrorText(res: UndiciResponse): Promise<string> {
  try {
    const { bytes } = await readUpTo(res, MAX_ERROR_BODY_BYTES);
    return new TextDecoder().decode(bytes);
  } catch {
    return "";
  }
}

export function computeDigest(bytes: Uint8Array, algorithm: "sha256" | "sha512"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

export function parseContentLength(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : null;
}

export function verifyDigest(t: ErrorFactory, bytes: Uint8Array, expected: string, what: string, url: URL): void {
  const algorithm = expected.slice(0, expected.indexOf(":"));
  if (algorithm !== "sha256" && algorithm !== "sha512") {
    throw t.error("unsupported", `cannot verify ${what}: digest algorithm ${algorithm} is not supported`, url);
  }
  const actual = computeDigest(bytes, algorithm);
  if (actual !== expected) {
    throw t.error("digest_mismatch", `${what} has digest ${actual}, expected ${expected}`, url);
  }
}

export function decodeUtf8(t: ErrorFactory, bytes: Uint8Array, what: string, url: URL): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw t.error("invalid_response", `${what} is not valid UTF-8`, url);
  }
}
