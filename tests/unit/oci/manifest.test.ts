import { describe, expect, it } from "vitest";
import { ManifestParseError, type ParsedManifest, parseManifest } from "../../../lib/oci/manifest";
import {
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
  HELM_CHART_CONFIG,
  OCI_EMPTY,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
} from "../../../lib/oci/media-types";
import {
  dockerManifestList,
  dockerV2Manifest,
  emptyConfigArtifact,
  helmChartManifest,
  json,
  ociImageManifest,
  ociIndexWithAttestation,
  sbomReferrer,
  schema1Signed,
  sha,
} from "./fixtures";

function expectKind<K extends ParsedManifest["kind"]>(m: ParsedManifest, kind: K): ParsedManifest & { kind: K } {
  expect(m.kind).toBe(kind);
  return m as ParsedManifest & { kind: K };
}

function parseError(body: string, contentType: string | null = null): ManifestParseError {
  try {
    parseManifest(body, contentType);
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestParseError);
    return e as ManifestParseError;
  }
  throw new Error("expected parseManifest to throw");
}

describe("parseManifest: image manifests", () => {
  it("parses an OCI image manifest into config, layers and annotations", () => {
    const m = expectKind(parseManifest(json(ociImageManifest), OCI_IMAGE_MANIFEST), "image");
    expect(m.mediaType).toBe(OCI_IMAGE_MANIFEST);
    expect(m.schemaVersion).toBe(2);
    expect(m.config).toEqual({
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: sha("c"),
      size: 1470,
      annotations: {},
      artifactType: null,
      urls: [],
    });
    expect(m.layers.map((l) => [l.mediaType, l.size])).toEqual([
      ["application/vnd.oci.image.layer.v1.tar+gzip", 3_623_807],
      ["application/vnd.oci.image.layer.v1.tar+zstd", 1024],
    ]);
    expect(m.subject).toBeNull();
    expect(m.artifactType).toBeNull();
    expect(m.annotations).toEqual({ "org.opencontainers.image.created": "2024-05-01T00:00:00Z" });
  });

  it("parses a Docker v2 manifest and keeps foreign layer URLs", () => {
    const m = expectKind(parseManifest(json(dockerV2Manifest), DOCKER_MANIFEST_V2), "image");
    expect(m.mediaType).toBe(DOCKER_MANIFEST_V2);
    expect(m.layers).toHaveLength(3);
    expect(m.layers[2]?.urls).toEqual(["https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:5555"]);
    expect(m.layers[0]?.urls).toEqual([]);
  });

  it("accepts an image manifest with an empty layers array", () => {
    const m = expectKind(parseManifest(json({ ...ociImageManifest, layers: [] }), null), "image");
    expect(m.layers).toEqual([]);
  });

  it("keeps working when the spec's optional fields are null or extra fields are present", () => {
    const body = { ...ociImageManifest, annotations: null, subject: null, futureField: { x: 1 } };
    const m = expectKind(parseManifest(json(body), null), "image");
    expect(m.annotations).toEqual({});
    expect(m.subject).toBeNull();
  });
});

describe("parseManifest: indexes", () => {
  it("parses an OCI index and marks the buildx attestation entry and what it attests", () => {
    const m = expectKind(parseManifest(json(ociIndexWithAttestation), OCI_IMAGE_INDEX), "index");
    expect(m.mediaType).toBe(OCI_IMAGE_INDEX);
    expect(m.manifests.map((e) => [e.digest, e.attestation, e.attestationFor])).toEqual([
      [sha("a"), false, null],
      [sha("b"), false, null],
      [sha("e"), true, sha("a")],
    ]);
    expect(m.manifests[1]?.platform).toEqual({
      os: "linux",
      architecture: "arm64",
      variant: "v8",
      osVersion: null,
      features: [],
    });
  });

  it("does not call an unknown/unknown entry an attestation without the reference-type annotation", () => {
    const body = {
      schemaVersion: 2,
      manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: sha("a"), size: 1, platform: { os: "unknown", architecture: "unknown" } }],
    };
    const m = expectKind(parseManifest(json(body), OCI_IMAGE_INDEX), "index");
    expect(m.manifests[0]?.attestation).toBe(false);
    expect(m.manifests[0]?.attestationFor).toBeNull();
  });

  it("does not call an entry with a real platform an attestation even with the annotation", () => {
    const body = {
      schemaVersion: 2,
      manifests: [
        {
          mediaType: OCI_IMAGE_MANIFEST,
          digest: sha("a"),
          size: 1,
          platform: { os: "linux", architecture: "amd64" },
          annotations: { "vnd.docker.reference.type": "attestation-manifest" },
        },
      ],
    };
    expect(expectKind(parseManifest(json(body), null), "index").manifests[0]?.attestation).toBe(false);
  });

  it("parses a Docker manifest list with Windows os.version and merged os.features/features", () => {
    const m = expectKind(parseManifest(json(dockerManifestList), DOCKER_MANIFEST_LIST), "index");
    expect(m.mediaType).toBe(DOCKER_MANIFEST_LIST);
    expect(m.manifests[1]?.platform).toEqual({
      os: "windows",
      architecture: "amd64",
      variant: null,
      osVersion: "10.0.17763.5329",
      features: ["win32k", "sse4"],
    });
  });

  it("gives entries without a platform a null platform", () => {
    const body = { schemaVersion: 2, manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: sha("a"), size: 5 }] };
    expect(expectKind(parseManifest(json(body), null), "index").manifests[0]?.platform).toBeNull();
  });
});

