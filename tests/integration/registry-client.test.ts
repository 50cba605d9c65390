// lib/registry against tiny node:http servers that misbehave on purpose, then against a real
// Debian docker-registry 2.8 when /usr/bin/docker-registry is installed.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InvalidReferenceError } from "../../lib/oci/reference";
import {
  createRegistryClient,
  type RegistryClient,
  type RegistryClientOptions,
  RegistryError,
  type RegistryRequestEvent,
  type RegistryWarning,
} from "../../lib/registry";
import { closeServers, failure } from "./helpers";

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const clients: RegistryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await closeServers(servers);
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(options: RegistryClientOptions): RegistryClient {
  const c = createRegistryClient(options);
  clients.push(c);
  return c;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function registryErrorBody(code: string, message: string): { errors: { code: string; message: string }[] } {
  return { errors: [{ code, message }] };
}

function sha256(data: string | Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const CONFIG_JSON = JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: {} });
const MANIFEST_JSON = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: OCI_CONFIG, digest: sha256(CONFIG_JSON), size: Buffer.byteLength(CONFIG_JSON) },
  layers: [],
});

describe("registry client: retries, timeouts, errors", () => {
  it("retries a 503 and succeeds on the third attempt", async () => {
    let attempts = 0;
    const base = await serve((_req, res) => {
      attempts++;
      if (attempts <= 2) return json(res, 503, registryErrorBody("UNAVAILABLE", "try later"));
      json(res, 200, {}, { "docker-distribution-api-version": "registry/2.0" });
    });
    const events: RegistryRequestEvent[] = [];
    const result = await client({ baseUrl: base, onRequest: (e) => events.push(e) }).ping();
    expect(result).toEqual({ apiVersion: "registry/2.0" });
    expect(attempts).toBe(3);
    expect(events.map((e) => [e.method, e.path, e.status])).toEqual([
      ["GET", "/v2/", 503],
      ["GET", "/v2/", 503],
      ["GET", "/v2/", 200],
    ]);
  });

  it("gives up after the configured retries with an http error carrying the registry's codes", async () => {
    let attempts = 0;
    const base = await serve((_req, res) => {
      attempts++;
      json(res, 500, registryErrorBody("UNKNOWN", "boom"));
    });
    const err = await failure(client({ baseUrl: base, retries: 1 }).ping());
    expect(attempts).toBe(2);
    expect(err.kind).toBe("http");
    expect(err.status).toBe(500);
    expect(err.message).toBe("registry answered 500 UNKNOWN: boom");
  });

  it("does not retry a 404 and reports the registry's code", async () => {
    let attempts = 0;
    const base = await serve((_req, res) => {
      attempts++;
      json(res, 404, registryErrorBody("MANIFEST_UNKNOWN", "manifest unknown"));
    });
    const err = await failure(client({ baseUrl: base }).getManifest("team/app", "v1"));
    expect(attempts).toBe(1);
    expect(err.kind).toBe("not_found");
    expect(err.status).toBe(404);
    expect(err.hasCode("MANIFEST_UNKNOWN")).toBe(true);
    expect(err.message).toBe("registry answered 404 MANIFEST_UNKNOWN: manifest unknown");
    expect(err.url).toBe("/v2/team/app/manifests/v1");
  });

  it("answers null from headManifest on 404 without retrying", async () => {
    let attempts = 0;
    const base = await serve((_req, res) => {
      attempts++;
      res.writeHead(404).end();
    });
    expect(await client({ baseUrl: base }).headManifest("app", "latest")).toBeNull();
    expect(attempts).toBe(1);
  });

  it("times out on a server that never answers, retrying each timed-out attempt", async () => {
    let attempts = 0;
    const base = await serve(() => {
      attempts++; // never respond
    });
    const started = Date.now();
    const err = await failure(client({ baseUrl: base, timeoutMs: 300, retries: 1 }).ping());
    expect(err.kind).toBe("timeout");
    expect(err.message).toBe(`registry at ${base} did not answer GET /v2/ within 300 ms`);
    expect(attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("times out when the body stalls after the headers", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": OCI_MANIFEST });
      res.write("{");
    });
    const err = await failure(client({ baseUrl: base, timeoutMs: 300, retries: 0 }).getManifest("app", "v1"));
    expect(err.kind).toBe("timeout");
  });

  it("reports a refused connection as unreachable", async () => {
    const port = await freePort();
    const err = await failure(client({ baseUrl: `http://127.0.0.1:${port}`, retries: 0 }).ping());
    expect(err.kind).toBe("unreachable");
    expect(err.status).toBeNull();
    expect(err.message).toBe(`registry at http://127.0.0.1:${port} is unreachable: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe("registry client: manifests and blobs", () => {
  it("fetches a manifest, verifies its digest and parses it", async () => {
    const digest = sha256(MANIFEST_JSON);
    const seen: (string | undefined)[] = [];
    const base = await serve((req, res) => {
      seen.push(req.headers.accept);
      res.writeHead(200, { "content-type": OCI_MANIFEST, "docker-content-digest": digest });
      res.end(req.method === "HEAD" ? undefined : MANIFEST_JSON);
    });
    const c = client({ baseUrl: base });
    const m = await c.getManifest("team/app", "v1");
    expect(m.digest).toBe(digest);
    expect(m.mediaType).toBe(OCI_MANIFEST);
    expect(m.body).toBe(MANIFEST_JSON);
    expect(m.size).toBe(Buffer.byteLength(MANIFEST_JSON));
    expect(m.manifest.kind).toBe("image");
    expect((await c.getManifest("team/app", digest)).digest).toBe(digest);
    // Every manifest request lists all four manifest types, else 2.8 hides OCI manifests.
    for (const accept of seen) {
      expect(accept).toContain(OCI_MANIFEST);
      expect(accept).toContain("application/vnd.oci.image.index.v1+json");
      expect(accept).toContain("application/vnd.docker.distribution.manifest.v2+json");
      expect(accept).toContain("application/vnd.docker.distribution.manifest.list.v2+json");
    }
  });

  it("refuses a 50 MB streamed manifest with too_large without downloading it", async () => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    let closed: Promise<void> = Promise.resolve();
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": OCI_MANIFEST }); // chunked: no Content-Length to go by
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      closed = new Promise((resolve) => res.on("close", resolve));
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    const err = await failure(client({ baseUrl: base }).getManifest("app", "big"));
    expect(err.kind).toBe("too_large");
    expect(err.message).toBe("manifest exceeds 4 MiB limit");
    await closed;
    expect(written).toBeLessThan(total / 2);
  });

  it("refuses a manifest whose Content-Length passes the limit before reading the body", async () => {
    let closed = false;
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": String(50 * 1024 * 1024) });
      res.write("{"); // then stall: a client that waits for the body would time out instead
      res.on("close", () => {
        closed = true;
      });
    });
    const err = await failure(client({ baseUrl: base, maxManifestBytes: 1024, timeoutMs: 5000 }).getManifest("app", "big"));
    expect(err.kind).toBe("too_large");
    expect(err.message).toBe("manifest exceeds 1 KiB limit");
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
  });

  it("detects a body that does not match Docker-Content-Digest", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": OCI_MANIFEST, "docker-content-digest": sha256("something else") });
      res.end(MANIFEST_JSON);
    });
    const err = await failure(client({ baseUrl: base }).getManifest("app", "v1"));
    expect(err.kind).toBe("digest_mismatch");
    expect(err.message).toContain(`has digest ${sha256(MANIFEST_JSON)}, expected ${sha256("something else")}`);
  });

  it("detects a body that does not match the requested digest", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": OCI_MANIFEST });
      res.end(MANIFEST_JSON);
    });
    const wanted = sha256("another manifest");
    const err = await failure(client({ baseUrl: base }).getManifest("app", wanted));
    expect(err.kind).toBe("digest_mismatch");
  });

  it("turns a manifest that is not JSON into invalid_response with the parser's message", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": OCI_MANIFEST });
      res.end("<html>proxy error</html>");
    });
    const err = await failure(client({ baseUrl: base }).getManifest("app", "v1"));
    expect(err.kind).toBe("invalid_response");
    expect(err.message).toBe("invalid manifest app:v1: manifest is not valid JSON");
  });

  it("requires Docker-Content-Digest on HEAD", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": "10" }).end();
    });
    const err = await failure(client({ baseUrl: base }).headManifest("app", "v1"));
    expect(err.kind).toBe("invalid_response");
    expect(err.message).toContain("without a Docker-Content-Digest header");
  });

  it("rejects invalid names and references before any request", async () => {
    let attempts = 0;
    const base = await serve((_req, res) => {
      attempts++;
      res.writeHead(500).end();
    });
    const c = client({ baseUrl: base });
    await expect(c.listTags("Bad/Name")).rejects.toBeInstanceOf(InvalidReferenceError);
    await expect(c.getManifest("app", "../../x")).rejects.toBeInstanceOf(InvalidReferenceError);
    await expect(c.getManifest("app", "sha256:short")).rejects.toBeInstanceOf(InvalidReferenceError);
    await expect(c.getBlobText("app", "latest")).rejects.toBeInstanceOf(InvalidReferenceError);
    expect(attempts).toBe(0);
  });

  it("follows a blob redirect to storage on another origin without sending credentials there, and verifies the digest", async () => {
    const storageAuth: (string | undefined)[] = [];
    const storage = await serve((req, res) => {
      storageAuth.push(req.headers.authorization);
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(req.url === "/good?sig=secret" ? CONFIG_JSON : "tampered");
    });
    const base = await serve((req, res) => {
      const good = req.url?.endsWith(sha256(CONFIG_JSON)) ?? false;
      res.writeHead(307, { location: `${storage}/${good ? "good" : "bad"}?sig=secret` }).end();
    });
    const c = client({ baseUrl: base, username: "u", password: "p" });
    expect(await c.getBlobText("app", sha256(CONFIG_JSON))).toBe(CONFIG_JSON);
    const err = await failure(c.getBlobText("app", sha256("expected")));
    expect(err.kind).toBe("digest_mismatch");
    expect(storageAuth).toEqual([undefined, undefined]);
  });

  it("bounds blob size", async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200);
      res.end("x".repeat(2048));
    });
    const err = await failure(client({ baseUrl: base }).getBlobText("app", sha256("x".repeat(2048)), 1000));
    expect(err.kind).toBe("too_large");
  });
});

describe("registry client: catalog and tags", () => {
  it("pages through the catalog with Link headers and drops names that break the grammar", async () => {
    const all = ["a", "b/c", "d", "Invalid_Name", "e"];
    const requests: string[] = [];
    const base = await serve((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      requests.push(`${url.pathname}${url.search}`);
      const n = Number(url.searchParams.get("n"));
      const last = url.searchParams.get("last");
      const start = last === null ? 0 : all.indexOf(last) + 1;
      const page = all.slice(start, start + n);
      const headers: Record<string, string> = {};
      if (start + n < all.length) headers.link = `</v2/_catalog?last=${encodeURIComponent(page.at(-1) ?? "")}&n=${n}>; rel="next"`;
      json(res, 200, { repositories: page }, headers);
    });
    const warnings: RegistryWarning[] = [];
    const names = await client({ baseUrl: base, catalogPageSize: 2, onWarning: (w) => warnings.push(w) }).catalog();
    expect(names).toEqual(["a", "b/c", "d", "e"]);
    expect(requests).toEqual(["/v2/_catalog?n=2", "/v2/_catalog?last=b%2Fc&n=2", "/v2/_catalog?last=Invalid_Name&n=2"]);
    expect(warnings).toEqual([{ kind: "invalid_repository_name", value: "Invalid_Name", path: "/v2/_catalog?last=b%2Fc&n=2" }]);
  });

  it("halves n on PAGINATION_NUMBER_INVALID down to 100", async () => {
    const asked: (string | null)[] = [];
    const base = await serve((req, res) => {
      const n = new URL(req.url ?? "/", "http://x").searchParams.get("n");
      asked.push(n);
      if (n !== null && Number(n) > 120)
        return json(res, 400, registryErrorBody("PAGINATION_NUMBER_INVALID", "invalid number of results requested"));
      json(res, 200, { repositories: ["only"] });
    });
    expect(await client({ baseUrl: base }).catalog()).toEqual(["only"]);
    expect(asked).toEqual(["1000", "500", "250", "125", "100"]);
  });

  it("falls back to a catalog request without n when no page size is accepted", async () => {
    const asked: (string | null)[] = [];
    const base = await serve((req, res) => {
      const n = new URL(req.url ?? "/", "http://x").searchParams.get("n");
      asked.push(n);
      if (n !== null) return json(res, 400, registryErrorBody("PAGINATION_NUMBER_INVALID", "invalid number of results requested"));
      json(res, 200, { repositories: null });
    });
    expect(await client({ baseUrl: base, catalogPageSize: 300 }).catalog()).toEqual([]);
    expect(asked).toEqual(["300", "150", "100", null]);
  });

  it("turns garbage JSON into invalid_response", async () => {
    const base = await serve((req, res) => {
      if (req.url?.startsWith("/v2/_catalog")) {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end("{not json");
      }
      json(res, 200, { name: "app", tags: "latest" });
    });
    const c = client({ baseUrl: base });
    const err = await failure(c.catalog());
    expect(err.kind).toBe("invalid_response");
    expect(err.message).toMatch(/^registry sent invalid JSON for catalog: /);
    const tagsErr = await failure(c.listTags("app"));
    expect(tagsErr.kind).toBe("invalid_response");
    expect(tagsErr.message).toContain("at tags");
  });

  it("reads tags: null as no tags", async () => {
    const base = await serve((_req, res) => json(res, 200, { name: "app", tags: null }));
    expect(await client({ baseUrl: base }).listTags("app")).toEqual([]);
  });

  it("follows Link paging on tag lists when the registry pages them", async () => {
    const base = await serve((req, res) => {
      if (req.url === "/v2/app/tags/list")
        return json(res, 200, { name: "app", tags: ["a", "b"] }, { link: '</v2/app/tags/list?last=b&n=2>; rel="next"' });
      json(res, 200, { name: "app", tags: ["c"] });
    });
    expect(await client({ baseUrl: base }).listTags("app")).toEqual(["a", "b", "c"]);
  });

  it("throws not_found for an unknown repository", async () => {
    const base = await serve((_req, res) => json(res, 404, registryErrorBody("NAME_UNKNOWN", "repository name not known to registry")));
    const err = await failure(client({ baseUrl: base }).listTags("nope"));
    expect(err.kind).toBe("not_found");
    expect(err.hasCode("NAME_UNKNOWN")).toBe(true);
  });
});

describe("registry client: authentication", () => {
  it("sends Basic credentials preemptively", async () => {
    const seen: (string | undefined)[] = [];
    const base = await serve((req, res) => {
      seen.push(req.headers.authorization);
      json(res, 200, {});
    });
    await client({ baseUrl: base, username: "alice", password: "s3cret:x" }).ping();
    expect(seen).toEqual([`Basic ${Buffer.from("alice:s3cret:x").toString("base64")}`]);
  });

  it("reports rejected Basic credentials as unauthorized without retrying", async () => {
    let attempts = 0;
    const base = await serve((_req, res) => {
      attempts++;
      json(res, 401, registryErrorBody("UNAUTHORIZED", "authentication required"), { "www-authenticate": 'Basic realm="Registry Realm"' });
    });
    const err = await failure(client({ baseUrl: base, username: "alice", password: "wrong" }).ping());
    expect(attempts).toBe(1);
    expect(err.kind).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(err.message).toContain(`registry at ${base} rejected the credentials of user "alice"`);
  });

  it("says a username and password are needed when none are configured", async () => {
    const base = await serve((_req, res) => {
      json(res, 401, registryErrorBody("UNAUTHORIZED", "authentication required"), { "www-authenticate": 'Basic realm="r"' });
    });
    const err = await failure(client({ baseUrl: base }).catalog());
    expect(err.kind).toBe("unauthorized");
    expect(err.message).toContain("requires a username and password");
  });

  it("refuses a token realm on another origin that REGISTRY_TOKEN_REALMS does not list, naming the setting", async () => {
    const base = await serve((_req, res) => {
      json(res, 401, registryErrorBody("UNAUTHORIZED", "authentication required"), {
        "www-authenticate": 'Bearer realm="https://auth.example/token",service="registry",scope="repository:app:pull"',
      });
    });
    const err = await failure(client({ baseUrl: base }).listTags("app"));
    expect(err.kind).toBe("unauthorized");
    expect(err.message).toContain("REGISTRY_TOKEN_REALMS");
    expect(err.message).toContain("https://auth.example");
  });
});

describe("registry client: forward", () => {
  it("passes through status, body and a safe subset of headers, rewriting Link to a relative path", async () => {
    const base = await serve((req, res) => {
      if (req.url?.startsWith("/v2/_catalog")) {
        return json(
          res,
          200,
          { repositories: ["a"] },
          {
            link: `<http://127.0.0.1:${req.socket.localPort}/v2/_catalog?last=a&n=1>; rel="next"`,
            "set-cookie": "session=1",
            "docker-distribution-api-version": "registry/2.0",
          },
        );
      }
      json(res, 401, registryErrorBody("UNAUTHORIZED", "authentication required"), { "www-authenticate": 'Basic realm="r"' });
    });
    const c = client({ baseUrl: base });
    const ok = await c.forward({ method: "GET", path: "/v2/_catalog", search: "?n=1", accept: null, linkPrefix: "/api/registry" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ repositories: ["a"] });
    expect(ok.headers.get("link")).toBe('</api/registry/v2/_catalog?last=a&n=1>; rel="next"');
    expect(ok.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(ok.headers.get("set-cookie")).toBeNull();

    const denied = await c.forward({ method: "GET", path: "/v2/app/tags/list", search: "", accept: null });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toBeNull();
  });

  it("streams a manifest HEAD with its digest and default manifest Accept", async () => {
    let accept: string | undefined;
    const base = await serve((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { "content-type": OCI_MANIFEST, "content-length": "42", "docker-content-digest": sha256("m") }).end();
    });
    const res = await client({ baseUrl: base }).forward({ method: "HEAD", path: "/v2/app/manifests/v1", search: "", accept: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(sha256("m"));
    expect(res.headers.get("content-length")).toBe("42");
    expect(accept).toContain(OCI_MANIFEST);
  });

  it("follows same-origin redirects but refuses one to another origin", async () => {
    const other = await serve((_req, res) => res.writeHead(200).end("elsewhere"));
    const base = await serve((req, res) => {
      if (req.url === "/v2/app/blobs/sha256:moved") return res.writeHead(307, { location: "/v2/app/blobs/here" }).end();
      if (req.url === "/v2/app/blobs/here") return res.writeHead(200, { "content-type": "application/octet-stream" }).end("blob");
      res.writeHead(307, { location: `${other}/bucket/blob?X-Amz-Signature=secret` }).end();
    });
    const c = client({ baseUrl: base });
    const same = await c.forward({ method: "GET", path: "/v2/app/blobs/sha256:moved", search: "", accept: null });
    expect(await same.text()).toBe("blob");
    const err = await failure(c.forward({ method: "GET", path: "/v2/app/blobs/sha256:away", search: "", accept: null }));
    expect(err.kind).toBe("unsupported");
    expect(err.status).toBe(307);
    expect(err.message).not.toContain("secret");
  });

  it("refuses paths outside /v2/", async () => {
    const base = await serve((_req, res) => res.writeHead(200).end());
    const c = client({ baseUrl: base });
    for (const p of ["/admin", "/v2/../admin", "/v2/%2e%2e/admin", "//evil.example/v2/"]) {
      const err = await failure(c.forward({ method: "GET", path: p, search: "", accept: null }));
      expect(err.kind).toBe("unsupported");
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// A real registry

const REGISTRY_BIN = "/usr/bin/docker-registry";

describe.skipIf(!existsSync(REGISTRY_BIN))("registry client against docker-registry", () => {
  let dir = "";
  let proc: ChildProcess | null = null;
  let base = "";
  let logs = "";

  async function api(method: string, url: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
    const payload = body === undefined || typeof body === "string" ? body : new Uint8Array(body);
    const res = await fetch(new URL(url, base), { method, body: payload, headers });
    if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${await res.text()}`);
    return res;
  }

  async function pushBlob(name: string, data: string | Buffer): Promise<string> {
    const digest = sha256(data);
    const started = await api("POST", `/v2/${name}/blobs/uploads/`);
    const location = started.headers.get("location");
    if (location === null) throw new Error("upload without Location");
    const target = new URL(location, base);
    target.searchParams.set("digest", digest);
    await api("PUT", target.href, data, { "content-type": "application/octet-stream" });
    return digest;
  }

  async function pushImage(name: string, tag: string, layerText: string): Promise<{ digest: string; manifest: string; config: string }> {
    const layer = Buffer.from(layerText); // the registry does not look inside layers
    const config = JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
      config: {},
    });
    const configDigest = await pushBlob(name, config);
    const layerDigest = await pushBlob(name, layer);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: Buffer.byteLength(config) },
      layers: [{ mediaType: OCI_LAYER, digest: layerDigest, size: layer.length }],
    });
    await api("PUT", `/v2/${name}/manifests/${tag}`, manifest, { "content-type": OCI_MANIFEST });
    return { digest: sha256(manifest), manifest, config };
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "layerscope-registry-"));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${path.join(dir, "data")}`,
      "  delete:",
      "    enabled: true",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      "",
    ].join("\n");
    await writeFile(path.join(dir, "config.yml"), config);
    const child = spawn(REGISTRY_BIN, ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
    proc = child;
    child.stdout?.on("data", (d: Buffer) => {
      logs += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      logs += d.toString();
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${logs}`);
      try {
        if ((await fetch(`${base}/v2/`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`docker-registry did not start: ${logs}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    const child = proc;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("reads what was pushed through the HTTP API", async () => {
    const pushed = await pushImage("demo/app", "v1", "layer one");
    await api("PUT", "/v2/demo/app/manifests/latest", pushed.manifest, { "content-type": OCI_MANIFEST });
    const c = client({ baseUrl: base });

    expect(await c.ping()).toEqual({ apiVersion: "registry/2.0" });

    const head = await c.headManifest("demo/app", "v1");
    expect(head).toEqual({ digest: pushed.digest, mediaType: OCI_MANIFEST, size: Buffer.byteLength(pushed.manifest) });
    expect(await c.headManifest("demo/app", "missing")).toBeNull();

    const byTag = await c.getManifest("demo/app", "v1");
    expect(byTag.digest).toBe(pushed.digest);
    expect(byTag.body).toBe(pushed.manifest);
    expect(byTag.mediaType).toBe(OCI_MANIFEST);
    expect(byTag.manifest.kind).toBe("image");
    const byDigest = await c.getManifest("demo/app", pushed.digest);
    expect(byDigest.digest).toBe(pushed.digest);

    if (byTag.manifest.kind !== "image") throw new Error("expected an image manifest");
    expect(await c.getBlobText("demo/app", byTag.manifest.config.digest)).toBe(pushed.config);

    expect((await c.listTags("demo/app")).sort()).toEqual(["latest", "v1"]);
    const missing = await failure(c.listTags("demo/none"));
    expect(missing.kind).toBe("not_found");
    expect(missing.hasCode("NAME_UNKNOWN")).toBe(true);
    const unknownManifest = await failure(c.getManifest("demo/app", "missing"));
    expect(unknownManifest.kind).toBe("not_found");
    expect(unknownManifest.hasCode("MANIFEST_UNKNOWN")).toBe(true);

    const forwarded = await c.forward({ method: "GET", path: "/v2/demo/app/manifests/v1", search: "", accept: null });
    expect(forwarded.headers.get("docker-content-digest")).toBe(pushed.digest);
    expect(await forwarded.text()).toBe(pushed.manifest);
  });

  it("pages the catalog, including the PAGINATION_NUMBER_INVALID fallback, and reads emptied repositories as no tags", async () => {
    await pushImage("demo/other", "v1", "layer two");
    const gone = await pushImage("zeta", "old", "layer three");
    // Deleting the only tagged manifest leaves the repository in the catalog with "tags": null.
    await api("DELETE", `/v2/zeta/manifests/${gone.digest}`);

    const paged: string[] = [];
    const small = client({ baseUrl: base, catalogPageSize: 1, onRequest: (e) => paged.push(e.path) });
    expect(await small.catalog()).toEqual(["demo/app", "demo/other", "zeta"]);
    expect(paged.length).toBeGreaterThanOrEqual(3);

    const asked: string[] = [];
    // 2.8 rejects n above catalog.maxentries (1000): 5000 → 2500 → 1250 → 625.
    const big = client({ baseUrl: base, catalogPageSize: 5000, onRequest: (e) => asked.push(e.path) });
    expect(await big.catalog()).toEqual(["demo/app", "demo/other", "zeta"]);
    expect(asked).toEqual(["/v2/_catalog?n=5000", "/v2/_catalog?n=2500", "/v2/_catalog?n=1250", "/v2/_catalog?n=625"]);

    expect(await client({ baseUrl: base }).listTags("zeta")).toEqual([]);
  });
});

describe("registry client: referrers and deletes", () => {
  const subject = sha256("subject");
  const sbom = sha256("sbom");

  it("reads the OCI referrers API when the registry has it, and says null when it answers 404", async () => {
    const base = await serve((req, res) => {
      if (req.url === `/v2/app/referrers/${subject}`) {
        return json(
          res,
          200,
          {
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.index.v1+json",
            manifests: [{ mediaType: OCI_MANIFEST, digest: sbom, size: 321, artifactType: "application/spdx+json" }],
          },
          { "content-type": "application/vnd.oci.image.index.v1+json" },
        );
      }
      json(res, 404, registryErrorBody("NOT_FOUND", "no route"));
    });
    const c = client({ baseUrl: base, retries: 0 });
    const index = await c.referrers("app", subject);
    expect(index?.kind).toBe("index");
    expect(index?.kind === "index" ? index.manifests.map((m) => [m.digest, m.artifactType, m.size]) : []).toEqual([
      [sbom, "application/spdx+json", 321],
    ]);
    expect(await c.referrers("other", subject)).toBeNull();
  });

  it("deletes a manifest (202), reports an unknown one as absent (404) and keeps the registry's error codes", async () => {
    const base = await serve((req, res) => {
      if (req.method !== "DELETE") return json(res, 405, registryErrorBody("UNSUPPORTED", "method"));
      if (req.url === `/v2/app/manifests/${subject}`) {
        res.writeHead(202, { "content-length": "0" });
        return res.end();
      }
      if (req.url === "/v2/app/manifests/latest")
        return json(res, 400, registryErrorBody("DIGEST_INVALID", "provided digest did not match"));
      json(res, 404, registryErrorBody("MANIFEST_UNKNOWN", "manifest unknown"));
    });
    const c = client({ baseUrl: base, retries: 0 });
    expect(await c.deleteManifest("app", subject)).toBe("deleted");
    expect(await c.deleteManifest("app", sbom)).toBe("absent");
    const err = await c.deleteManifest("app", "latest").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).status).toBe(400);
    expect((err as RegistryError).hasCode("DIGEST_INVALID")).toBe(true);
  });
});
