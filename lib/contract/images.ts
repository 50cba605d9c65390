// Images: a manifest's detail, its platforms, related artifacts (signatures, attestations, SBOMs) and blob usage.
// Client-safe: zod and types only.
import { z } from "zod";

export const manifestKind = z.enum(["image", "index", "artifact", "legacy"]);
export type ManifestKind = z.infer<typeof manifestKind>;

// Something wrong with an image that its size and dates do not show: `blob_missing` is a layer or config the
// manifest needs that the registry no longer has (pulls fail). Checked in the background (blob-presence.ts).
export const problem = z.object({ code: z.enum(["blob_missing"]), digest: z.string() });
export type Problem = z.infer<typeof problem>;

export const platform = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().nullable(),
  digest: z.string(),
  sizeBytes: z.number(),
});
export type Platform = z.infer<typeof platform>;

// Signatures, attestations and SBOMs: what an artifact describes, and what describes an image.
export const relation = z.enum(["signature", "attestation", "sbom", "artifact"]);
export type Relation = z.infer<typeof relation>;
export const relatedTo = z.object({ digest: z.string(), relation });
export type RelatedTo = z.infer<typeof relatedTo>;
// cosign signatures checked against COSIGN_PUBLIC_KEYS: "unchecked" when no key is set or no signature is cosign's
export const signatureVerification = z.object({
  status: z.enum(["verified", "failed", "unchecked"]),
  // the keys (file basenames) that verified a signature
  keys: z.array(z.string()),
  reason: z.string().nullable(),
});
export type SignatureVerification = z.infer<typeof signatureVerification>;
export const relatedCounts = z.object({
  signatures: z.number().int(),
  attestations: z.number().int(),
  sboms: z.number().int(),
  verification: signatureVerification.nullable(),
});
export type RelatedCounts = z.infer<typeof relatedCounts>;

export const layer = z.object({
  digest: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number(),
  // `org.opencontainers.image.title`: the file name of an artifact's layer
  title: z.string().nullable(),
});

export const helmChart = z.object({
  name: z.string().nullable(),
  version: z.string().nullable(),
  appVersion: z.string().nullable(),
  description: z.string().nullable(),
  apiVersion: z.string().nullable(),
  type: z.string().nullable(),
  kubeVersion: z.string().nullable(),
  home: z.string().nullable(),
  icon: z.string().nullable(),
  keywords: z.array(z.string()),
  sources: z.array(z.string()),
  maintainers: z.array(z.object({ name: z.string(), email: z.string().nullable(), url: z.string().nullable() })),
  dependencies: z.array(z.object({ name: z.string(), version: z.string().nullable(), repository: z.string().nullable() })),
  deprecated: z.boolean(),
});
export type HelmChart = z.infer<typeof helmChart>;

export const configSummary = z.object({
  digest: z.string(),
  mediaType: z.string(),
  created: z.string().nullable(),
  os: z.string().nullable(),
  architecture: z.string().nullable(),
  variant: z.string().nullable(),
  author: z.string().nullable(),
  entrypoint: z.array(z.string()).nullable(),
  cmd: z.array(z.string()).nullable(),
  workingDir: z.string().nullable(),
  user: z.string().nullable(),
  env: z.array(z.string()),
  exposedPorts: z.array(z.string()),
  volumes: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  historyLength: z.number().int(),
});
export type ConfigSummary = z.infer<typeof configSummary>;

export const artifactContent = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("signature"),
    layer: z.string(),
    // the simple-signing payload, pretty-printed
    payload: z.string(),
    signedDigest: z.string().nullable(),
    dockerReference: z.string().nullable(),
    verification: signatureVerification,
  }),
  z.object({
    kind: z.literal("sbom"),
    layer: z.string(),
    format: z.enum(["SPDX", "CycloneDX"]),
    version: z.string().nullable(),
    name: z.string().nullable(),
    packageCount: z.number().int(),
  }),
  z.object({ kind: z.literal("unreadable"), layer: z.string(), reason: z.string() }),
]);
export type ArtifactContent = z.infer<typeof artifactContent>;

export const manifestDetail = z.object({
  repository: z.string(),
  reference: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  kind: manifestKind,
  sizeBytes: z.number(),
  createdAt: z.string().nullable(),
  tags: z.array(z.string()),
  platforms: z.array(platform),
  attestations: z.array(z.object({ digest: z.string(), sizeBytes: z.number(), refersTo: z.string().nullable() })),
  config: configSummary.nullable(),
  helmChart: helmChart.nullable(),
  layers: z.array(layer),
  artifactType: z.string().nullable(),
  subject: z.string().nullable(),
  annotations: z.record(z.string(), z.string()),
  configMediaType: z.string().nullable(),
  relatedTo: relatedTo.nullable(),
  related: relatedCounts,
  // what a signature's or SBOM's layers say (read from the registry), in layer order
  artifactContents: z.array(artifactContent),
  problems: z.array(problem),
});
export type ManifestDetail = z.infer<typeof manifestDetail>;

export const manifestUsage = z.object({
  digest: z.string(),
  tags: z.array(z.string()),
  totalBytes: z.number(),
  uniqueBytes: z.number(),
  blobs: z.array(
    z.object({
      digest: z.string(),
      kind: z.enum(["layer", "config", "manifest"]),
      bytes: z.number(),
      otherTags: z.number().int(),
      otherRepositories: z.number().int(),
      unique: z.boolean(),
    }),
  ),
});
export type ManifestUsage = z.infer<typeof manifestUsage>;

export const relatedArtifacts = z.object({
  digest: z.string(),
  referrersApi: z.enum(["supported", "unsupported", "error"]),
  items: z.array(
    z.object({
      digest: z.string(),
      relation: z.enum(["signature", "attestation", "sbom", "artifact"]),
      sources: z.array(z.enum(["referrers-api", "subject", "cosign-tag", "index"])),
      mediaType: z.string(),
      artifactType: z.string().nullable(),
      sizeBytes: z.number(),
      tags: z.array(z.string()),
      describes: z.string(),
    }),
  ),
});
export type RelatedArtifacts = z.infer<typeof relatedArtifacts>;
