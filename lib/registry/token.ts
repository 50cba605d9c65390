// Registry token authentication (the distribution "token" scheme Docker Hub, Harbor, GitLab and most hosted
// registries use). A 401 carrying `WWW-Authenticate: Bearer realm=…,service=…,scope=…` sends the client to the
// realm for a short-lived token; the request is then retried with `Authorization: Bearer <token>`.
//
// Token replies and the token cache are token-cache.ts.
//
// No `server-only` import and no direct network access: the HTTP call to the realm is a `TokenTransport` that
// client.ts supplies (its TLS agent, timeout and request hook), so everything here runs in unit tests.
//
// Safety rules this file enforces:
// - a realm on another origin than the registry is refused (never contacted) unless its origin is allowed;
// - only http(s) realms; userinfo in a realm URL is dropped;
// - the registry credentials go to an allowed realm only, as HTTP Basic; tokens and passwords never appear in
//   error messages.

import { isValidRepositoryName } from "../oci/reference";
import type { AuthChallenge } from "./challenge";
import { RegistryError } from "./errors";
import { parseTokenReply, TokenCache, type TokenGrant, type TokenKey } from "./token-cache";

// ---------------------------------------------------------------------------------------------------
// Scopes

export const CATALOG_SCOPE = "registry:catalog:*";

export type RepositoryAction = "pull" | "push" | "delete";

export function repositoryScope(name: string, actions: readonly RepositoryAction[]): string {
  return `repository:${name}:${actions.join(",")}`;
}

/**
 * The scope the registry will challenge a request for, from its method and path (the API's URL layout), so a
 * cached token can go with the first attempt. Reads need `pull`; uploads `pull,push`; DELETE needs `delete`
 * (distribution 2.8+; older registries asked for `*`, which a `delete` token does not satisfy — the challenge
 * then names the scope and one refetch fixes it). null for /v2/ and paths outside a repository.
 */
