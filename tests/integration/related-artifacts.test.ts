// Signatures, attestations and SBOMs against the real registry: the tags API lists them under the image
// they describe (relatedTo on their own rows, counts and badges on the subject) and, on request, as rows;
// cosign signatures are verified against COSIGN_PUBLIC_KEYS with keys the test generates; an artifact's
// page says what it is and what its layers hold; a zero creation date is unknown and sorts last.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import type { TagItem } from "@/lib/contract/repositories";
import { cosignTag, generateCosignKey, pushCosignAttestation, pushCosignSignature, writePublicKey } from "../fixtures/cosign";
import { makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { pushSbomReferrer } from "../fixtures/scenarios";
import { configureEnv, freshDatabase } from "./helpers";
import { closeServices } from "./teardown";

const REPO = "signed/app";
let registry: RunningRegistry;
let keyDir: string;
let verified: PushedManifest; // 1.0: signed by the configured ECDSA key, with an SBOM and an attestation
let wrongKey: PushedManifest; // 2.0: signed by a key nobody configured
let referred: PushedManifest; // 3.0: signed by the configured Ed25519 key as an OCI 1.1 referrer
let otherDigest: PushedManifest; // 4.0: a valid signature over a payload that names 1.0
let signature: PushedManifest;
let sbom: { artifact: PushedManifest; cosignTag: string };

beforeAll(async () => {
  registry = await startRegistry();
  keyDir = mkdtempSync(path.join(os.tmpdir(), "cosign-keys-"));
  const release = generateCosignKey("ecdsa-p256");
  const edge = generateCosignKey("ed25519");
  const stranger = generateCosignKey("ecdsa-p256");
  const rsa = generateCosignKey("rsa");
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "related_artifacts"),
    LOG_LEVEL: "error",
    LAYER_INDEX_BACKGROUND: "false",
    // the API is read anonymously; who may call what is role-matrix.test.ts's job
    LAYERSCOPE_ANONYMOUS_READ: "true",
    COSIGN_PUBLIC_KEYS: [
      writePublicKey(keyDir, "release.pub", release),
      writePublicKey(keyDir, "edge.pub", edge),
      writePublicKey(keyDir, "legacy-rsa.pub", rsa),
    ].join(","),
  });

  const pusher = new RegistryPusher(registry.url);
  const image = async (tag: string, created: string) =>
    pusher.pushImage(REPO, [tag], {
      layers: [await makeLayer([{ path: `app/${tag}`, content: tag.repeat(500) }])],
      config: { architecture: "amd64", os: "linux", created },
    });
  verified = await image("1.0", "2024-01-01T00:00:00Z");
  wrongKey = await image("2.0", "2024-02-01T00:00:00Z");
  referred = await image("3.0", "2024-03-01T00:00:00Z");
  otherDigest = await image("4.0", "2024-04-01T00:00:00Z");
  await image("5.0", "2024-05-01T00:00:00Z"); // unsigned

  signature = await pushCosignSignature(pusher, verified, release);
  sbom = await pushSbomReferrer(pusher, verified, ["musl", "busybox", "openssl"]);
  await pushCosignAttestation(pusher, verified, { spdxVersion: "SPDX-2.3", name: "app", packages: [{ name: "musl" }] });
  await pushCosignSignature(pusher, wrongKey, stranger);
  await pushCosignSignature(pusher, referred, edge, { referrer: { tag: "sig-for-3.0" } });
  await pushCosignSignature(pusher, otherDigest, release, { signedDigest: verified.digest });

  const { runSync } = await import("@/lib/services/sync");
  const run = await runSync("manual");
  expect(run?.status).toBe("succeeded");
}, 180_000);

afterAll(async () => {
  await closeServices({ registries: [registry] });
  rmSync(keyDir, { recursive: true, force: true });
});

