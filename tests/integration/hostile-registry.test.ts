// Registries that answer what a real one never should: garbage JSON, a manifest that breaks the
// schema, a legacy schema1 manifest, a repository that answers 500. The sync records what went
// wrong per repository, keeps the rest, and the cache stays consistent.
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PrismaClient } from "../../lib/db/generated/client";
import { createRegistryClient } from "../../lib/registry/client";
import { syncRegistry } from "../../lib/services/sync-engine/engine";
import { freshDatabase } from "./helpers";

const sha = (s: string) => `sha256:${createHash("sha256").update(s).digest("hex")}`;

const schema1 = JSON.stringify({
  schemaVersion: 1,
  name: "old/app",
  tag: "v1",
  architecture: "amd64",
  fsLayers: [{ blobSum: `sha256:${"a".repeat(64)}` }],
  history: [{ v1Compatibility: "{}" }],
  signatures: [],
});
const badManifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"b".repeat(64)}`, size: 2 },
  layers: "nope",
});

let server: Server;
let url: string;
let db: PrismaClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "";
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (path.startsWith("/v2/_catalog"))
      return send(200, JSON.stringify({ repositories: ["old/app", "broken/manifest", "flaky/repo", "garbage/tags"] }));
    if (path === "/v2/old/app/tags/list") return send(200, JSON.stringify({ name: "old/app", tags: ["v1"] }));
    if (path === "/v2/old/app/manifests/v1") {
      return send(200, schema1, {
        "content-type": "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "docker-content-digest": sha(schema1),
      });
    }
    if (path === "/v2/broken/manifest/tags/list") return send(200, JSON.stringify({ name: "broken/manifest", tags: ["latest"] }));
    if (path === "/v2/broken/manifest/manifests/latest") {
      return send(200, badManifest, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "docker-content-digest": sha(badManifest),
      });
    }
    if (path === "/v2/flaky/repo/tags/list") return send(500, JSON.stringify({ errors: [{ code: "UNKNOWN", message: "boom" }] }));
    if (path === "/v2/garbage/tags/tags/list") return send(200, "<html>not json</html>", { "content-type": "text/html" });
    return send(404, JSON.stringify({ errors: [{ code: "NOT_FOUND", message: "no" }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: await freshDatabase(inject("databaseUrl"), "hostile") }) });
});

afterAll(async () => {
  await db?.$disconnect();
  await new Promise((resolve) => server?.close(resolve));
});

describe("sync against a misbehaving registry", () => {
  it("records each bad repository with a clear reason and keeps the good ones", async () => {
    const outcome = await syncRegistry({
      db,
      registry: createRegistryClient({ baseUrl: url, retries: 1, timeoutMs: 2000 }),
      concurrency: 2,
    });
    expect(outcome.status).toBe("partial");
    const byRepo = Object.fromEntries(outcome.errors.map((e) => [e.repository, e]));
    expect(byRepo["broken/manifest"]?.code).toBe("invalid_response");
    expect(byRepo["broken/manifest"]?.message).toMatch(/layers/);
    expect(byRepo["flaky/repo"]?.message).toMatch(/500|UNKNOWN/);
    expect(byRepo["garbage/tags"]?.code).toBe("invalid_response");
    expect(byRepo["old/app"]).toBeUndefined();

    // the failing repositories are listed, empty, with their error; nothing half-written
    const repos = await db.repository.findMany({ orderBy: { name: "asc" } });
    expect(repos.map((r) => r.name)).toEqual(["broken/manifest", "flaky/repo", "garbage/tags", "old/app"]);
    expect(repos.find((r) => r.name === "broken/manifest")?.lastError).toMatch(/layers/);
    expect(await db.manifest.count({ where: { digest: sha(badManifest) } })).toBe(0);
    expect(await db.tag.count({ where: { repository: { name: "broken/manifest" } } })).toBe(0);
  });

  it("keeps a schema1 manifest as legacy instead of failing", async () => {
    const manifest = await db.manifest.findUnique({ where: { digest: sha(schema1) } });
    expect(manifest?.kind).toBe("legacy");
    const tag = await db.tag.findFirst({ where: { repository: { name: "old/app" }, name: "v1" } });
    expect(tag?.digest).toBe(sha(schema1));
  });
});
