// Proves the fixtures themselves: a real registry starts, seedFoundation pushes what it claims, and the registry
// behaves the way the rest of the suite relies on. Speaks the Registry HTTP API directly.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANIFEST_ACCEPT, MediaType, sha256Digest } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { type FoundationExpectation, seedFoundation } from "../fixtures/scenarios";

const TIMEOUT = { timeout: 120_000 };

interface TagList {
  name: string;
  tags: string[] | null;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/** Follows `Link: <…>; rel="next"` through the whole catalog. */
async function listCatalog(base: string, pageSize: number): Promise<{ repositories: string[]; pages: number }> {
  const repositories: string[] = [];
  let next: string | null = `/v2/_catalog?n=${pageSize}`;
  let pages = 0;
  while (next) {
    const res: { status: number; body: { repositories: string[] }; headers: Headers } = await getJson(new URL(next, base).toString());
    expect(res.status).toBe(200);
    repositories.push(...res.body.repositories);
    pages++;
    const link: string | null = res.headers.get("link");
    next = link ? (/<([^>]+)>;\s*rel="next"/.exec(link)?.[1] ?? null) : null;
  }
  return { repositories, pages };
}

describe("fixtures: seeded foundation registry", () => {
  let registry: RunningRegistry;
  let expected: FoundationExpectation;

  beforeAll(async () => {
    registry = await startRegistry();
    expected = await seedFoundation(registry.url);
    // Kept visible in the test output: seeding must stay well under a minute on 2 cores.
    console.info(`seedFoundation timings (ms): ${JSON.stringify(expected.timingsMs)}`);
  }, 180_000);

  afterAll(async () => {
    await registry?.destroy();
  });

  it("lists more than 1000 repositories over several catalog pages of n=1000", TIMEOUT, async () => {
    const { repositories, pages } = await listCatalog(registry.url, 1000);
    expect(repositories.length).toBeGreaterThan(1000);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(repositories).size).toBe(repositories.length);
    expect([...repositories].sort()).toEqual(Object.keys(expected.repositories).sort());
  });

  it("rejects a catalog page larger than catalog.maxentries", TIMEOUT, async () => {
    const res = await fetch(`${registry.url}/v2/_catalog?n=1001`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("PAGINATION_NUMBER_INVALID");
  });

  it("keeps deleted/only in the catalog with tags: null", TIMEOUT, async () => {
    const res = await getJson<TagList>(`${registry.url}/v2/deleted/only/tags/list`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: "deleted/only", tags: null });
    expect(expected.repositories["deleted/only"]?.tags).toEqual({});
    expect(expected.repositories["deleted/only"]?.deletedDigests).toHaveLength(1);
  });

  it("returns all 1500 big/tags tags in one tags/list answer", TIMEOUT, async () => {
    const res = await getJson<TagList>(`${registry.url}/v2/big/tags/tags/list`);
    expect(res.status).toBe(200);
    expect(res.body.tags).toHaveLength(1500);
    expect([...(res.body.tags ?? [])].sort()).toEqual(Object.keys(expected.repositories["big/tags"]?.tags ?? {}).sort());
    const digests = new Set(Object.values(expected.repositories["big/tags"]?.tags ?? {}).map((t) => t.digest));
    expect(digests.size).toBe(3);
  });

  it("serves the OCI manifest with its digest when Accept lists all four manifest types", TIMEOUT, async () => {
    const want = expected.repositories["demo/app"]?.tags["1.0.0"];
    expect(want).toBeDefined();
    const res = await fetch(`${registry.url}/v2/demo/app/manifests/1.0.0`, { headers: { accept: MANIFEST_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(MediaType.ociManifest);
    expect(res.headers.get("docker-content-digest")).toBe(want?.digest);
    const body = Buffer.from(await res.arrayBuffer());
    expect(sha256Digest(body)).toBe(want?.digest);
    const manifest = JSON.parse(body.toString("utf8")) as { layers: { size: number }[] };
    expect(manifest.layers).toHaveLength(3);
    expect(manifest.layers.reduce((sum, l) => sum + l.size, 0)).toBe(want?.sizeBytes);
  });

  it("answers 404 for the OCI manifest without an Accept header (why clients must send one)", TIMEOUT, async () => {
    const res = await fetch(`${registry.url}/v2/demo/app/manifests/1.0.0`);
    expect(res.status).toBe(404);
  });

  it("points latest and 1.1.0 at the same digest", TIMEOUT, async () => {
    const head = async (tag: string) =>
      (
        await fetch(`${registry.url}/v2/demo/app/manifests/${tag}`, {
          method: "HEAD",
          headers: { accept: MANIFEST_ACCEPT },
        })
      ).headers.get("docker-content-digest");
    expect(await head("latest")).toBe(await head("1.1.0"));
    expect(await head("latest")).not.toBe(await head("1.0.0"));
  });

  it("serves the multi/platform index with two platforms and an attestation", TIMEOUT, async () => {
    const res = await fetch(`${registry.url}/v2/multi/platform/manifests/v2`, { headers: { accept: MANIFEST_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(MediaType.ociIndex);
    const index = (await res.json()) as {
      manifests: {
        digest: string;
        platform?: { os: string; architecture: string; variant?: string };
        annotations?: Record<string, string>;
      }[];
    };
    expect(index.manifests).toHaveLength(3);
    const platforms = index.manifests.map((m) => [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join("/"));
    expect(platforms).toEqual(["linux/amd64", "linux/arm64/v8", "unknown/unknown"]);
    const attestation = index.manifests[2];
    expect(attestation?.annotations?.["vnd.docker.reference.type"]).toBe("attestation-manifest");
    expect(attestation?.annotations?.["vnd.docker.reference.digest"]).toBe(index.manifests[0]?.digest);
    const want = expected.repositories["multi/platform"]?.tags.v2;
    expect(want?.platforms.map((p) => p.digest)).toEqual([index.manifests[0]?.digest, index.manifests[1]?.digest]);
    expect(want?.attestations).toEqual([attestation?.digest]);
  });

  it("serves the Docker manifest list and Docker v2 images unconverted", TIMEOUT, async () => {
    const list = await fetch(`${registry.url}/v2/multi/dockerlist/manifests/stable`, { headers: { accept: MANIFEST_ACCEPT } });
    expect(list.headers.get("content-type")).toBe(MediaType.dockerManifestList);
    expect(list.headers.get("docker-content-digest")).toBe(expected.repositories["multi/dockerlist"]?.tags.stable?.digest);
    await list.arrayBuffer();
    const docker = await fetch(`${registry.url}/v2/demo/app-docker/manifests/1.0.0`, { headers: { accept: MANIFEST_ACCEPT } });
    expect(docker.headers.get("content-type")).toBe(MediaType.dockerManifest);
    const manifest = (await docker.json()) as { config: { mediaType: string }; layers: { mediaType: string }[] };
    expect(manifest.config.mediaType).toBe(MediaType.dockerConfig);
    expect(manifest.layers.every((l) => l.mediaType === MediaType.dockerLayerGzip)).toBe(true);
  });

  it("stores the SBOM referrer with artifactType and subject, also under its cosign-style tag", TIMEOUT, async () => {
    const subject = expected.repositories["demo/app"]?.tags["1.0.0"]?.digest ?? "";
    const cosignTag = `${subject.replace(":", "-")}.sbom`;
    const res = await fetch(`${registry.url}/v2/demo/app/manifests/${cosignTag}`, { headers: { accept: MANIFEST_ACCEPT } });
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as {
      artifactType: string;
      config: { mediaType: string; digest: string; size: number };
      subject: { digest: string };
      layers: { annotations?: Record<string, string> }[];
    };
    expect(manifest.artifactType).toBe("application/vnd.example.sbom+json");
    expect(manifest.config).toEqual({
      mediaType: "application/vnd.oci.empty.v1+json",
      digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
      size: 2,
    });
    expect(manifest.subject.digest).toBe(subject);
    expect(manifest.layers[0]?.annotations?.["org.opencontainers.image.title"]).toBe("sbom.json");
    expect(expected.repositories["demo/app"]?.referrers.map((r) => r.subject)).toEqual([subject]);
  });

  it("serves the Helm chart's config blob", TIMEOUT, async () => {
    const chart = expected.repositories["charts/mychart"]?.tags["0.1.0"];
    expect(chart?.kind).toBe("artifact");
    expect(chart?.configMediaType).toBe(MediaType.helmConfig);
    const res = await fetch(`${registry.url}/v2/charts/mychart/blobs/${chart?.configDigest}`);
    expect(await res.json()).toEqual({ name: "mychart", version: "0.1.0", apiVersion: "v2" });
  });

  it("restarts on the same port with the same data", TIMEOUT, async () => {
    const port = registry.port;
    await registry.stop();
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    await registry.start();
    expect(registry.port).toBe(port);
    const res = await getJson<TagList>(`${registry.url}/v2/demo/app/tags/list`);
    expect(res.body.tags?.sort()).toEqual(Object.keys(expected.repositories["demo/app"]?.tags ?? {}).sort());
  });
});

describe("fixtures: htpasswd registry", () => {
  const credentials = { username: "alice", password: "s3cret-Pa55" };
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: credentials });
  }, 60_000);

  afterAll(async () => {
    await registry?.destroy();
  });

  it("answers 401 with a Basic challenge without credentials", TIMEOUT, async () => {
    const res = await fetch(`${registry.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
  });

  it("answers 401 to a wrong password and 200 to the right one", TIMEOUT, async () => {
    const basic = (password: string) => `Basic ${Buffer.from(`${credentials.username}:${password}`).toString("base64")}`;
    const wrong = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic("nope") } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic(credentials.password) } });
    expect(right.status).toBe(200);
  });
});

describe("fixtures: read-only registry", () => {
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ readOnly: true });
  }, 60_000);

  afterAll(async () => {
    await registry?.destroy();
  });

  it("refuses uploads with 405 while reads work", TIMEOUT, async () => {
    const upload = await fetch(`${registry.url}/v2/ro/test/blobs/uploads/`, { method: "POST" });
    expect(upload.status).toBe(405);
    const catalog = await fetch(`${registry.url}/v2/_catalog`);
    expect(catalog.status).toBe(200);
  });
});
