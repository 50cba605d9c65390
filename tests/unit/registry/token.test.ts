import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "../../../lib/registry/challenge";
import { RegistryError } from "../../../lib/registry/errors";
import {
  BearerAuth,
  type BearerAuthOptions,
  CATALOG_SCOPE,
  checkRealm,
  repositoryScope,
  scopeForRequest,
  type TokenHttpResponse,
} from "../../../lib/registry/token";
import { canonicalScope, parseTokenReply, TokenCache, type TokenKey, tokenExpiresAt } from "../../../lib/registry/token-cache";

const REGISTRY = "https://registry.example.com";
const REALM = "https://registry.example.com/auth/token";

describe("scopeForRequest", () => {
  it("asks for the catalog scope on /v2/_catalog", () => {
    expect(scopeForRequest("GET", "/v2/_catalog")).toBe(CATALOG_SCOPE);
    expect(CATALOG_SCOPE).toBe("registry:catalog:*");
  });

  it("asks for pull on reads of tags, manifests, blobs and referrers, with nested repository names", () => {
    expect(scopeForRequest("GET", "/v2/team/app/tags/list")).toBe("repository:team/app:pull");
    expect(scopeForRequest("HEAD", "/v2/team/app/manifests/v1")).toBe("repository:team/app:pull");
    expect(scopeForRequest("get", "/v2/a/b/c/blobs/sha256:abc")).toBe("repository:a/b/c:pull");
    expect(scopeForRequest("GET", "/v2/app/referrers/sha256:abc")).toBe("repository:app:pull");
  });

  it("asks for delete on DELETE and pull,push on uploads", () => {
    expect(scopeForRequest("DELETE", "/v2/team/app/manifests/sha256:abc")).toBe("repository:team/app:delete");
    expect(scopeForRequest("DELETE", "/v2/team/app/blobs/sha256:abc")).toBe("repository:team/app:delete");
    expect(scopeForRequest("POST", "/v2/team/app/blobs/uploads/")).toBe("repository:team/app:pull,push");
    expect(scopeForRequest("PUT", "/v2/team/app/manifests/v1")).toBe("repository:team/app:pull,push");
  });

  it("has no scope for /v2/, unknown paths, invalid names and other methods", () => {
    expect(scopeForRequest("GET", "/v2/")).toBeNull();
    expect(scopeForRequest("GET", "/v2/app/unknown/x")).toBeNull();
    expect(scopeForRequest("GET", "/v2/Bad..Name/tags/list")).toBeNull();
    expect(scopeForRequest("OPTIONS", "/v2/app/tags/list")).toBeNull();
  });

  it("builds repository scopes and spells equivalent scopes one way", () => {
    expect(repositoryScope("team/app", ["pull", "push"])).toBe("repository:team/app:pull,push");
    expect(canonicalScope("repository:a:push,pull")).toBe("repository:a:pull,push");
    expect(canonicalScope("repository:b:pull repository:a:push,pull")).toBe("repository:a:pull,push repository:b:pull");
    expect(canonicalScope(null)).toBeNull();
  });
});

describe("checkRealm", () => {
  it("accepts a realm on the registry's own origin", () => {
    const check = checkRealm(REALM, REGISTRY, []);
    expect(check.ok && check.url.href).toBe(REALM);
  });

  it("refuses another origin, naming REGISTRY_TOKEN_REALMS and the origin to add", () => {
    const check = checkRealm("https://auth.example.com/token", REGISTRY, []);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toContain("https://auth.example.com/token");
    expect(check.reason).toContain("add https://auth.example.com to REGISTRY_TOKEN_REALMS");
  });

  it("treats another port or scheme of the same host as another origin", () => {
    expect(checkRealm("https://registry.example.com:8443/token", REGISTRY, []).ok).toBe(false);
    expect(checkRealm("http://registry.example.com/token", REGISTRY, []).ok).toBe(false);
  });

  it("accepts an allowed origin however it is written", () => {
    expect(checkRealm("https://auth.example.com/token", REGISTRY, ["https://auth.example.com"]).ok).toBe(true);
    expect(checkRealm("https://auth.example.com/token", REGISTRY, ["https://AUTH.example.com:443/"]).ok).toBe(true);
    expect(checkRealm("https://auth.example.com/token", REGISTRY, ["not a url", "https://other.example.com"]).ok).toBe(false);
  });

  it("refuses non-HTTP and unparsable realms", () => {
    const ftp = checkRealm("ftp://registry.example.com/token", REGISTRY, ["ftp://registry.example.com"]);
    expect(ftp.ok === false && ftp.reason).toContain("only http and https realms");
    const junk = checkRealm("::not a url::", REGISTRY, []);
    expect(junk.ok === false && junk.reason).toContain("invalid token realm");
  });

  it("drops userinfo and fragment from the realm", () => {
    const check = checkRealm("https://evil:pw@registry.example.com/token?x=1#frag", REGISTRY, []);
    expect(check.ok && check.url.href).toBe("https://registry.example.com/token?x=1");
  });
});

