// Artifacts that describe an image: OCI 1.1 referrers (a `subject` field), cosign's tag convention
// (`sha256-<hex>.sig|.att|.sbom`, and the referrers tag schema's bare `sha256-<hex>` index) and buildx
// attestation manifests inside an index. Pure: names and media types only.

export type Relation = "signature" | "attestation" | "sbom" | "artifact";

const COSIGN_TAG = /^(sha256)-([a-f0-9]{64})(?:\.(sig|att|sbom))?$/;

/** The digest a cosign-style tag describes, and what the suffix says it is; null for any other tag. */
export function parseCosignTag(tag: string): { subject: string; relation: Relation | null } | null {
  const m = COSIGN_TAG.exec(tag);
  if (!m) return null;
  const suffix = m[3];
  const relation: Relation | null = suffix === "sig" ? "signature" : suffix === "att" ? "attestation" : suffix === "sbom" ? "sbom" : null;
  return { subject: `${m[1]}:${m[2]}`, relation };
}

/** The tags cosign and the referrers tag schema would use for `digest` (sha256 only). */
export function cosignTagsFor(digest: string): string[] {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) return [];
  const base = `sha256-${m[1]}`;
  return [base, `${base}.sig`, `${base}.att`, `${base}.sbom`];
}

const RULES: [RegExp, Relation][] = [
  [/sbom|spdx|cyclonedx|syft/i, "sbom"],
  [/signature|cosign\.simplesigning|notary|sigstore\.bundle|\.sig\b/i, "signature"],
  [/in-toto|intoto|attestation|provenance|slsa|vex/i, "attestation"],
];

/** What an artifact is, from its artifactType (or config media type) and layer media types. */
export function relationOf(types: readonly (string | null | undefined)[]): Relation {
  for (const [re, relation] of RULES) if (types.some((t) => t && re.test(t))) return relation;
  return "artifact";
}
