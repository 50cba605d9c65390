// Manifest bodies shaped like what registry:2, Docker Hub, buildx and Helm actually push.

/** A valid sha256 digest made of one repeated hex character. */
export const sha = (hexChar: string): string => `sha256:${hexChar.repeat(64)}`;

export const ociImageManifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha("c"), size: 1470 },
  layers: [
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha("1"), size: 3_623_807 },
    { mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", digest: sha("2"), size: 1024 },
  ],
  annotations: { "org.opencontainers.image.created": "2024-05-01T00:00:00Z" },
};

export const dockerV2Manifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.docker.distribution.manifest.v2+json",
  config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 7023, digest: sha("d") },
  layers: [
    { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 32_654, digest: sha("3") },
    { mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 16_724, digest: sha("4") },
    {
      mediaType: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
      size: 73_109,
      digest: sha("5"),
      urls: ["https://mcr.microsoft.com/v2/windows/servercore/blobs/sha256:5555"],
    },
  ],
};

export const ociIndexWithAttestation = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha("a"),
      size: 1000,
      platform: { architecture: "amd64", os: "linux" },
    },
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha("b"),
      size: 1001,
      platform: { architecture: "arm64", os: "linux", variant: "v8" },
    },
    {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha("e"),
      size: 839,
      annotations: {
        "vnd.docker.reference.digest": sha("a"),
        "vnd.docker.reference.type": "attestation-manifest",
      },
      platform: { architecture: "unknown", os: "unknown" },
    },
  ],
};

export const dockerManifestList = {
  schemaVersion: 2,
  mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
  manifests: [
    {
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      size: 7143,
      digest: sha("6"),
      platform: { architecture: "ppc64le", os: "linux" },
    },
    {
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      size: 7682,
      digest: sha("7"),
      platform: {
        architecture: "amd64",
        os: "windows",
        "os.version": "10.0.17763.5329",
        "os.features": ["win32k"],
        features: ["sse4"],
      },
    },
  ],
};

export const schema1Signed = {
  schemaVersion: 1,
  name: "library/hello-world",
  tag: "latest",
  architecture: "amd64",
  fsLayers: [{ blobSum: sha("8") }, { blobSum: sha("9") }],
  history: [{ v1Compatibility: '{"id":"e45a5af57b00862e5ef5782a9925979a02ba2b12dff832fd0991335f4a11e5c5"}' }],
  signatures: [
    {
      header: { jwk: { crv: "P-256", kid: "OD6I:6DRK", kty: "EC", x: "3gAw", y: "t72J" }, alg: "ES256" },
      signature: "XREm0L8WNn27Ga_iE_vRnTxVMhhYY0Zst_FfkKopg6gWSoTOZTuW4rK0fg_IqnKkEKlbD83tD46LKEGi5aIVFg",
      protected: "eyJmb3JtYXRMZW5ndGgiOjY2MjgsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAxNS0wNC0wOFQxODo1Mjo1OVoifQ",
    },
  ],
};

export const helmChartManifest = {
  schemaVersion: 2,
  config: { mediaType: "application/vnd.cncf.helm.config.v1+json", digest: sha("f"), size: 117 },
  layers: [{ mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", digest: sha("0"), size: 2487 }],
  annotations: { "org.opencontainers.image.title": "mychart", "org.opencontainers.image.version": "0.1.0" },
};

export const sbomReferrer = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  artifactType: "application/spdx+json",
  config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha("4"), size: 2, data: "e30=" },
  layers: [{ mediaType: "application/spdx+json", digest: sha("5"), size: 8042 }],
  subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha("a"), size: 1000 },
};

// An artifact that leaves artifactType out and uses the OCI empty descriptor as its config.
export const emptyConfigArtifact = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha("4"), size: 2 },
  layers: [{ mediaType: "text/plain", digest: sha("6"), size: 12 }],
};

export const json = (v: unknown): string => JSON.stringify(v);