export function scopeForRequest(method: string, pathname: string): string | null {
  if (pathname === "/v2/_catalog") return CATALOG_SCOPE;
  const m = /^\/v2\/(.+)\/(?:manifests|blobs|tags|referrers)\//.exec(pathname);
  const name = m?.[1];
  if (name === undefined || !isValidRepositoryName(name)) return null;
  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
      return repositoryScope(name, ["pull"]);
    case "DELETE":
      return repositoryScope(name, ["delete"]);
    case "POST":
    case "PUT":
    case "PATCH":
      return repositoryScope(name, ["pull", "push"]);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Realm safety

export type RealmCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** "http://auth.example/token" without userinfo or query: how a realm is named in messages. */
export function describeRealm(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Whether a challenge's realm may be contacted. The registry chooses the realm, so a compromised or spoofed
 * registry could point it anywhere and collect the credentials we send there: only the registry's own origin
 * and origins an operator listed (REGISTRY_TOKEN_REALMS) are accepted.
 */
export function checkRealm(realm: string, registryOrigin: string, allowedOrigins: readonly string[]): RealmCheck {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return { ok: false, reason: `registry at ${registryOrigin} sent an invalid token realm ${JSON.stringify(realm.slice(0, 200))}` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      ok: false,
      reason: `registry at ${registryOrigin} sent a token realm with scheme ${url.protocol}; only http and https realms are supported`,
    };
  }
  // Userinfo would be a second, registry-chosen set of credentials; the fragment is never sent anyway.
  url.username = "";
  url.password = "";
  url.hash = "";
  if (url.origin === registryOrigin || normalizeOrigins(allowedOrigins).has(url.origin)) return { ok: true, url };
  return {
    ok: false,
    reason:
      `registry at ${registryOrigin} requires token authentication from ${describeRealm(url)}, on another origin; ` +
      `token authentication is not configured yet for that origin: add ${url.origin} to REGISTRY_TOKEN_REALMS to allow it`,
  };
}

function normalizeOrigins(origins: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const o of origins) {
    try {
      out.add(new URL(o).origin);
    } catch {
      // lib/env validates REGISTRY_TOKEN_REALMS; a bad entry passed directly simply allows nothing.
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Bearer authentication state of one client

/** What the transport reports of the realm's answer; the body is read (limited) by the transport. */
export type TokenHttpResponse = { status: number; statusText: string; text: string };

/**
 * One GET to a realm URL. Throws a RegistryError for network failures (unreachable, TLS, timeout), naming the
 * realm; `authorization` is the registry's Basic credentials or null.
 */
export type TokenTransport = (url: URL, authorization: string | null) => Promise<TokenHttpResponse>;

export type BearerAuthOptions = {
  registryOrigin: string;
  /** Origins besides the registry's own a realm may live on (REGISTRY_TOKEN_REALMS). */
  allowedRealms: readonly string[];
  credentials: { username: string; password: string } | null;
  transport: TokenTransport;
  now?: () => number;
};

/** What a 401 leads to: retry once with this Authorization, or fail with this explanation. */
export type AuthOutcome = { retryWith: string } | { failure: string };

export class BearerAuth {
  private readonly cache: TokenCache;
  private readonly basic: string | null;
  /**
   * Realm and service of the registry's last Bearer challenge. Once known, requests fetch the token for their
   * scope before they are sent instead of paying a 401 each.
   */
  private known: { realm: URL; service: string | null } | null = null;

  constructor(private readonly options: BearerAuthOptions) {
    this.cache = new TokenCache(options.now);
    const c = options.credentials;
    this.basic = c === null ? null : `Basic ${Buffer.from(`${c.username}:${c.password}`, "utf8").toString("base64")}`;
  }

  /** Whether the registry has shown it wants bearer tokens. */
  get active(): boolean {
    return this.known !== null;
  }

  /** Authorization for a request needing `scope` before it is sent; null until the registry asked for a token. */
  async authorizationFor(scope: string | null): Promise<string | null> {
    const known = this.known;
    if (known === null) return null;
    const key: TokenKey = { realm: known.realm.href, service: known.service, scope };
    const token = await this.cache.obtain(key, () => this.fetchToken(known.realm, known.service, scope));
    return `Bearer ${token}`;
  }

  /**
   * Handles a 401 Bearer challenge to a request that needed `requestScope` and carried `sent`. Returns the
   * Authorization to retry with, or why retrying cannot help. Throws a RegistryError when the realm is refused
   * or the token cannot be fetched: those are configuration or network problems, not the registry's answer.
   */
  async answer(challenge: AuthChallenge, requestScope: string | null, sent: string | null): Promise<AuthOutcome> {
    const { realm, service, scope } = this.readChallenge(challenge, requestScope);
    this.known = { realm, service };
    const key: TokenKey = { realm: realm.href, service, scope };
    const sentToken = bearerToken(sent);
    if (sentToken !== null) {
      if (challenge.params.error === "insufficient_scope") {
        // A token fetched for exactly this scope that the registry finds insufficient: the account lacks the
        // access, and a new token would say the same. A token for another scope stays valid for that one.
        if (this.cache.holds(key, sentToken)) return { failure: this.explain(challenge, requestScope) };
      } else {
        // invalid_token or no reason: expired early, revoked, or signed with a key the registry no longer trusts
        this.cache.invalidate(sentToken);
      }
    }
    const token = await this.cache.obtain(key, () => this.fetchToken(realm, service, scope), sentToken);
    return { retryWith: `Bearer ${token}` };
  }

  /** Why a request that already carried a fresh token was refused again. */
  explain(challenge: AuthChallenge, requestScope: string | null): string {
    const origin = this.options.registryOrigin;
    const scope = challenge.params.scope ?? requestScope;
    const realm = realmForMessage(challenge.params.realm);
    const who = this.options.credentials === null ? "anonymous access" : `user "${this.options.credentials.username}"`;
    if (challenge.params.error === "insufficient_scope") {
      const hint =
        this.options.credentials === null
          ? "set REGISTRY_USERNAME and REGISTRY_PASSWORD for an account that has it"
          : "that account lacks this access on the token server";
      return `registry at ${origin} denied ${scope ?? "access"} to ${who}: the token${realm} does not grant it (insufficient_scope); ${hint}`;
    }
    const reason = challenge.params.error ? ` (${challenge.params.error})` : "";
    return (
      `registry at ${origin} rejected the token${realm} for ${who}${reason}: ` +
      "check that the registry trusts the token server's certificate and that issuer and service match"
    );
  }

  private readChallenge(
    challenge: AuthChallenge,
    requestScope: string | null,
  ): { realm: URL; service: string | null; scope: string | null } {
    const origin = this.options.registryOrigin;
    const realm = challenge.params.realm;
    if (realm === undefined || realm === "") {
      throw new RegistryError({
        kind: "unauthorized",
        status: 401,
        message: `registry at ${origin} asked for a bearer token without naming a realm to get it from`,
      });
    }
    const check = checkRealm(realm, origin, this.options.allowedRealms);
    if (!check.ok) throw new RegistryError({ kind: "unauthorized", status: 401, message: check.reason });
    const service = challenge.params.service || null;
    // /v2/ challenges carry no scope; a repository's challenge names the one it wants, which wins over ours.
    const scope = challenge.params.scope || requestScope;
    return { realm: check.url, service, scope };
  }

  private async fetchToken(realm: URL, service: string | null, scope: string | null): Promise<TokenGrant> {
    const url = new URL(realm);
    if (service !== null) url.searchParams.append("service", service);
    // Several scopes in one challenge are space-separated; the realm takes one `scope` parameter each.
    for (const s of (scope ?? "").split(" ")) if (s !== "") url.searchParams.append("scope", s);
    const shown = describeRealm(realm);
    const res = await this.options.transport(url, this.basic);
    if (res.status === 401 || res.status === 403) {
      const c = this.options.credentials;
      throw new RegistryError({
        kind: "unauthorized",
        status: res.status,
        url: shown,
        message:
          c === null
            ? `token realm ${shown} answered ${res.status} to an anonymous request: set REGISTRY_USERNAME and REGISTRY_PASSWORD`
            : `token realm ${shown} answered ${res.status} for user "${c.username}": check REGISTRY_USERNAME/REGISTRY_PASSWORD`,
      });
    }
    if (res.status < 200 || res.status > 299) {
      const redirected = res.status >= 300 && res.status < 400 ? " (redirects from a token realm are not followed)" : "";
      throw new RegistryError({
        kind: "http",
        status: res.status,
        url: shown,
        message: `token realm ${shown} answered ${res.status} ${res.statusText || "error"}${redirected}${scope ? ` for scope ${scope}` : ""}`,
      });
    }
    const grant = parseTokenReply(res.text);
    if ("error" in grant) {
      throw new RegistryError({ kind: "invalid_response", status: res.status, url: shown, message: `token realm ${shown} ${grant.error}` });
    }
    return grant;
  }
}

/** " from <realm>" without userinfo or query (the registry chose them), or "" when there is no usable realm. */
function realmForMessage(realm: string | undefined): string {
  if (realm === undefined) return "";
  try {
    return ` from ${describeRealm(new URL(realm))}`;
  } catch {
    return "";
  }
}

/** The token of a `Bearer …` Authorization value, else null. */
function bearerToken(authorization: string | null): string | null {
  if (authorization === null || !authorization.startsWith("Bearer ")) return null;
  return authorization.slice("Bearer ".length);
}
