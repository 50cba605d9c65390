// Parses manifest bodies as served by a registry (OCI image manifest and index, Docker v2 manifest and
// manifest list, Docker schema1) into one normalized shape. Lenient where the specs allow extra fields,
// strict where the rest of the app relies on a value: digests, sizes, schemaVersion.
import { z } from "zod";
import {
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  isImageConfigMediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  normalizeMediaType,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
} from "./media-types";
import { isValidDigest } from "./reference";

export type Descriptor = {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
  artifactType: string | null;
  urls: string[];
};
export type PlatformSpec = {
  os: string;
  architecture: string;
  variant: string | null;
  osVersion: string | null;
  features: string[];
};
export type IndexEntry = Descriptor & { platform: PlatformSpec | null; attestation: boolean; attestationFor: string | null };
export type ParsedManifest =
  | {
      kind: "image" | "artifact";
      mediaType: string;
      schemaVersion: 2;
      config: Descriptor;
      layers: Descriptor[];
      subject: Descriptor | null;
      artifactType: string | null;
      annotations: Record<string, string>;
    }
  | {
      kind: "index";
      mediaType: string;
      schemaVersion: 2;
      manifests: IndexEntry[];
      subject: Descriptor | null;
      artifactType: string | null;
      annotations: Record<string, string>;
    }
  | {
      kind: "legacy";
      mediaType: string;
      schemaVersion: 1;
      name: string;
      tag: string;
      architecture: string | null;
      fsLayers: string[];
    };
export type ImageManifest = Extract<ParsedManifest, { kind: "image" | "artifact" }>;
export type ImageIndex = Extract<ParsedManifest, { kind: "index" }>;
export type LegacyManifest = Extract<ParsedManifest, { kind: "legacy" }>;

export class ManifestParseError extends Error {
  override name = "ManifestParseError";
  constructor(
    message: string,
    /** Path of the offending field ("layers[2].digest"), null when the body as a whole is wrong. */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

// Docker buildx stores provenance/SBOM attestations in the index as entries with an unknown platform.
export const ATTESTATION_REFERENCE_TYPE = "attestation-manifest";
export const ANNOTATION_REFERENCE_TYPE = "vnd.docker.reference.type";
export const ANNOTATION_REFERENCE_DIGEST = "vnd.docker.reference.digest";

const digestSchema = z.string().refine(isValidDigest, "is not a valid digest");
const sizeSchema = z.number().refine((n) => Number.isSafeInteger(n) && n >= 0, "must be a non-negative safe integer");
const annotationsSchema = z.record(z.string(), z.string());

export const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: digestSchema,
  size: sizeSchema,
  annotations: annotationsSchema.nullish(),
  artifactType: z.string().nullish(),
  urls: z.array(z.string()).nullish(),
});

export const platformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  "os.version": z.string().nullish(),
  "os.features": z.array(z.string()).nullish(),
  variant: z.string().nullish(),
  // Docker manifest lists only; deprecated
  features: z.array(z.string()).nullish(),
});

export const indexEntrySchema = descriptorSchema.extend({ platform: platformSchema.nullish() });

export const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().nullish(),
  artifactType: z.string().nullish(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.nullish(),
  annotations: annotationsSchema.nullish(),
});

export const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().nullish(),
  artifactType: z.string().nullish(),
  manifests: z.array(indexEntrySchema),
  subject: descriptorSchema.nullish(),
  annotations: annotationsSchema.nullish(),
});

export const schema1ManifestSchema = z.looseObject({
  schemaVersion: z.literal(1),
  name: z.string(),
  tag: z.string(),
  architecture: z.string().nullish(),
  fsLayers: z.array(z.looseObject({ blobSum: digestSchema })),
});

export type RawDescriptor = z.infer<typeof descriptorSchema>;
export type RawPlatform = z.infer<typeof platformSchema>;
export type RawImageManifest = z.infer<typeof imageManifestSchema>;
export type RawImageIndex = z.infer<typeof imageIndexSchema>;
export type RawSchema1Manifest = z.infer<typeof schema1ManifestSchema>;

/**
 * @param body the manifest bytes as text, exactly as served (its digest is computed elsewhere)
 * @param contentType the response's Content-Type header, if any
 */
