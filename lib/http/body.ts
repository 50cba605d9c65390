// Request bodies read as a stream with a byte limit: the one place that reads a body for the route
// wrapper (lib/http/route.ts) and the Auth.js endpoints (app/api/auth/[...nextauth]/route.ts).
// Content-Length is only a hint: a chunked body has none, so the limit is counted as bytes arrive and
// the read stops at the first chunk past it (413), instead of buffering whatever the client sends.
import "server-only";
import { AppError } from "@/lib/errors";

/** The 413 for a body over `max` bytes. */
export function bodyTooLarge(max: number): AppError {
  return new AppError("payload_too_large", `request body exceeds ${max} bytes`);
}

/**
 * Reads a stream up to `max` bytes. The first chunk that takes the total past `max` throws 413: at most
 * `max` plus that one chunk has been read. The stream is left unread, not cancelled: cancelling Node's
 * request stream destroys the socket before the 413 could be written (the 413 closes the connection).
 */
export async function readStreamLimited(stream: ReadableStream<Uint8Array>, max: number): Promise<Buffer> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) throw bodyTooLarge(max);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, total);
}

/** A request's body, at most `max` bytes (a declared Content-Length over it is refused before reading). */
export async function readBodyLimited(req: Request, max: number): Promise<Buffer> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw bodyTooLarge(max);
  if (req.body === null) return Buffer.alloc(0);
  return readStreamLimited(req.body, max);
}

/** A JSON body of at most `max` bytes; an empty body reads as `{}`. */
export async function readJsonLimited(req: Request, max: number): Promise<unknown> {
  const text = (await readBodyLimited(req, max)).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "request body is not valid JSON");
  }
}

/**
 * Headers for a copy of a request whose body has been read into memory: the framing headers described
 * the original transfer (chunked, or a length) and are recomputed for the buffered body.
 */
export function headersForBufferedBody(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete("content-length");
  copy.delete("transfer-encoding");
  return copy;
}
