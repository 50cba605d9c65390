// Who is calling: resolved once per request from an API token, HTTP Basic credentials or the
// session cookie, in that order. Route handlers (lib/http/route.ts) and server pages
// (lib/http/page.ts) both come through here.
import "server-only";
import { getToken } from "next-auth/jwt";
import { AppError } from "@/lib/errors";
import { ANONYMOUS, type Caller, type SessionClaims } from "../auth/caller";
import { type Cidr, clientAddress, parseCidrs } from "../auth/client-address";
import { getEnv } from "../env";
import { authenticateToken } from "../services/tokens";
import { authenticatePassword, authenticateSession } from "../services/users";
import { peerAddress } from "./peer";

export const SESSION_COOKIE = "layerscope.session-token";

/** The secret that signs sessions; `npm start` provides one when AUTH_SECRET is unset. */
export function authSecret(): string {
  const secret = getEnv().AUTH_SECRET;
  if (!secret) throw new AppError("unavailable", "AUTH_SECRET is not set: start Layerscope with `npm start` or set AUTH_SECRET");
  return secret;
}

let trusted: { from: readonly string[]; cidrs: Cidr[] } | undefined;

function trustedProxies(): Cidr[] {
  const from = getEnv().LAYERSCOPE_TRUSTED_PROXIES;
  if (trusted?.from !== from) trusted = { from, cidrs: parseCidrs(from) };
  return trusted.cidrs;
}

/**
 * Where the request came from, for audit rows and sign-in throttling: the TCP peer, or behind a
 * proxy listed in LAYERSCOPE_TRUSTED_PROXIES the right-most X-Forwarded-For hop that is not one of
 * them. Always a valid IP address, or null when the peer is unknown (handlers called in-process).
 */
export function clientIp(headers: Headers): string | null {
  return clientAddress({ peer: peerAddress(headers), forwardedFor: headers.get("x-forwarded-for"), trusted: trustedProxies() });
}

/** The session cookie's claims, or null without a valid one. */
export async function readSession(headers: Headers): Promise<SessionClaims | null> {
  if (!headers.get("cookie")?.includes(SESSION_COOKIE)) return null;
  const token = await getToken({ req: { headers }, secret: authSecret(), cookieName: SESSION_COOKIE, salt: SESSION_COOKIE }).catch(
    () => null,
  );
  const uid = token?.uid;
  const sv = token?.sv;
  if (typeof uid !== "number" || typeof sv !== "number") return null;
  return { uid, sv, ...(typeof token?.sid === "string" ? { sid: token.sid } : {}) };
}

function decodeBasic(value: string): { username: string; password: string } {
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw new AppError("unauthorized", "malformed Basic credentials");
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The caller of a request, or null for an anonymous request when anonymous reading is off.
 * Credentials that are present but wrong are a 401 even when anonymous reading is on.
 */
export async function resolveCaller(headers: Headers): Promise<Caller | null> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const [scheme = "", value = ""] = authorization.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(scheme)) return authenticateToken(value);
    if (/^basic$/i.test(scheme)) {
      const { username, password } = decodeBasic(value);
      return authenticatePassword(username, password, { ip: clientIp(headers), via: "basic" });
    }
    throw new AppError("unauthorized", `unsupported Authorization scheme "${scheme.slice(0, 20)}": use Bearer <API token> or Basic`);
  }
  const session = await readSession(headers);
  if (session) {
    const caller = await authenticateSession(session);
    if (caller) return caller;
  }
  return getEnv().LAYERSCOPE_ANONYMOUS_READ ? ANONYMOUS : null;
}
