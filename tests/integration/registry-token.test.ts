// lib/registry against a real Debian docker-registry 2.8 configured with `auth.token`, and the token server
// from tests/fixtures/token-server.ts on another port (so another origin than the registry's: the client must
// be told to trust it through allowedTokenRealms / REGISTRY_TOKEN_REALMS).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "../../lib/registry/challenge";
import {
  createRegistryClient,
  type RegistryClient,
  type RegistryClientOptions,
  type RegistryRequestEvent,
} from "../../lib/registry/client";
import { CATALOG_SCOPE, scopeForRequest } from "../../lib/registry/token";
import { blobOf, MediaType, makeLayer, type PushedManifest } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { type RunningTokenServer, startTokenServer, TokenPusher } from "../fixtures/token-server";
import { configureEnv, failure } from "./helpers";

const ADMIN = { username: "admin", password: "admin-s3cret-pass" };
const READER = { username: "reader", password: "reader-s3cret-pass" };

let tokens: RunningTokenServer;
let registry: RunningRegistry;
let app: PushedManifest;
const clients: RegistryClient[] = [];

beforeAll(async () => {
  tokens = await startTokenServer({
    users: {
      [ADMIN.username]: { password: ADMIN.password, grant: "all" },
      [READER.username]: { password: READER.password, grant: "pull" },
    },
    anonymous: "pull",
  });
  registry = await startRegistry({
    tokenAuth: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.rootCertBundle },
  });
  const pusher = new TokenPusher(registry.url, tokens);
  const layer = await makeLayer([{ path: "etc/motd", content: "hello through a token\n" }]);
  app = await pusher.pushImage("demo/app", ["v1", "latest"], {
    layers: [layer],
    config: { architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z" },
  });
  await pusher.pushArtifact("demo/other", ["v1"], {
    artifactType: "application/vnd.example.note",
    layers: [{ blob: blobOf("a note").blob, mediaType: "text/plain" }],
  });
});

afterAll(async () => {
  await registry?.destroy();
  await tokens?.close();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  tokens.expiresIn = 300;
  tokens.spoilNext(0);
});