describe("parseManifest: schema1", () => {
  it("parses a signed schema1 manifest into name, tag, architecture and blob sums", () => {
    const m = expectKind(parseManifest(json(schema1Signed), DOCKER_MANIFEST_V1_SIGNED), "legacy");
    expect(m).toEqual({
      kind: "legacy",
      mediaType: DOCKER_MANIFEST_V1_SIGNED,
      schemaVersion: 1,
      name: "library/hello-world",
      tag: "latest",
      architecture: "amd64",
      fsLayers: [sha("8"), sha("9")],
    });
  });

  it("infers schema1 from schemaVersion 1 when neither header nor body names a type", () => {
    expect(parseManifest(json(schema1Signed), "application/json").mediaType).toBe(DOCKER_MANIFEST_V1_SIGNED);
    const { signatures: _signatures, ...unsigned } = schema1Signed;
    expect(parseManifest(json(unsigned), null).mediaType).toBe(DOCKER_MANIFEST_V1);
  });
});

describe("parseManifest: artifacts", () => {
  it("classifies a Helm chart (Helm config, no artifactType) as an artifact typed by its config", () => {
    const m = expectKind(parseManifest(json(helmChartManifest), OCI_IMAGE_MANIFEST), "artifact");
    expect(m.config.mediaType).toBe(HELM_CHART_CONFIG);
    expect(m.artifactType).toBe(HELM_CHART_CONFIG);
  });

  it("classifies a manifest with artifactType as an artifact and exposes its subject", () => {
    const m = expectKind(parseManifest(json(sbomReferrer), OCI_IMAGE_MANIFEST), "artifact");
    expect(m.artifactType).toBe("application/spdx+json");
    expect(m.subject).toEqual({
      mediaType: OCI_IMAGE_MANIFEST,
      digest: sha("a"),
      size: 1000,
      annotations: {},
      artifactType: null,
      urls: [],
    });
  });

  it("classifies a manifest with the OCI empty config as an artifact", () => {
    const m = expectKind(parseManifest(json(emptyConfigArtifact), null), "artifact");
    expect(m.config.mediaType).toBe(OCI_EMPTY);
  });

  it("classifies an image config manifest with an explicit artifactType as an artifact", () => {
    const body = { ...ociImageManifest, artifactType: "application/vnd.example+type" };
    expect(parseManifest(json(body), null).kind).toBe("artifact");
  });

  it("reports an index's artifactType and subject", () => {
    const body = { ...ociIndexWithAttestation, artifactType: "application/vnd.example", subject: sbomReferrer.subject };
    const m = expectKind(parseManifest(json(body), null), "index");
    expect(m.artifactType).toBe("application/vnd.example");
    expect(m.subject?.digest).toBe(sha("a"));
  });
});

describe("parseManifest: media type resolution", () => {
  it("prefers the body's known media type over a disagreeing Content-Type", () => {
    expect(parseManifest(json(dockerV2Manifest), OCI_IMAGE_MANIFEST).mediaType).toBe(DOCKER_MANIFEST_V2);
  });

  it("uses the Content-Type when the body has no mediaType, ignoring header parameters", () => {
    const { mediaType: _mt, ...body } = dockerV2Manifest;
    expect(parseManifest(json(body), `${DOCKER_MANIFEST_V2}; charset=utf-8`).mediaType).toBe(DOCKER_MANIFEST_V2);
  });

  it("infers an OCI index from a manifests array and an OCI manifest from a config", () => {
    const { mediaType: _a, ...index } = ociIndexWithAttestation;
    const { mediaType: _b, ...image } = ociImageManifest;
    expect(parseManifest(json(index), null).mediaType).toBe(OCI_IMAGE_INDEX);
    expect(parseManifest(json(image), "application/octet-stream").mediaType).toBe(OCI_IMAGE_MANIFEST);
  });

  it("keeps an unknown body mediaType and parses by shape", () => {
    const m = parseManifest(json({ ...ociImageManifest, mediaType: "application/vnd.example.manifest+json" }), null);
    expect(m.mediaType).toBe("application/vnd.example.manifest+json");
    expect(m.kind).toBe("image");
  });

  it("parses by the resolved type, so a manifest served as an index must have manifests", () => {
    const { mediaType: _mt, ...body } = ociImageManifest;
    expect(parseError(json(body), OCI_IMAGE_INDEX).message).toBe("manifests is required");
  });
});