async function tagsApi(query: Record<string, string> = {}): Promise<{ items: TagItem[]; total: number }> {
  const { callRoute, ROOT } = await import("./route-harness");
  const segments = [...REPO.split("/"), "tags"];
  const res = await callRoute(`${ROOT}/app/api/v1/repositories/[...path]/route.ts`, "GET", {
    url: `/api/v1/repositories/${segments.join("/")}?${new URLSearchParams({ limit: "500", ...query })}`,
    params: { path: segments },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { items: TagItem[]; total: number };
}

describe("the tags API", () => {
  it("lists signatures, attestations and SBOMs under their subject by default, with counts and the verdict", async () => {
    const list = await tagsApi();
    expect(list.items.map((t) => t.name).sort()).toEqual(["1.0", "2.0", "3.0", "4.0", "5.0"]);
    expect(list.total).toBe(5);
    const byName = new Map(list.items.map((t) => [t.name, t]));
    expect(byName.get("1.0")?.related).toEqual({
      signatures: 1,
      attestations: 1,
      sboms: 1,
      verification: { status: "verified", keys: ["release.pub"], reason: null },
    });
    expect(byName.get("2.0")?.related).toMatchObject({ signatures: 1, verification: { status: "failed", keys: [] } });
    expect(byName.get("3.0")?.related).toMatchObject({ signatures: 1, verification: { status: "verified", keys: ["edge.pub"] } });
    // signed by a configured key, but over another image's digest
    const moved = byName.get("4.0")?.related.verification;
    expect(moved?.status).toBe("failed");
    expect(moved?.reason).toContain(verified.digest);
    expect(byName.get("5.0")?.related).toEqual({ signatures: 0, attestations: 0, sboms: 0, verification: null });
    for (const t of list.items) expect(t.relatedTo).toBeNull();
  });

  it("marks each artifact row with relatedTo when they are listed as rows", async () => {
    const list = await tagsApi({ artifacts: "rows", sort: "name" });
    expect(list.total).toBe(11);
    const byName = new Map(list.items.map((t) => [t.name, t]));
    expect(byName.get(cosignTag(verified.digest, "sig"))?.relatedTo).toEqual({ digest: verified.digest, relation: "signature" });
    expect(byName.get(cosignTag(verified.digest, "att"))?.relatedTo).toEqual({ digest: verified.digest, relation: "attestation" });
    expect(byName.get(sbom.cosignTag)?.relatedTo).toEqual({ digest: verified.digest, relation: "sbom" });
    // an OCI 1.1 referrer under any tag: its `subject` and media types say what it is
    expect(byName.get("sig-for-3.0")?.relatedTo).toEqual({ digest: referred.digest, relation: "signature" });
    expect(byName.get("1.0")?.relatedTo).toBeNull();
    // the name filter and the count agree with the hidden rows
    expect((await tagsApi({ q: "sha256-" })).total).toBe(0);
    expect((await tagsApi({ q: "sha256-", artifacts: "rows" })).total).toBe(5);
  });

  it("shows a zero creation date as unknown and sorts it last in either direction", async () => {
    for (const order of ["desc", "asc"] as const) {
      const list = await tagsApi({ artifacts: "rows", sort: "created", order });
      const sig = list.items.find((t) => t.name === cosignTag(verified.digest, "sig"));
      expect(sig?.createdAt).toBeNull();
      const firstUndated = list.items.findIndex((t) => t.createdAt === null);
      expect(list.items.slice(firstUndated).every((t) => t.createdAt === null)).toBe(true);
      expect(list.items.slice(0, firstUndated).map((t) => t.name)).toEqual(
        order === "desc" ? ["5.0", "4.0", "3.0", "2.0", "1.0"] : ["1.0", "2.0", "3.0", "4.0", "5.0"],
      );
    }
  });

  it("keeps the SQL relation rules in step with lib/oci/related.ts", async () => {
    const { relationOf } = await import("@/lib/oci/related");
    const { getDb } = await import("@/lib/db/client");
    const samples: string[][] = [
      ["application/vnd.dev.cosign.artifact.sig.v1+json"],
      ["application/vnd.oci.image.config.v1+json", "application/vnd.dev.cosign.simplesigning.v1+json"],
      ["application/spdx+json"],
      ["application/vnd.cyclonedx+json"],
      ["application/vnd.in-toto+json"],
      ["application/vnd.dsse.envelope.v1+json"],
      ["application/vnd.cncf.notary.signature"],
      ["application/vnd.example.thing", "application/x-sigstuff"],
      ["application/vnd.oci.image.layer.v1.tar+gzip"],
    ];
    for (const types of samples) {
      const rows = await getDb().$queryRaw<{ r: string }[]>`SELECT layerscope_relation_of(${types}::text[]) AS r`;
      expect(rows[0]?.r, types.join(" ")).toBe(relationOf(types));
    }
  });
});

describe("an artifact's page", () => {
  it("says a signature is one, links its subject, and shows its verified payload", async () => {
    const { getManifestDetail } = await import("@/lib/services/manifests");
    const detail = await getManifestDetail(SYSTEM, REPO, cosignTag(verified.digest, "sig"));
    expect(detail.digest).toBe(signature.digest);
    expect(detail.relatedTo).toEqual({ digest: verified.digest, relation: "signature" });
    expect(detail.createdAt).toBeNull();
    expect(detail.artifactContents).toEqual([
      expect.objectContaining({
        kind: "signature",
        layer: signature.layers[0]?.digest,
        signedDigest: verified.digest,
        verification: { status: "verified", keys: ["release.pub"], reason: null },
      }),
    ]);
    const content = detail.artifactContents[0];
    expect(content?.kind === "signature" ? JSON.parse(content.payload).critical.image["docker-manifest-digest"] : null).toBe(
      verified.digest,
    );
  });

  it("reports a signature that does not verify, whichever way it fails", async () => {
    const { getManifestDetail } = await import("@/lib/services/manifests");
    const bad = await getManifestDetail(SYSTEM, REPO, cosignTag(wrongKey.digest, "sig"));
    expect(bad.artifactContents[0]).toMatchObject({
      kind: "signature",
      verification: { status: "failed", reason: expect.stringMatching(/no configured key/) },
    });
    const moved = await getManifestDetail(SYSTEM, REPO, cosignTag(otherDigest.digest, "sig"));
    expect(moved.artifactContents[0]).toMatchObject({
      kind: "signature",
      signedDigest: verified.digest,
      verification: { status: "failed" },
    });
  });

  it("summarises an SBOM, bare or inside an attestation, and counts what describes the subject", async () => {
    const { getManifestDetail } = await import("@/lib/services/manifests");
    const doc = await getManifestDetail(SYSTEM, REPO, sbom.cosignTag);
    expect(doc.relatedTo).toEqual({ digest: verified.digest, relation: "sbom" });
    expect(doc.artifactContents).toEqual([
      expect.objectContaining({ kind: "sbom", format: "SPDX", version: "2.3", name: `${REPO}@${verified.digest}`, packageCount: 3 }),
    ]);
    // by digest too: the SBOM's own `subject` says what it describes
    expect((await getManifestDetail(SYSTEM, REPO, sbom.artifact.digest)).relatedTo).toEqual({ digest: verified.digest, relation: "sbom" });
    const att = await getManifestDetail(SYSTEM, REPO, cosignTag(verified.digest, "att"));
    expect(att.artifactContents).toEqual([expect.objectContaining({ kind: "sbom", format: "SPDX", name: "app", packageCount: 1 })]);
    const subject = await getManifestDetail(SYSTEM, REPO, "1.0");
    expect(subject.relatedTo).toBeNull();
    expect(subject.related).toMatchObject({ signatures: 1, sboms: 1, attestations: 1, verification: { status: "verified" } });
    expect(subject.artifactContents).toEqual([]);
  });
});
