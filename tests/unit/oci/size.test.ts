import { describe, expect, it } from "vitest";
import { parseManifest } from "../../../lib/oci/manifest";
import { formatBytes, imageSizeBytes, indexSizeBytes, platformEntries, platformLabel } from "../../../lib/oci/size";
import { json, ociImageManifest, ociIndexWithAttestation } from "./fixtures";

describe("imageSizeBytes", () => {
  it("sums the layer sizes and leaves the config out", () => {
    const m = parseManifest(json(ociImageManifest), null);
    if (m.kind !== "image") throw new Error("fixture should be an image");
    expect(imageSizeBytes(m.layers)).toBe(3_623_807 + 1024);
  });

  it("is zero for an image without layers", () => {
    expect(imageSizeBytes([])).toBe(0);
  });
});

describe("platformEntries and indexSizeBytes", () => {
  it("excludes attestation entries from an index's platforms", () => {
    const m = parseManifest(json(ociIndexWithAttestation), null);
    if (m.kind !== "index") throw new Error("fixture should be an index");
    const platforms = platformEntries(m.manifests);
    expect(platforms.map((e) => e.platform && platformLabel(e.platform))).toEqual(["linux/amd64", "linux/arm64/v8"]);
  });

  it("sums child image sizes", () => {
    expect(indexSizeBytes([100, 250, 0])).toBe(350);
    expect(indexSizeBytes([])).toBe(0);
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [1500, "1.5 kB"],
    [3_624_831, "3.6 MB"],
    [999_949, "999.9 kB"],
    [999_950, "1.0 MB"],
    [1_234_567_890, "1.2 GB"],
    [5e12, "5.0 TB"],
  ])("formats %d bytes as %j with SI units", (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe("platformLabel", () => {
  it("joins os, architecture and variant with slashes", () => {
    expect(platformLabel({ os: "linux", architecture: "arm64", variant: "v8" })).toBe("linux/arm64/v8");
  });

  it("leaves out a missing variant", () => {
    expect(platformLabel({ os: "linux", architecture: "amd64", variant: null })).toBe("linux/amd64");
    expect(platformLabel({ os: "windows", architecture: "amd64" })).toBe("windows/amd64");
  });
});