describe("parseManifest: malformed manifests", () => {
  it("rejects a body that is not JSON", () => {
    expect(parseError("{not json").message).toBe("manifest is not valid JSON");
    expect(parseError("").message).toBe("manifest is not valid JSON");
  });

  it("rejects JSON that is not an object", () => {
    expect(parseError("[]").message).toBe("manifest must be a JSON object, not an array");
    expect(parseError("null").message).toBe("manifest must be a JSON object, not null");
    expect(parseError('"manifest"').message).toBe("manifest must be a JSON object, not a string");
  });

  it("names a missing layers field", () => {
    const { layers: _layers, ...body } = ociImageManifest;
    const e = parseError(json(body), OCI_IMAGE_MANIFEST);
    expect(e.message).toBe("layers is required");
    expect(e.field).toBe("layers");
  });

  it("names a missing config field", () => {
    const { config: _config, ...body } = dockerV2Manifest;
    expect(parseError(json(body)).message).toBe("config is required");
  });

  it("names the layer whose digest is invalid", () => {
    const body = { ...ociImageManifest, layers: [...ociImageManifest.layers, { mediaType: "x", digest: "sha256:abc", size: 1 }] };
    const e = parseError(json(body));
    expect(e.message).toBe("layers[2].digest is not a valid digest");
    expect(e.field).toBe("layers[2].digest");
  });

  it("rejects a negative size", () => {
    const body = { ...ociImageManifest, config: { ...ociImageManifest.config, size: -1 } };
    expect(parseError(json(body)).message).toBe("config.size must be a non-negative safe integer");
  });

  it("rejects a fractional or unsafe size and a size given as a string", () => {
    const withSize = (size: unknown) => json({ ...ociImageManifest, config: { ...ociImageManifest.config, size } });
    expect(parseError(withSize(1.5)).message).toBe("config.size must be a non-negative safe integer");
    expect(parseError(withSize(2 ** 53)).message).toBe("config.size must be a non-negative safe integer");
    expect(parseError(withSize("12")).message).toBe("config.size must be a number, not a string");
  });

  it("rejects a wrong schemaVersion for the media type", () => {
    expect(parseError(json({ ...ociImageManifest, schemaVersion: 1 })).message).toBe("schemaVersion must be 2");
    expect(parseError(json({ ...schema1Signed, schemaVersion: 2 }), DOCKER_MANIFEST_V1_SIGNED).message).toBe("schemaVersion must be 1");
    const { schemaVersion: _sv, ...noVersion } = ociImageManifest;
    expect(parseError(json(noVersion)).message).toBe("schemaVersion is required");
  });

  it("names an invalid digest inside an index entry, a subject and a schema1 layer", () => {
    const index = { ...ociIndexWithAttestation, manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: "latest", size: 1 }] };
    expect(parseError(json(index)).message).toBe("manifests[0].digest is not a valid digest");
    const referrer = { ...sbomReferrer, subject: { ...sbomReferrer.subject, digest: `sha256:${"A".repeat(64)}` } };
    expect(parseError(json(referrer)).message).toBe("subject.digest is not a valid digest");
    const legacy = { ...schema1Signed, fsLayers: [{ blobSum: "sha256:" }] };
    expect(parseError(json(legacy)).message).toBe("fsLayers[0].blobSum is not a valid digest");
  });

  it("names an index entry's platform that lacks an architecture", () => {
    const index = {
      schemaVersion: 2,
      manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: sha("a"), size: 1, platform: { os: "linux" } }],
    };
    expect(parseError(json(index)).message).toBe("manifests[0].platform.architecture is required");
  });

  it("names a non-string annotation value by its key", () => {
    const body = { ...ociImageManifest, annotations: { "org.example.count": 3 } };
    expect(parseError(json(body)).message).toBe('annotations["org.example.count"] must be a string, not a number');
  });

  it("rejects a layers field that is not an array", () => {
    expect(parseError(json({ ...ociImageManifest, layers: {} })).message).toBe("layers must be an array, not an object");
  });

  it("rejects an object with neither a known media type nor a recognisable shape", () => {
    expect(parseError(json({ schemaVersion: 2 })).message).toMatch(/manifest format is unknown/);
  });
});
