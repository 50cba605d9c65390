// The TCP peer of each request, for lib/http/caller.ts. Next.js hands route handlers a Request
// without the socket, and fills X-Forwarded-For with the socket address only when the client did
// not send one, so a handler cannot tell the two apart. instrumentation.ts calls installPeerHeader()
// at start: from then on every request carries the socket address in PEER_HEADER, stamped with a
// random per-process nonce so that a client-sent copy (or one that slipped in before the patch)
// is never believed.
import "server-only";
import { randomBytes, timingSafeEqual } from "node:crypto";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";

export const PEER_HEADER = "x-layerscope-peer";
const STATE = Symbol.for("layerscope.peer-header");

type State = { nonce: string };

function state(): State | undefined {
  return (globalThis as { [STATE]?: State })[STATE];
}

function stamp(nonce: string, req: unknown): void {
  const r = req as IncomingMessage;
  if (!r?.headers) return;
  delete r.headers[PEER_HEADER];
  const address = r.socket?.remoteAddress;
  if (address) r.headers[PEER_HEADER] = `${nonce} ${address}`;
}

/** Patches this process's HTTP servers so that every request carries its socket address. Idempotent. */
export function installPeerHeader(): void {
  if (state()) return;
  const nonce = randomBytes(18).toString("base64url");
  for (const proto of [http.Server.prototype, https.Server.prototype] as {
    emit: (event: string | symbol, ...args: unknown[]) => boolean;
  }[]) {
    const original = proto.emit;
    proto.emit = function emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      if (event === "request" || event === "checkContinue" || event === "checkExpectation") stamp(nonce, args[0]);
      return original.call(this, event, ...args);
    };
  }
  (globalThis as { [STATE]?: State })[STATE] = { nonce };
}

/** The socket address of a request, or null when the patch is not installed (e.g. handlers called in tests) or the header is not ours. */
export function peerAddress(headers: Headers): string | null {
  const s = state();
  const value = headers.get(PEER_HEADER);
  if (!s || !value) return null;
  const space = value.indexOf(" ");
  const given = Buffer.from(value.slice(0, Math.max(space, 0)));
  const expected = Buffer.from(s.nonce);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return value.slice(space + 1);
}

/** For tests that call route handlers in-process: the header a socket at `address` would have produced. */
export function peerHeaderFor(address: string): Record<string, string> {
  const s = state();
  if (!s) throw new Error("installPeerHeader() has not run in this process");
  return { [PEER_HEADER]: `${s.nonce} ${address}` };
}