describe("parseTokenReply", () => {
  it("reads token (or access_token) and expires_in, defaulting to 60 s", () => {
    expect(parseTokenReply(JSON.stringify({ token: "abc", expires_in: 300, issued_at: "2024-01-01T00:00:00Z" }))).toEqual({
      token: "abc",
      expiresInSeconds: 300,
    });
    expect(parseTokenReply(JSON.stringify({ access_token: "xyz" }))).toEqual({ token: "xyz", expiresInSeconds: 60 });
    expect(parseTokenReply(JSON.stringify({ token: "abc", expires_in: "soon", issued_at: 5 }))).toEqual({
      token: "abc",
      expiresInSeconds: 60,
    });
    expect(parseTokenReply(JSON.stringify({ token: "abc", expires_in: -5 }))).toEqual({ token: "abc", expiresInSeconds: 60 });
  });

  it("explains a reply without a usable token, never echoing the body", () => {
    expect(parseTokenReply("<html>")).toEqual({ error: "answered with a body that is not JSON" });
    expect(parseTokenReply("[1]")).toEqual({ error: "answered with JSON that is not a token reply" });
    expect(parseTokenReply(JSON.stringify({ expires_in: 60 }))).toEqual({ error: "answered without a token" });
    const injected = parseTokenReply(JSON.stringify({ token: "secret-token\r\nX-Evil: 1" }));
    expect(injected).toEqual({ error: "answered with a token containing characters not allowed in a header" });
  });
});

describe("tokenExpiresAt", () => {
  it("stops using a token a quarter of its lifetime early, at most 10 s early", () => {
    expect(tokenExpiresAt(1_000, 60)).toBe(1_000 + 50_000);
    expect(tokenExpiresAt(0, 300)).toBe(290_000);
    expect(tokenExpiresAt(0, 2)).toBe(1_500);
  });
});

