import { describe, expect, it } from "vitest";
import { cosignTagsFor, parseCosignTag, relationOf } from "@/lib/oci/related";

const hex = "a".repeat(64);

describe("cosign-style tags", () => {
  it("maps each suffix to the subject digest and what the tag holds", () => {
    expect(parseCosignTag(`sha256-${hex}.sig`)).toEqual({ subject: `sha256:${hex}`, relation: "signature" });
    expect(parseCosignTag(`sha256-${hex}.att`)).toEqual({ subject: `sha256:${hex}`, relation: "attestation" });
    expect(parseCosignTag(`sha256-${hex}.sbom`)).toEqual({ subject: `sha256:${hex}`, relation: "sbom" });
    // the referrers tag schema: an index of referrers under the bare digest tag
    expect(parseCosignTag(`sha256-${hex}`)).toEqual({ subject: `sha256:${hex}`, relation: null });
  });

  it("ignores ordinary tags and near misses", () => {
    for (const tag of ["latest", `sha256-${hex.slice(1)}.sig`, `sha256-${hex}.sigx`, `SHA256-${hex}.sig`, `sha512-${hex}.sig`]) {
      expect(parseCosignTag(tag)).toBeNull();
    }
  });

  it("lists the tags to look for, round-tripping through the parser", () => {
    const tags = cosignTagsFor(`sha256:${hex}`);
    expect(tags).toEqual([`sha256-${hex}`, `sha256-${hex}.sig`, `sha256-${hex}.att`, `sha256-${hex}.sbom`]);
    for (const t of tags) expect(parseCosignTag(t)?.subject).toBe(`sha256:${hex}`);
    expect(cosignTagsFor("sha512:abc")).toEqual([]);
  });
});

describe("relationOf", () => {
  it.each([
    [["application/spdx+json"], "sbom"],
    [["application/vnd.cyclonedx+json"], "sbom"],
    [["application/vnd.example.sbom+json"], "sbom"],
    [["application/vnd.dev.cosign.simplesigning.v1+json"], "signature"],
    [["application/vnd.cncf.notary.signature"], "signature"],
    [["application/vnd.in-toto+json"], "attestation"],
    [[null, "application/vnd.dsse.envelope.v1+json; predicateType=https://slsa.dev/provenance/v1"], "attestation"],
    [["application/vnd.cncf.helm.config.v1+json"], "artifact"],
    [[], "artifact"],
  ] as const)("%j → %s", (types, relation) => {
    expect(relationOf(types)).toBe(relation);
  });
});