export function parseManifest(body: string, contentType: string | null): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new ManifestParseError("manifest is not valid JSON");
  }
  if (!isPlainObject(doc)) {
    throw new ManifestParseError(`manifest must be a JSON object, not ${describeJsonValue(doc)}`);
  }

  const bodyType = typeof doc.mediaType === "string" ? doc.mediaType : null;
  const headerType = contentType === null ? null : normalizeMediaType(contentType);
  // The body is what the digest covers, so it wins over a header that disagrees.
  let mediaType: string | null = null;
  if (bodyType !== null && isManifestMediaType(bodyType)) mediaType = normalizeMediaType(bodyType);
  else if (headerType !== null && isManifestMediaType(headerType)) mediaType = headerType;
  else mediaType = bodyType;

  if (mediaType !== null && isIndexMediaType(mediaType)) return toIndex(mediaType, validate(imageIndexSchema, doc));
  if (mediaType !== null && isImageManifestMediaType(mediaType)) {
    return toImageManifest(mediaType, validate(imageManifestSchema, doc));
  }
  if (mediaType !== null && isSchema1MediaType(mediaType)) {
    return toLegacy(mediaType, validate(schema1ManifestSchema, doc));
  }

  // No known media type: infer the format from the document's shape.
  if (doc.schemaVersion === 1) {
    const inferred = mediaType ?? (Array.isArray(doc.signatures) ? DOCKER_MANIFEST_V1_SIGNED : DOCKER_MANIFEST_V1);
    return toLegacy(inferred, validate(schema1ManifestSchema, doc));
  }
  if (Array.isArray(doc.manifests)) return toIndex(mediaType ?? OCI_IMAGE_INDEX, validate(imageIndexSchema, doc));
  if ("config" in doc) return toImageManifest(mediaType ?? OCI_IMAGE_MANIFEST, validate(imageManifestSchema, doc));
  throw new ManifestParseError(
    mediaType === null
      ? "manifest format is unknown: it has no mediaType and neither a config nor a manifests field"
      : `manifest format is unknown: mediaType ${JSON.stringify(mediaType)} is not a manifest type and the document has neither a config nor a manifests field`,
    "mediaType",
  );
}

function toDescriptor(d: RawDescriptor): Descriptor {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    annotations: { ...(d.annotations ?? {}) },
    artifactType: d.artifactType ?? null,
    urls: [...(d.urls ?? [])],
  };
}

function toPlatform(p: RawPlatform): PlatformSpec {
  const features = [...(p["os.features"] ?? []), ...(p.features ?? [])];
  return {
    os: p.os,
    architecture: p.architecture,
    variant: p.variant || null,
    osVersion: p["os.version"] || null,
    features: [...new Set(features)],
  };
}

function toImageManifest(mediaType: string, m: RawImageManifest): ImageManifest {
  const config = toDescriptor(m.config);
  const declared = m.artifactType || null;
  const isArtifact = declared !== null || !isImageConfigMediaType(config.mediaType);
  return {
    kind: isArtifact ? "artifact" : "image",
    mediaType,
    schemaVersion: 2,
    config,
    layers: m.layers.map(toDescriptor),
    subject: m.subject ? toDescriptor(m.subject) : null,
    // As the referrers API reports it: without an explicit artifactType, an artifact's type is its config's.
    artifactType: declared ?? (isArtifact ? config.mediaType : null),
    annotations: { ...(m.annotations ?? {}) },
  };
}

function toIndex(mediaType: string, m: RawImageIndex): ImageIndex {
  return {
    kind: "index",
    mediaType,
    schemaVersion: 2,
    manifests: m.manifests.map((entry): IndexEntry => {
      const descriptor = toDescriptor(entry);
      const platform = entry.platform ? toPlatform(entry.platform) : null;
      const attestation =
        platform !== null &&
        platform.os === "unknown" &&
        platform.architecture === "unknown" &&
        descriptor.annotations[ANNOTATION_REFERENCE_TYPE] === ATTESTATION_REFERENCE_TYPE;
      return {
        ...descriptor,
        platform,
        attestation,
        attestationFor: attestation ? (descriptor.annotations[ANNOTATION_REFERENCE_DIGEST] ?? null) : null,
      };
    }),
    subject: m.subject ? toDescriptor(m.subject) : null,
    artifactType: m.artifactType || null,
    annotations: { ...(m.annotations ?? {}) },
  };
}

function toLegacy(mediaType: string, m: RawSchema1Manifest): LegacyManifest {
  return {
    kind: "legacy",
    mediaType,
    schemaVersion: 1,
    name: m.name,
    tag: m.tag,
    architecture: m.architecture || null,
    // newest layer first, as schema1 lists them
    fsLayers: m.fsLayers.map((l) => l.blobSum),
  };
}

function validate<T extends z.ZodType>(schema: T, doc: unknown): z.output<T> {
  const result = schema.safeParse(doc, { error: issueMessage });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ManifestParseError("manifest is invalid");
  const field = formatPath(issue.path);
  throw new ManifestParseError(field === "" ? `manifest ${issue.message}` : `${field} ${issue.message}`, field || null);
}

// Messages read after the field path: "layers[2].size must be a number".
const issueMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined) return "is required";
  if (issue.code === "invalid_type") return `must be ${withArticle(issue.expected)}, not ${describeJsonValue(issue.input)}`;
  if (issue.code === "invalid_value") return `must be ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
  return undefined;
};

function withArticle(expected: string): string {
  if (expected === "record") return "an object";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeJsonValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return withArticle(typeof v);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
