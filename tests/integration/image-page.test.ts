// What the manifest page adds on top of the layer index, against the real registry: blobs shared
// between tags and repositories and the unique size (what deleting the manifest frees after GC),
// related artifacts (subject, cosign tags, buildx attestations; registry 2.x has no referrers API),
// Helm chart details, artifact file names, and background indexing of new tags.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { pushAttestation, pushHelmChart, pushSbomReferrer } from "../fixtures/scenarios";
import { configureEnv, freshDatabase } from "./helpers";
import { closeServices } from "./teardown";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let a: PushedManifest; // usage/app:v1 and :v1-alias
let b: PushedManifest; // usage/app:v2
let c: PushedManifest; // usage/other:latest
let base: { digest: string; size: number };
let onlyA: { digest: string; size: number };
let multiAmd: PushedManifest;
let multiArm: PushedManifest;
let multiIndexDigest: string;
let multiIndexSize: number;
let attestationDigest: string;
let signed: PushedManifest;
let sbomDigest: string;
let signatureDigest: string;
let chart: PushedManifest;
let big: PushedManifest;

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "image_page"),
    LAYER_INDEX_MAX_BYTES: String(64 * 1024),
    LOG_LEVEL: "error",
    // the API check reads anonymously; who may call what is role-matrix.test.ts's job
    LAYERSCOPE_ANONYMOUS_READ: "true",
  });

  const baseLayer = await makeLayer([{ path: "etc/os-release", content: "ID=test\n" }]);
  const layerA = await makeLayer([{ path: "app/a", content: "a".repeat(3000) }]);
  const layerB = await makeLayer([{ path: "app/b", content: "b".repeat(5000) }]);
  const layerC = await makeLayer([{ path: "app/c", content: "c".repeat(7000) }]);
  base = { digest: baseLayer.digest, size: baseLayer.size };
  onlyA = { digest: layerA.digest, size: layerA.size };
  const cfg = (created: string) => ({ architecture: "amd64", os: "linux", created });
  a = await pusher.pushImage("usage/app", ["v1", "v1-alias"], { layers: [baseLayer, layerA], config: cfg("2024-01-01T00:00:00Z") });
  b = await pusher.pushImage("usage/app", ["v2"], { layers: [baseLayer, layerB], config: cfg("2024-02-01T00:00:00Z") });
  c = await pusher.pushImage("usage/other", ["latest"], { layers: [baseLayer, layerC], config: cfg("2024-03-01T00:00:00Z") });

  // a multi-platform index whose arm64 image is also tagged on its own, with a buildx attestation
  const amdLayer = await makeLayer([{ path: "bin/amd", content: "x".repeat(4000) }]);
  const armLayer = await makeLayer([{ path: "bin/arm", content: "y".repeat(4500) }]);
  multiAmd = await pusher.pushImage("usage/multi", [], { layers: [amdLayer], config: cfg("2024-04-01T00:00:00Z") });
  multiArm = await pusher.pushImage("usage/multi", ["arm-only"], {
    layers: [armLayer],
    config: { architecture: "arm64", os: "linux", created: "2024-04-01T00:00:00Z" },
  });
  const att = await pushAttestation(pusher, "usage/multi", multiAmd);
  attestationDigest = att.attestation.digest;
  const index = await pusher.pushIndex("usage/multi", ["1.0"], { manifests: [{ manifest: multiAmd }, { manifest: multiArm }, att.entry] });
  multiIndexDigest = index.digest;
  multiIndexSize = index.size;

  // an image with an SBOM (subject + cosign .sbom tag) and a cosign signature (tag only)
  signed = await pusher.pushImage("usage/signed", ["1.0"], { layers: [baseLayer], config: cfg("2024-05-01T00:00:00Z") });
  sbomDigest = (await pushSbomReferrer(pusher, signed, ["musl"])).artifact.digest;
  const signature = await pusher.pushArtifact("usage/signed", [`${signed.digest.replace(":", "-")}.sig`], {
    artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
    layers: [{ blob: Buffer.from('{"critical":{}}'), mediaType: "application/vnd.dev.cosign.simplesigning.v1+json" }],
  });
  signatureDigest = signature.digest;

  chart = await pushHelmChart(pusher, "charts/web", {
    name: "web",
    version: "1.2.3",
    appVersion: "4.5",
    created: "2024-06-01T00:00:00Z",
    description: "The web tier",
  });

  // a layer above LAYER_INDEX_MAX_BYTES (64 KiB, incompressible)
  const noise = randomBytes(100 * 1024);
  const bigLayer = await makeLayer([{ path: "big.bin", content: noise }]);
  big = await pusher.pushImage("usage/big", ["1"], { layers: [bigLayer], config: cfg("2024-07-01T00:00:00Z") });

  const { runSync } = await import("@/lib/services/sync");
  const run = await runSync("manual");
  expect(run?.status).toBe("succeeded");
}, 180_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("blob sharing and unique size", () => {
  it("counts the other tags and repositories that share each blob, siblings on the same digest excluded", async () => {
    const { getManifestUsage } = await import("@/lib/services/blob-usage");
    const usage = await getManifestUsage(SYSTEM, "usage/app", "v1");
    expect(usage.digest).toBe(a.digest);
    expect(usage.tags).toEqual(["v1", "v1-alias"]);
    const byDigest = new Map(usage.blobs.map((x) => [x.digest, x]));
    // base: usage/app:v2, usage/other:latest and usage/signed:1.0 (v1-alias goes with v1)
    expect(byDigest.get(base.digest)).toMatchObject({ kind: "layer", otherTags: 3, otherRepositories: 3, unique: false });
    expect(byDigest.get(onlyA.digest)).toMatchObject({ kind: "layer", otherTags: 0, unique: true });
    expect(byDigest.get(a.configDigest)).toMatchObject({ kind: "config", bytes: a.configSize, unique: true });
    expect(byDigest.get(a.digest)).toMatchObject({ kind: "manifest", bytes: a.size, unique: true });
    expect(usage.uniqueBytes).toBe(onlyA.size + a.configSize + a.size);
    expect(usage.totalBytes).toBe(base.size + onlyA.size + a.configSize + a.size);
  });

  it("for an index, a platform image tagged on its own is not unique to the index", async () => {
    const { getManifestUsage } = await import("@/lib/services/blob-usage");
    const usage = await getManifestUsage(SYSTEM, "usage/multi", "1.0");
    const unique = new Set(usage.blobs.filter((x) => x.unique).map((x) => x.digest));
    expect(unique.has(multiIndexDigest)).toBe(true);
    expect(unique.has(multiAmd.digest)).toBe(true);
    expect(unique.has(multiAmd.layers[0]?.digest ?? "")).toBe(true);
    expect(unique.has(attestationDigest)).toBe(true);
    expect(unique.has(multiArm.digest)).toBe(false);
    expect(unique.has(multiArm.layers[0]?.digest ?? "")).toBe(false);
    const amdBytes = multiAmd.size + multiAmd.configSize + (multiAmd.layers[0]?.size ?? 0);
    const attBytes = usage.blobs.filter((x) => x.unique && ![multiIndexDigest, multiAmd.digest].includes(x.digest));
    expect(usage.uniqueBytes).toBeGreaterThan(multiIndexSize + amdBytes);
    expect(usage.uniqueBytes).toBe(usage.blobs.filter((x) => x.unique).reduce((s, x) => s + x.bytes, 0));
    expect(attBytes.length).toBeGreaterThanOrEqual(3); // amd layer + config, and the attestation's manifest
  });

  it("answers through the API path the page uses", async () => {
    const { callRoute, ROOT } = await import("./route-harness");
    const path = ["usage", "other", "manifests", "latest", "usage"];
    const res = await callRoute(`${ROOT}/app/api/v1/repositories/[...path]/route.ts`, "GET", {
      url: `/api/v1/repositories/${path.join("/")}`,
      params: { path },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { uniqueBytes: number; digest: string };
    expect(body.digest).toBe(c.digest);
    expect(body.uniqueBytes).toBe(c.size + c.configSize + (c.layers[1]?.size ?? 0));
  });
});

describe("related artifacts", () => {
  it("groups the SBOM (subject + cosign tag) and the signature (cosign tag) under the image", async () => {
    const { listRelatedArtifacts } = await import("@/lib/services/related");
    const related = await listRelatedArtifacts(SYSTEM, "usage/signed", "1.0");
    expect(related.referrersApi).toBe("unsupported"); // registry 2.8 answers 404
    const hex = signed.digest.replace("sha256:", "");
    expect(related.items.map((i) => ({ digest: i.digest, relation: i.relation, sources: i.sources.sort(), tags: i.tags }))).toEqual(
      [
        { digest: sbomDigest, relation: "sbom", sources: ["cosign-tag", "subject"], tags: [`sha256-${hex}.sbom`] },
        { digest: signatureDigest, relation: "signature", sources: ["cosign-tag"], tags: [`sha256-${hex}.sig`] },
      ].sort((x, y) => x.relation.localeCompare(y.relation) || x.digest.localeCompare(y.digest)),
    );
  });

  it("lists a buildx attestation under its platform image and under the index", async () => {
    const { listRelatedArtifacts } = await import("@/lib/services/related");
    for (const ref of [multiAmd.digest, "1.0"]) {
      const related = await listRelatedArtifacts(SYSTEM, "usage/multi", ref);
      expect(related.items).toEqual([
        expect.objectContaining({ digest: attestationDigest, relation: "attestation", sources: ["index"], describes: multiAmd.digest }),
      ]);
    }
    const none = await listRelatedArtifacts(SYSTEM, "usage/multi", multiArm.digest);
    expect(none.items).toEqual([]);
  });
});

describe("artifacts", () => {
  it("shows a Helm chart's Chart.yaml fields and the chart file's title", async () => {
    const { getManifestDetail } = await import("@/lib/services/manifests");
    const detail = await getManifestDetail(SYSTEM, "charts/web", "1.2.3");
    expect(detail.kind).toBe("artifact");
    expect(detail.helmChart).toMatchObject({ name: "web", version: "1.2.3", appVersion: "4.5", apiVersion: "v2" });
    expect(detail.layers).toEqual([expect.objectContaining({ digest: chart.layers[0]?.digest, title: null })]);
    const sbom = await getManifestDetail(SYSTEM, "usage/signed", sbomDigest);
    expect(sbom.layers.map((l) => l.title)).toEqual(["sbom.json"]);
    const image = await getManifestDetail(SYSTEM, "usage/app", "v2");
    expect(image.helmChart).toBeNull();
    expect(image.config?.volumes).toEqual([]);
    expect(b.digest).toBe(image.digest);
  });
});

describe("background indexing", () => {
  it("queues every unindexed layer of tagged images once, and marks blobs over the limit skipped", async () => {
    const { queueUnindexedLayers } = await import("@/lib/services/layer-index");
    const { getDb } = await import("@/lib/db/client");
    const queued = await queueUnindexedLayers();
    const expectedLayers = new Set([a, b, c, multiAmd, multiArm, signed].flatMap((m) => m.layers.map((l) => l.digest)));
    expect(new Set(queued)).toEqual(expectedLayers); // no chart, SBOM, signature or attestation blobs
    const rows = await getDb().layerIndex.findMany();
    const skipped = rows.find((r) => r.digest === big.layers[0]?.digest);
    expect(skipped).toMatchObject({ status: "skipped" });
    expect(skipped?.error).toMatch(/LAYER_INDEX_MAX_BYTES/);
    expect(await queueUnindexedLayers()).toEqual([]); // rows exist now: nothing twice
  });
});
