// Tokens from a realm: parsing the realm's JSON reply, how long a token may be used, and the cache of tokens
// per (realm, service, scope) that BearerAuth (token.ts) fills. Pure: no network access.

import { z } from "zod";

/**
 * One spelling per set of scopes: scopes and their actions sorted. docker-registry 2.8 lists push actions in
 * random order ("push,pull" or "pull,push"), which must not split the cache.
 */
export function canonicalScope(scope: string | null): string | null {
  if (scope === null) return null;
  const scopes = scope.split(" ").filter((s) => s !== "");
  return scopes
    .map((s) => {
      const i = s.lastIndexOf(":");
      if (i === -1) return s;
      const actions = s
        .slice(i + 1)
        .split(",")
        .filter((a) => a !== "");
      return `${s.slice(0, i)}:${[...new Set(actions)].sort().join(",")}`;
    })
    .sort()
    .join(" ");
}

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 60;

/**
 * The realm's JSON answer. `token` is the registry spec's name, `access_token` the OAuth 2 one; either may be
 * present. A malformed `expires_in`/`issued_at` falls back to the default rather than failing authentication.
 */
export const tokenReplySchema = z.object({
  token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
  expires_in: z.number().positive().finite().optional().catch(undefined),
  issued_at: z.string().optional().catch(undefined),
});

export type TokenGrant = { token: string; expiresInSeconds: number };

/** Only visible ASCII: the token goes into a header, and a CR/LF from the realm must not reach it. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/** The token from a realm's reply body, or a reason (never containing the body, which may hold a token). */
export function parseTokenReply(text: string): TokenGrant | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { error: "answered with a body that is not JSON" };
  }
  const parsed = tokenReplySchema.safeParse(doc);
  if (!parsed.success) return { error: "answered with JSON that is not a token reply" };
  const token = parsed.data.token ?? parsed.data.access_token;
  if (token === undefined) return { error: "answered without a token" };
  if (!TOKEN_CHARS.test(token)) return { error: "answered with a token containing characters not allowed in a header" };
  // issued_at is deliberately ignored: the realm's clock may differ from ours, and counting from when the reply
  // arrived can only make us refresh a little early, never send an expired token.
  return { token, expiresInSeconds: parsed.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_SECONDS };
}

/**
 * When to stop using a token received at `receivedAt` (ms): a quarter of its lifetime early, at most 10 s, so a
 * request (and its retries) started just before the deadline still carries a valid token.
 */
export function tokenExpiresAt(receivedAt: number, expiresInSeconds: number): number {
  const lifetimeMs = expiresInSeconds * 1000;
  return receivedAt + lifetimeMs - Math.min(10_000, lifetimeMs / 4);
}

// ---------------------------------------------------------------------------------------------------
// Cache

export type TokenKey = { realm: string; service: string | null; scope: string | null };

function cacheKey(k: TokenKey): string {
  return JSON.stringify([k.realm, k.service, canonicalScope(k.scope)]);
}

/** Enough for a token per repository of a large registry; beyond it expired entries, then the oldest, go. */
const MAX_CACHED_TOKENS = 10_000;

/**
 * Tokens per (realm, service, scope) until shortly before they expire. Callers asking for the same key while
 * a fetch is in flight share that fetch, so a sync of many tags of one repository costs one token request.
 */
export class TokenCache {
  private readonly entries = new Map<string, { token: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached token for `key` if it is still fresh. */
  get(key: TokenKey): string | null {
    const k = cacheKey(key);
    const entry = this.entries.get(k);
    if (entry === undefined) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(k);
      return null;
    }
    return entry.token;
  }

  set(key: TokenKey, grant: TokenGrant): void {
    const k = cacheKey(key);
    const now = this.now();
    this.entries.delete(k); // re-insert at the end: Map order is the eviction order
    this.entries.set(k, { token: grant.token, expiresAt: tokenExpiresAt(now, grant.expiresInSeconds) });
    if (this.entries.size > MAX_CACHED_TOKENS) this.prune(now);
  }

  /** Whether `token` is what the cache holds for `key` (the request that sent it asked for exactly this scope). */
  holds(key: TokenKey, token: string): boolean {
    return this.entries.get(cacheKey(key))?.token === token;
  }

  /** Forgets `token` wherever it is cached: the registry refused it, e.g. after a signing key change. */
  invalidate(token: string): void {
    for (const [k, entry] of this.entries) if (entry.token === token) this.entries.delete(k);
  }

  /**
   * A fresh token for `key`: the cached one (unless it is `rejected`), the fetch already in flight, or a new
   * fetch that concurrent callers share. A failed fetch is not cached: the next caller tries again.
   */
  obtain(key: TokenKey, fetchToken: () => Promise<TokenGrant>, rejected: string | null = null): Promise<string> {
    const cached = this.get(key);
    if (cached !== null && cached !== rejected) return Promise.resolve(cached);
    const k = cacheKey(key);
    const running = this.inflight.get(k);
    if (running !== undefined) return running;
    const started = (async () => {
      try {
        const grant = await fetchToken();
        this.set(key, grant);
        return grant.token;
      } finally {
        this.inflight.delete(k);
      }
    })();
    this.inflight.set(k, started);
    return started;
  }

  private prune(now: number): void {
    for (const [k, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= MAX_CACHED_TOKENS) break;
      this.entries.delete(k);
    }
  }
}
