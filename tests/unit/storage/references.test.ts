import { describe, expect, it } from "vitest";
import { manifestReferences } from "@/lib/storage/references";

const d = (c: string) => `sha256:${c.repeat(64)}`;

describe("manifestReferences (what garbage-collect marks for a manifest revision)", () => {
  it("an OCI or Docker v2 image: config and layers, not its subject", () => {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: { digest: d("a"), size: 1 },
      layers: [{ digest: d("b") }, { digest: d("c") }],
      subject: { digest: d("f") },
    });
    expect(manifestReferences(body)).toEqual([d("a"), d("b"), d("c")]);
  });

  it("an OCI index or Docker manifest list: its children", () => {
    expect(manifestReferences(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: d("1") }, { digest: d("2") }] }))).toEqual([
      d("1"),
      d("2"),
    ]);
  });

  it("schema1: fsLayers; garbage and invalid digests reference nothing", () => {
    expect(manifestReferences(JSON.stringify({ schemaVersion: 1, fsLayers: [{ blobSum: d("9") }, { blobSum: d("9") }] }))).toEqual([
      d("9"),
    ]);
    expect(manifestReferences("not json")).toEqual([]);
    expect(manifestReferences(JSON.stringify({ layers: [{ digest: "../../etc" }], config: null }))).toEqual([]);
  });
});
