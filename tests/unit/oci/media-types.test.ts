import { describe, expect, it } from "vitest";
import {
  DOCKER_IMAGE_CONFIG,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
  DOCKER_MANIFEST_V2,
  describeMediaType,
  HELM_CHART_CONFIG,
  isImageConfigMediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  isSchema1MediaType,
  MANIFEST_ACCEPT,
  MANIFEST_ACCEPT_HEADER,
  OCI_EMPTY,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
} from "../../../lib/oci/media-types";

describe("MANIFEST_ACCEPT", () => {
  it("asks for OCI manifest, OCI index, Docker v2 and Docker list in that order, without schema1", () => {
    expect(MANIFEST_ACCEPT).toEqual([
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
    ]);
    expect(MANIFEST_ACCEPT).not.toContain(DOCKER_MANIFEST_V1);
    expect(MANIFEST_ACCEPT).not.toContain(DOCKER_MANIFEST_V1_SIGNED);
  });

  it("joins the accept list with a comma and a space for the Accept header", () => {
    expect(MANIFEST_ACCEPT_HEADER).toBe(
      "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, " +
        "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json",
    );
  });
});

describe("media type predicates", () => {
  it("recognises OCI index and Docker manifest list as indexes and nothing else", () => {
    expect(isIndexMediaType(OCI_IMAGE_INDEX)).toBe(true);
    expect(isIndexMediaType(DOCKER_MANIFEST_LIST)).toBe(true);
    expect(isIndexMediaType(OCI_IMAGE_MANIFEST)).toBe(false);
    expect(isIndexMediaType(DOCKER_MANIFEST_V2)).toBe(false);
  });

  it("recognises OCI and Docker v2 image manifests but not schema1 as image manifests", () => {
    expect(isImageManifestMediaType(OCI_IMAGE_MANIFEST)).toBe(true);
    expect(isImageManifestMediaType(DOCKER_MANIFEST_V2)).toBe(true);
    expect(isImageManifestMediaType(DOCKER_MANIFEST_V1)).toBe(false);
    expect(isImageManifestMediaType(OCI_IMAGE_INDEX)).toBe(false);
  });

  it("recognises both the plain and the signed schema1 types", () => {
    expect(isSchema1MediaType(DOCKER_MANIFEST_V1)).toBe(true);
    expect(isSchema1MediaType(DOCKER_MANIFEST_V1_SIGNED)).toBe(true);
    expect(isSchema1MediaType(DOCKER_MANIFEST_V2)).toBe(false);
  });

  it("treats only OCI and Docker image configs as image configs", () => {
    expect(isImageConfigMediaType(OCI_IMAGE_CONFIG)).toBe(true);
    expect(isImageConfigMediaType(DOCKER_IMAGE_CONFIG)).toBe(true);
    expect(isImageConfigMediaType(HELM_CHART_CONFIG)).toBe(false);
    expect(isImageConfigMediaType(OCI_EMPTY)).toBe(false);
  });

  it("ignores Content-Type parameters and letter case", () => {
    expect(isImageManifestMediaType("Application/VND.OCI.image.manifest.v1+json; charset=utf-8")).toBe(true);
    expect(isIndexMediaType(` ${OCI_IMAGE_INDEX} `)).toBe(true);
  });
});

describe("describeMediaType", () => {
  it("gives a short label for each known manifest type and Helm charts", () => {
    expect(describeMediaType(OCI_IMAGE_MANIFEST)).toBe("OCI image");
    expect(describeMediaType(DOCKER_MANIFEST_V2)).toBe("Docker image");
    expect(describeMediaType(OCI_IMAGE_INDEX)).toBe("OCI index");
    expect(describeMediaType(DOCKER_MANIFEST_LIST)).toBe("Docker manifest list");
    expect(describeMediaType(DOCKER_MANIFEST_V1)).toBe("Docker schema1 (legacy)");
    expect(describeMediaType(DOCKER_MANIFEST_V1_SIGNED)).toBe("Docker schema1 (legacy)");
    expect(describeMediaType(HELM_CHART_CONFIG)).toBe("Helm chart");
  });

  it("returns an unknown type unchanged, including names of Object.prototype members", () => {
    expect(describeMediaType("application/spdx+json")).toBe("application/spdx+json");
    expect(describeMediaType("constructor")).toBe("constructor");
  });
});
