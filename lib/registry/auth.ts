// Authentication of registry requests: Basic credentials, or bearer tokens from the challenge's realm
// (fetching and caching them is token.ts; the HTTP call to the realm is the transport's).

import { type AuthChallenge, parseWwwAuthenticate } from "./challenge";
import { type AuthOutcome, BearerAuth, type TokenTransport } from "./token";

/**
 * Decides the Authorization header per request scope ("repository:team/app:pull", "registry:catalog:*",
 * or null for /v2/). Basic credentials go preemptively until the registry shows it wants bearer tokens;
 * from then on each request carries the token for its scope (cached, see token.ts). `authenticate` runs on a
 * 401: it returns the Authorization to retry with once, or explains why the request failed.
 */
export class RegistryAuth {
  private readonly basic: string | null;
  private readonly bearer: BearerAuth;

  constructor(
    private readonly origin: string,
    private readonly username: string | null,
    password: string | null,
    bearer: { allowedRealms: readonly string[]; transport: TokenTransport },
  ) {
    this.basic = username === null ? null : `Basic ${Buffer.from(`${username}:${password ?? ""}`, "utf8").toString("base64")}`;
    this.bearer = new BearerAuth({
      registryOrigin: origin,
      allowedRealms: bearer.allowedRealms,
      credentials: username === null ? null : { username, password: password ?? "" },
      transport: bearer.transport,
    });
  }

  async authorizationFor(scope: string | null): Promise<string | null> {
    return (await this.bearer.authorizationFor(scope)) ?? this.basic;
  }

  /**
   * `mayRetry` is false once the request was already retried with fresh credentials: then only the
   * explanation is wanted, never another token fetch.
   */
  async authenticate(wwwAuthenticate: string | null, scope: string | null, sent: string | null, mayRetry: boolean): Promise<AuthOutcome> {
    const challenges: AuthChallenge[] = wwwAuthenticate === null ? [] : parseWwwAuthenticate(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      if (!mayRetry) return { failure: this.bearer.explain(bearer, scope) };
      return this.bearer.answer(bearer, scope, sent);
    }
    const basic = challenges.find((c) => c.scheme === "basic");
    if (this.basic === null) {
      return {
        failure: basic
          ? `registry at ${this.origin} requires a username and password`
          : `registry at ${this.origin} requires authentication`,
      };
    }
    if (sent !== this.basic && mayRetry) return { retryWith: this.basic };
    return { failure: `registry at ${this.origin} rejected the credentials of user "${this.username ?? ""}"` };
  }
}