describe("TokenCache", () => {
  const key: TokenKey = { realm: REALM, service: "registry", scope: "repository:a:pull" };

  function clock(start = 0) {
    const c = { t: start, now: () => c.t };
    return c;
  }

  it("keeps a token until shortly before it expires", async () => {
    const time = clock();
    const cache = new TokenCache(time.now);
    cache.set(key, { token: "t1", expiresInSeconds: 60 });
    time.t = 49_999;
    expect(cache.get(key)).toBe("t1");
    time.t = 50_000;
    expect(cache.get(key)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it("keys by realm, service and scope, with action order ignored", () => {
    const cache = new TokenCache(() => 0);
    cache.set({ ...key, scope: "repository:a:push,pull" }, { token: "t1", expiresInSeconds: 60 });
    expect(cache.get({ ...key, scope: "repository:a:pull,push" })).toBe("t1");
    expect(cache.get(key)).toBeNull();
    expect(cache.get({ ...key, scope: "repository:a:pull,push", service: "other" })).toBeNull();
    expect(cache.get({ ...key, scope: "repository:a:pull,push", realm: "https://elsewhere/token" })).toBeNull();
  });

  it("shares one fetch among concurrent callers and caches its result", async () => {
    const cache = new TokenCache(() => 0);
    let fetches = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fetchToken = async () => {
      fetches++;
      await gate;
      return { token: "shared", expiresInSeconds: 60 };
    };
    const pending = [cache.obtain(key, fetchToken), cache.obtain(key, fetchToken), cache.obtain(key, fetchToken)];
    release();
    expect(await Promise.all(pending)).toEqual(["shared", "shared", "shared"]);
    expect(await cache.obtain(key, fetchToken)).toBe("shared");
    expect(fetches).toBe(1);
  });

  it("does not cache a failed fetch", async () => {
    const cache = new TokenCache(() => 0);
    await expect(cache.obtain(key, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.obtain(key, async () => ({ token: "t2", expiresInSeconds: 60 }))).toBe("t2");
  });

  it("refetches instead of returning a token the registry rejected, and forgets invalidated tokens", async () => {
    const cache = new TokenCache(() => 0);
    cache.set(key, { token: "old", expiresInSeconds: 60 });
    expect(cache.holds(key, "old")).toBe(true);
    expect(await cache.obtain(key, async () => ({ token: "new", expiresInSeconds: 60 }), "old")).toBe("new");
    cache.invalidate("new");
    expect(cache.get(key)).toBeNull();
  });
});

describe("BearerAuth", () => {
  type Call = { url: URL; authorization: string | null };

  function setup(over: Partial<BearerAuthOptions> = {}, answer: (url: URL) => TokenHttpResponse = () => ok("tok-1")) {
    const calls: Call[] = [];
    const auth = new BearerAuth({
      registryOrigin: REGISTRY,
      allowedRealms: [],
      credentials: { username: "alice", password: "pa55-word" },
      transport: async (url, authorization) => {
        calls.push({ url, authorization });
        return answer(url);
      },
      ...over,
    });
    return { auth, calls };
  }

  function ok(token: string, expiresIn = 300): TokenHttpResponse {
    return { status: 200, statusText: "OK", text: JSON.stringify({ token, expires_in: expiresIn }) };
  }

  function challenge(header: string) {
    const [c] = parseWwwAuthenticate(header);
    if (!c) throw new Error("no challenge");
    return c;
  }

  const pullChallenge = challenge(`Bearer realm="${REALM}",service="registry",scope="repository:team/app:pull"`);

  async function thrown(promise: Promise<unknown>): Promise<RegistryError> {
    try {
      await promise;
    } catch (e) {
      if (e instanceof RegistryError) return e;
      throw e;
    }
    throw new Error("expected a RegistryError");
  }

  it("fetches a token with the credentials as Basic and the challenge's service and scope", async () => {
    const { auth, calls } = setup();
    expect(await auth.authorizationFor("repository:team/app:pull")).toBeNull();
    expect(await auth.answer(pullChallenge, "repository:team/app:pull", null)).toEqual({ retryWith: "Bearer tok-1" });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url.href).toBe(`${REALM}?service=registry&scope=repository%3Ateam%2Fapp%3Apull`);
    expect(calls[0]?.authorization).toBe(`Basic ${Buffer.from("alice:pa55-word").toString("base64")}`);
  });

  it("reuses the cached token before the next request, and fetches a new scope before it is challenged", async () => {
    const { auth, calls } = setup({}, (url) => ok(`tok-for-${url.searchParams.get("scope") ?? "none"}`));
    await auth.answer(pullChallenge, "repository:team/app:pull", null);
    expect(auth.active).toBe(true);
    expect(await auth.authorizationFor("repository:team/app:pull")).toBe("Bearer tok-for-repository:team/app:pull");
    expect(calls).toHaveLength(1);
    expect(await auth.authorizationFor("repository:other:pull")).toBe("Bearer tok-for-repository:other:pull");
    expect(calls).toHaveLength(2);
  });

  it("sends several challenged scopes as several scope parameters", async () => {
    const { auth, calls } = setup();
    const c = challenge(`Bearer realm="${REALM}",service="registry",scope="repository:a:pull repository:b:pull"`);
    await auth.answer(c, null, null);
    expect(calls[0]?.url.searchParams.getAll("scope")).toEqual(["repository:a:pull", "repository:b:pull"]);
  });

  it("fetches without credentials for an anonymous client", async () => {
    const { auth, calls } = setup({ credentials: null });
    await auth.answer(pullChallenge, null, null);
    expect(calls[0]?.authorization).toBeNull();
  });

  it("refuses a realm on another origin without contacting it", async () => {
    const { auth, calls } = setup();
    const err = await thrown(auth.answer(challenge('Bearer realm="https://collector.example.net/token",service="registry"'), null, null));
    expect(err.kind).toBe("unauthorized");
    expect(err.message).toContain("add https://collector.example.net to REGISTRY_TOKEN_REALMS");
    expect(calls).toHaveLength(0);
    expect(auth.active).toBe(false);
  });

  it("contacts an allowed realm on another origin", async () => {
    const { auth, calls } = setup({ allowedRealms: ["https://auth.example.com"] });
    await auth.answer(challenge('Bearer realm="https://auth.example.com/token",service="registry"'), null, null);
    expect(calls[0]?.url.origin).toBe("https://auth.example.com");
  });

  it("refuses a challenge without a realm", async () => {
    const { auth, calls } = setup();
    const err = await thrown(auth.answer(challenge('Bearer service="registry"'), null, null));
    expect(err.message).toContain("without naming a realm");
    expect(calls).toHaveLength(0);
  });

  it("explains a realm that rejects the credentials, without the password", async () => {
    const { auth } = setup({}, () => ({ status: 401, statusText: "Unauthorized", text: "{}" }));
    const err = await thrown(auth.answer(pullChallenge, null, null));
    expect(err.kind).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(err.message).toBe(`token realm ${REALM} answered 401 for user "alice": check REGISTRY_USERNAME/REGISTRY_PASSWORD`);
    expect(err.message).not.toContain("pa55-word");
  });

  it("asks an anonymous client refused by the realm to configure credentials", async () => {
    const { auth } = setup({ credentials: null }, () => ({ status: 401, statusText: "Unauthorized", text: "{}" }));
    const err = await thrown(auth.answer(pullChallenge, null, null));
    expect(err.message).toContain("answered 401 to an anonymous request: set REGISTRY_USERNAME and REGISTRY_PASSWORD");
  });

  it("reports other realm failures with their status and never the reply body", async () => {
    const server = setup({}, () => ({ status: 500, statusText: "Internal Server Error", text: "boom" }));
    const err = await thrown(server.auth.answer(pullChallenge, null, null));
    expect(err.kind).toBe("http");
    expect(err.message).toBe(`token realm ${REALM} answered 500 Internal Server Error for scope repository:team/app:pull`);

    const redirect = setup({}, () => ({ status: 302, statusText: "Found", text: "" }));
    expect((await thrown(redirect.auth.answer(pullChallenge, null, null))).message).toContain(
      "redirects from a token realm are not followed",
    );

    const noToken = setup({}, () => ({ status: 200, statusText: "OK", text: JSON.stringify({ error: "secret-ish" }) }));
    const bad = await thrown(noToken.auth.answer(pullChallenge, null, null));
    expect(bad.kind).toBe("invalid_response");
    expect(bad.message).toBe(`token realm ${REALM} answered without a token`);
  });

  it("does not refetch when a token fetched for exactly the challenged scope lacks access", async () => {
    const { auth, calls } = setup({ credentials: null });
    const catalog = challenge(`Bearer realm="${REALM}",service="registry",scope="${CATALOG_SCOPE}"`);
    const first = await auth.answer(catalog, CATALOG_SCOPE, null);
    if (!("retryWith" in first)) throw new Error("expected a token");
    const insufficient = challenge(`Bearer realm="${REALM}",service="registry",scope="${CATALOG_SCOPE}",error="insufficient_scope"`);
    const outcome = await auth.answer(insufficient, CATALOG_SCOPE, first.retryWith);
    expect(outcome).toEqual({ failure: expect.stringContaining(`denied ${CATALOG_SCOPE} to anonymous access`) });
    expect(calls).toHaveLength(1);
  });

  it("drops a cached token the registry rejects and fetches a fresh one", async () => {
    let n = 0;
    const { auth, calls } = setup({}, () => ok(`tok-${++n}`));
    const first = await auth.answer(pullChallenge, "repository:team/app:pull", null);
    expect(first).toEqual({ retryWith: "Bearer tok-1" });
    const invalid = challenge(`Bearer realm="${REALM}",service="registry",scope="repository:team/app:pull",error="invalid_token"`);
    expect(await auth.answer(invalid, "repository:team/app:pull", "Bearer tok-1")).toEqual({ retryWith: "Bearer tok-2" });
    expect(await auth.authorizationFor("repository:team/app:pull")).toBe("Bearer tok-2");
    expect(calls).toHaveLength(2);
  });

  it("keeps a token for another scope when the registry finds it insufficient for this one", async () => {
    let n = 0;
    const { auth, calls } = setup({}, () => ok(`tok-${++n}`));
    await auth.answer(pullChallenge, "repository:team/app:pull", null);
    const push = challenge(`Bearer realm="${REALM}",service="registry",scope="repository:team/app:pull,push",error="insufficient_scope"`);
    expect(await auth.answer(push, "repository:team/app:pull", "Bearer tok-1")).toEqual({ retryWith: "Bearer tok-2" });
    expect(await auth.authorizationFor("repository:team/app:pull")).toBe("Bearer tok-1");
    expect(calls).toHaveLength(2);
  });

  it("never repeats userinfo from a realm in messages", () => {
    const { auth } = setup();
    const c = challenge('Bearer realm="https://user:hunter2@registry.example.com/token?x=1",error="insufficient_scope"');
    const message = auth.explain(c, "repository:a:pull");
    expect(message).toContain("from https://registry.example.com/token does not grant");
    expect(message).not.toContain("hunter2");
  });

  it("explains a token refused again after the retry, naming the account and never the token", async () => {
    const { auth } = setup();
    await auth.answer(pullChallenge, null, null);
    const invalid = challenge(`Bearer realm="${REALM}",service="registry",error="invalid_token"`);
    const message = auth.explain(invalid, "repository:team/app:pull");
    expect(message).toContain('rejected the token from https://registry.example.com/auth/token for user "alice" (invalid_token)');
    expect(message).not.toContain("tok-1");
    expect(message).not.toContain("pa55-word");
  });
});