function client(options: Partial<RegistryClientOptions> = {}): RegistryClient {
  const c = createRegistryClient({ baseUrl: registry.url, allowedTokenRealms: [tokens.origin], retries: 0, ...options });
  clients.push(c);
  return c;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tagsScope = (name: string) => `repository:${name}:pull`;

describe("bearer token authentication against docker-registry 2.8", () => {
  it("reads catalog, tags, manifests, blobs and forwarded requests with tokens fetched with the configured account", async () => {
    tokens.reset();
    const c = client(ADMIN);
    expect(await c.ping()).toEqual({ apiVersion: "registry/2.0" });
    expect((await c.catalog()).sort()).toEqual(["demo/app", "demo/other"]);
    expect((await c.listTags("demo/app")).sort()).toEqual(["latest", "v1"]);

    const head = await c.headManifest("demo/app", "v1");
    expect(head).toEqual({ digest: app.digest, mediaType: MediaType.ociManifest, size: app.size });
    const manifest = await c.getManifest("demo/app", "latest");
    expect(manifest.digest).toBe(app.digest);
    if (manifest.manifest.kind !== "image") throw new Error("expected an image manifest");
    const config = JSON.parse(await c.getBlobText("demo/app", app.configDigest)) as { architecture: string };
    expect(config.architecture).toBe("amd64");

    const forwarded = await c.forward({ method: "GET", path: `/v2/demo/app/manifests/${app.digest}`, search: "", accept: null });
    expect(forwarded.status).toBe(200);
    expect(forwarded.headers.get("docker-content-digest")).toBe(app.digest);
    const layer = await c.forward({ method: "HEAD", path: `/v2/demo/app/blobs/${app.layers[0]?.digest}`, search: "", accept: null });
    expect(layer.status).toBe(200);
    const forwardedCatalog = await c.forward({
      method: "GET",
      path: "/v2/_catalog",
      search: "?n=1",
      accept: null,
      linkPrefix: "/api/registry",
    });
    expect(await forwardedCatalog.json()).toEqual({ repositories: ["demo/app"] });
    expect(forwardedCatalog.headers.get("link")).toMatch(/^<\/api\/registry\/v2\/_catalog\?/);

    // every token request carried the account; one per scope (ping's token has no scope)
    expect(tokens.requests.every((r) => r.account === ADMIN.username && r.status === 200)).toBe(true);
    expect(tokens.countFor(CATALOG_SCOPE)).toBe(1);
    expect(tokens.countFor(tagsScope("demo/app"))).toBe(1);
    expect(tokens.requests).toHaveLength(3);
  });

  it("fetches one token per scope: 20 tag lists of one repository cost one token request and one 401", async () => {
    tokens.reset();
    const events: RegistryRequestEvent[] = [];
    const c = client({ ...READER, onRequest: (e) => events.push(e) });
    for (let i = 0; i < 20; i++) expect((await c.listTags("demo/app")).sort()).toEqual(["latest", "v1"]);
    expect(tokens.countFor(tagsScope("demo/app"))).toBe(1);
    expect(events.filter((e) => e.status === 401)).toHaveLength(1);

    // once the registry is known to want tokens, a new scope fetches its token before asking: no 401
    expect(await c.listTags("demo/other")).toEqual(["v1"]);
    expect(await c.getManifest("demo/other", "v1")).toMatchObject({ mediaType: MediaType.ociManifest });
    expect(tokens.countFor(tagsScope("demo/other"))).toBe(1);
    expect(events.filter((e) => e.status === 401)).toHaveLength(1);
    expect(tokens.requests).toHaveLength(2);
  });

  it("shares one token fetch among concurrent requests for the same scope", async () => {
    tokens.reset();
    const c = client(READER);
    const lists = await Promise.all(Array.from({ length: 12 }, () => c.listTags("demo/app")));
    expect(lists.every((tags) => tags.length === 2)).toBe(true);
    expect(tokens.countFor(tagsScope("demo/app"))).toBe(1);
  });

  it("fetches a new token when the cached one is about to expire", async () => {
    tokens.reset();
    // 2 s tokens are used for 1.5 s (a quarter of the lifetime is kept as margin)
    tokens.expiresIn = 2;
    const events: RegistryRequestEvent[] = [];
    const c = client({ ...READER, onRequest: (e) => events.push(e) });
    await c.listTags("demo/app");
    await c.listTags("demo/app");
    expect(tokens.countFor(tagsScope("demo/app"))).toBe(1);
    await sleep(1_600);
    await c.listTags("demo/app");
    expect(tokens.countFor(tagsScope("demo/app"))).toBe(2);
    // the refetch happened before the request, not after a 401
    expect(events.filter((e) => e.status === 401)).toHaveLength(1);
  });

  it("drops a token the registry refuses and retries once with a fresh one", async () => {
    tokens.reset();
    const c = client(READER);
    await c.listTags("demo/app");
    // the next token is issued for another audience: the registry answers 401 invalid_token
    tokens.spoilNext(1);
    expect(await c.listTags("demo/other")).toEqual(["v1"]);
    expect(tokens.countFor(tagsScope("demo/other"))).toBe(2);
  });

  it("reports wrong credentials as a RegistryError naming the settings, without the password", async () => {
    tokens.reset();
    const err = await failure(client({ username: ADMIN.username, password: "wrong-password" }).catalog());
    expect(err.kind).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(err.message).toBe(`token realm ${tokens.realm} answered 401 for user "admin": check REGISTRY_USERNAME/REGISTRY_PASSWORD`);
    expect(err.message).not.toContain("wrong-password");
    expect(tokens.requests.map((r) => [r.account, r.status])).toEqual([["admin", 401]]);
  });

  it("lets an anonymous client pull, and explains that the catalog needs an account", async () => {
    tokens.reset();
    const c = client();
    expect((await c.listTags("demo/app")).sort()).toEqual(["latest", "v1"]);
    expect((await c.getManifest("demo/app", "v1")).digest).toBe(app.digest);

    const err = await failure(c.catalog());
    expect(err.kind).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(err.message).toContain(`denied ${CATALOG_SCOPE} to anonymous access`);
    expect(err.message).toContain("insufficient_scope");
    expect(err.message).toContain("set REGISTRY_USERNAME and REGISTRY_PASSWORD");
    expect(tokens.requests.every((r) => r.account === null)).toBe(true);
    // the token that lacks the scope is not fetched again
    expect(tokens.countFor(CATALOG_SCOPE)).toBe(1);
  });

  it("says which account lacks access when a pull-only user asks for the catalog", async () => {
    const err = await failure(client(READER).catalog());
    expect(err.kind).toBe("unauthorized");
    expect(err.message).toContain(`denied ${CATALOG_SCOPE} to user "reader"`);
    expect(err.message).not.toContain(READER.password);
  });

  it("refuses a realm on another origin unless it is allowed, without contacting it", async () => {
    tokens.reset();
    const refused = createRegistryClient({ baseUrl: registry.url, ...ADMIN, retries: 0 });
    clients.push(refused);
    for (const call of [() => refused.catalog(), () => refused.listTags("demo/app"), () => refused.ping()]) {
      const err = await failure(call());
      expect(err.kind).toBe("unauthorized");
      expect(err.message).toContain(`requires token authentication from ${tokens.realm}, on another origin`);
      expect(err.message).toContain(`add ${tokens.origin} to REGISTRY_TOKEN_REALMS`);
      expect(err.message).not.toContain(ADMIN.password);
    }
    // forwarding cannot slip past the check either
    await expect(refused.forward({ method: "GET", path: "/v2/demo/app/tags/list", search: "", accept: null })).rejects.toThrow(
      /REGISTRY_TOKEN_REALMS/,
    );
    expect(tokens.requests).toHaveLength(0);

    // another port is another origin: allowing the registry's own host with another port does not help
    const wrongPort = createRegistryClient({ baseUrl: registry.url, ...ADMIN, retries: 0, allowedTokenRealms: [registry.url] });
    clients.push(wrongPort);
    await expect(wrongPort.listTags("demo/app")).rejects.toThrow(/REGISTRY_TOKEN_REALMS/);
    expect(tokens.requests).toHaveLength(0);
  });

  it("allows the realm through REGISTRY_TOKEN_REALMS when the client comes from the environment", async () => {
    const vars = {
      REGISTRY_URL: registry.url,
      REGISTRY_USERNAME: ADMIN.username,
      REGISTRY_PASSWORD: ADMIN.password,
      REGISTRY_TOKEN_REALMS: `https://auth.example.com, ${tokens.origin}/`,
    };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    configureEnv(vars);
    try {
      // imported here: lib/env parses process.env once, on first use
      const { registryClient } = await import("../../lib/services/registry");
      const c = registryClient({ retries: 0 });
      clients.push(c);
      expect((await c.catalog()).sort()).toEqual(["demo/app", "demo/other"]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("computes the scopes the registry challenges for, including delete", async () => {
    const paths: { method: string; path: string }[] = [
      { method: "GET", path: "/v2/_catalog" },
      { method: "GET", path: "/v2/demo/app/tags/list" },
      { method: "HEAD", path: "/v2/demo/app/manifests/v1" },
      { method: "GET", path: `/v2/demo/app/blobs/${app.configDigest}` },
      { method: "DELETE", path: `/v2/demo/app/manifests/${app.digest}` },
      { method: "POST", path: "/v2/demo/app/blobs/uploads/" },
    ];
    for (const { method, path } of paths) {
      const res = await fetch(`${registry.url}${path}`, { method });
      await res.arrayBuffer();
      expect(res.status).toBe(401);
      const [challenge] = parseWwwAuthenticate(res.headers.get("www-authenticate") ?? "");
      // 2.8 lists push actions in random order ("push,pull"): compare the sets
      const actions = (scope: string | null | undefined) => (scope ?? "").split(":").pop()?.split(",").sort();
      const asked = challenge?.params.scope;
      const ours = scopeForRequest(method, path);
      expect({ method, path, resource: asked?.replace(/:[^:]*$/, "") }).toEqual({ method, path, resource: ours?.replace(/:[^:]*$/, "") });
      expect(actions(asked)).toEqual(actions(ours));
    }
  });
});
