// The parser against output captured from Debian docker-registry 2.8.2 (`garbage-collect` with and without
// --dry-run / --delete-untagged), plus the v3 and pre-2.7 variants of the lines that changed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyGcLine, emptyGcProgress, GcOutputParser, type GcStream, LineSplitter, parseGcLine } from "../../../lib/gc/output";

const D = {
  keepManifest: "sha256:4b40af4a73ef105703bc8d7c346704e6da15c0051fc0468a0bb4c904571ccaee",
  goneManifest: "sha256:2e63022e64e2ed5ca5a4b599b621e24e441e100439c2627d38b54af7da017dec",
  goneConfig: "sha256:12a8e6a82e5c6152e377f1711f1d3dc3c72e2e828ca61420e4de79cd73271105",
  goneLayer: "sha256:c3709578f4a53577a72497ea284e3bef45dbac05bba6c974b4c639e5982aa953",
  untagged: "sha256:de57731b4974b1546d229831508d04f320e0174047206c23ba0ada433b13361c",
  untaggedLayer: "sha256:49b515502c7cb6884b6507a0f8bbdb7bc24e8986c2006ae529fc45611272d9ab",
  untaggedConfig: "sha256:5ad41d75a6bb70ca6e04afdca23ed1ce2e97b2cb69c0327b2821bdf1d91accfe",
};

// `marking manifest` lines end with a space: that is what the registry prints.
const MARKING = `other
other: marking manifest sha256:28627a9d74c141a364275a5ba3e9941351874256ad06189b5a0ad057705a5e80 
other: marking blob sha256:6980bddb00cbe641c63ae10358f98017c3527f417c9b043360fb6deb0b2af238
other: marking blob sha256:6e7c3be241521ed3d65970a23e64f0678320bf59fcd28382acef1a57ed8f581e
other: marking manifest sha256:de57731b4974b1546d229831508d04f320e0174047206c23ba0ada433b13361c 
other: marking blob sha256:5ad41d75a6bb70ca6e04afdca23ed1ce2e97b2cb69c0327b2821bdf1d91accfe
other: marking blob sha256:49b515502c7cb6884b6507a0f8bbdb7bc24e8986c2006ae529fc45611272d9ab
team/app
team/app: marking manifest sha256:4b40af4a73ef105703bc8d7c346704e6da15c0051fc0468a0bb4c904571ccaee 
team/app: marking blob sha256:32cf987c6e8da241b63243608916920984b1f18a8deaca80cd571ca3fb62b317
team/app: marking blob sha256:6e7c3be241521ed3d65970a23e64f0678320bf59fcd28382acef1a57ed8f581e
`;

const DRY_RUN_STDOUT = `${MARKING}
8 blobs marked, 3 blobs and 0 manifests eligible for deletion
blob eligible for deletion: ${D.goneConfig}
blob eligible for deletion: ${D.goneManifest}
blob eligible for deletion: ${D.goneLayer}
`;

const REAL_RUN_STDERR = [D.goneConfig, D.goneManifest, D.goneLayer]
  .map((d) => {
    const hex = d.slice(7);
    return `time="2026-11-29T04:47:08.699166773Z" level=info msg="Deleting blob: /docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}" go.version=go1.19.8 instance.id=c4f5038e-fb09-4add-94d5-6485bcee0100`;
  })
  .join("\n")
  .concat("\n");

const UNTAGGED_STDOUT = `other
other: marking manifest sha256:28627a9d74c141a364275a5ba3e9941351874256ad06189b5a0ad057705a5e80 
other: marking blob sha256:6980bddb00cbe641c63ae10358f98017c3527f417c9b043360fb6deb0b2af238
other: marking blob sha256:6e7c3be241521ed3d65970a23e64f0678320bf59fcd28382acef1a57ed8f581e
manifest eligible for deletion: ${D.untagged}
team/app
team/app: marking manifest sha256:4b40af4a73ef105703bc8d7c346704e6da15c0051fc0468a0bb4c904571ccaee 
team/app: marking blob sha256:32cf987c6e8da241b63243608916920984b1f18a8deaca80cd571ca3fb62b317
team/app: marking blob sha256:6e7c3be241521ed3d65970a23e64f0678320bf59fcd28382acef1a57ed8f581e

5 blobs marked, 3 blobs and 1 manifests eligible for deletion
blob eligible for deletion: ${D.untaggedLayer}
blob eligible for deletion: ${D.untaggedConfig}
blob eligible for deletion: ${D.untagged}
`;

const UNTAGGED_STDERR = `time="2026-11-29T04:47:08.779616985Z" level=info msg="deleting manifest tag reference: /docker/registry/v2/repositories/other/_manifests/tags/x/index/sha256/de57731b4974b1546d229831508d04f320e0174047206c23ba0ada433b13361c" go.version=go1.19.8 instance.id=be30bce0-7de4-45e4-8900-e0e58ca2495b
time="2026-11-29T04:47:08.781447469Z" level=info msg="deleting manifest: /docker/registry/v2/repositories/other/_manifests/revisions/sha256/de57731b4974b1546d229831508d04f320e0174047206c23ba0ada433b13361c" go.version=go1.19.8 instance.id=be30bce0-7de4-45e4-8900-e0e58ca2495b
time="2026-11-29T04:47:08.782982374Z" level=info msg="Deleting blob: /docker/registry/v2/blobs/sha256/49/49b515502c7cb6884b6507a0f8bbdb7bc24e8986c2006ae529fc45611272d9ab" go.version=go1.19.8 instance.id=be30bce0-7de4-45e4-8900-e0e58ca2495b
time="2026-11-29T04:47:08.783820279Z" level=info msg="Deleting blob: /docker/registry/v2/blobs/sha256/5a/5ad41d75a6bb70ca6e04afdca23ed1ce2e97b2cb69c0327b2821bdf1d91accfe" go.version=go1.19.8 instance.id=be30bce0-7de4-45e4-8900-e0e58ca2495b
time="2026-11-29T04:47:08.78471908Z" level=info msg="Deleting blob: /docker/registry/v2/blobs/sha256/de/de57731b4974b1546d229831508d04f320e0174047206c23ba0ada433b13361c" go.version=go1.19.8 instance.id=be30bce0-7de4-45e4-8900-e0e58ca2495b
`;

function parse(...parts: [string, GcStream][]) {
  const parser = new GcOutputParser();
  for (const [text, stream] of parts) parser.pushChunk(text, stream);
  parser.end();
  return parser.snapshot();
}

describe("GC output parser", () => {
  it("counts a 2.8 dry run: repositories, marks, the summary and the eligible blobs", () => {
    const p = parse([DRY_RUN_STDOUT, "stdout"]);
    expect(p).toEqual({
      repositoriesMarked: 2,
      manifestsMarked: 3,
      blobsMarked: 8,
      blobsEligible: 3,
      manifestsEligible: 0,
      blobsDeleted: 0,
      manifestsDeleted: 0,
      eligibleBlobs: [D.goneConfig, D.goneManifest, D.goneLayer],
      eligibleManifests: [],
      deletedBlobs: [],
      summarySeen: true,
      failure: null,
    });
  });

  it("reports marking progress before the summary arrives", () => {
    const p = parse([MARKING, "stdout"]);
    expect(p.summarySeen).toBe(false);
    expect(p.repositoriesMarked).toBe(2);
    expect(p.manifestsMarked).toBe(3);
    // `marking blob` lines so far; the summary later replaces this with the mark set's size
    expect(p.blobsMarked).toBe(6);
  });

  it("counts the logrus `Deleting blob` lines of a real run and rebuilds their digests", () => {
    const p = parse([DRY_RUN_STDOUT, "stdout"], [REAL_RUN_STDERR, "stderr"]);
    expect(p.blobsDeleted).toBe(3);
    expect(p.deletedBlobs).toEqual([D.goneConfig, D.goneManifest, D.goneLayer]);
    expect(p.manifestsDeleted).toBe(0);
  });

  it("reads --delete-untagged output: inline manifest eligibility, manifest deletions, tag references ignored", () => {
    const p = parse([UNTAGGED_STDOUT, "stdout"], [UNTAGGED_STDERR, "stderr"]);
    expect(p.eligibleManifests).toEqual([D.untagged]);
    expect(p.manifestsEligible).toBe(1);
    expect(p.manifestsMarked).toBe(2);
    expect(p.blobsEligible).toBe(3);
    expect(p.manifestsDeleted).toBe(1);
    expect(p.blobsDeleted).toBe(3);
    expect(p.deletedBlobs).toEqual([D.untaggedLayer, D.untaggedConfig, D.untagged]);
  });

  it("keeps the registry's final error, which has no trailing newline", () => {
    const p = parse(["failed to garbage collect: failed to mark: filesystem: Path not found: /docker/registry/v2/repositories", "stderr"]);
    expect(p.failure).toBe("failed to garbage collect: failed to mark: filesystem: Path not found: /docker/registry/v2/repositories");
    expect(p.summarySeen).toBe(false);
  });

  it("keeps a configuration error and does not count the usage text as repositories", () => {
    const stderr = `configuration error: open /nonexistent.yml: no such file or directory
Usage:
  registry garbage-collect <config> [flags]

Flags:
  -m, --delete-untagged   delete manifests that are not currently referenced via tag
  -d, --dry-run           do everything except remove the blobs
  -h, --help              help for garbage-collect
`;
    const p = parse([stderr, "stderr"]);
    expect(p.failure).toBe("configuration error: open /nonexistent.yml: no such file or directory");
    expect(p.repositoriesMarked).toBe(0);
  });

  it("parses the JSON logrus formatter too", () => {
    const hex = D.goneLayer.slice(7);
    const line = `{"go.version":"go1.19.8","instance.id":"x","level":"info","msg":"Deleting blob: /docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}","time":"2026-11-29T04:47:08Z"}`;
    expect(parse([`${line}\n`, "stderr"]).deletedBlobs).toEqual([D.goneLayer]);
  });

  it("accepts the pre-2.7 summary without manifests and v3's struct-shaped manifest line", () => {
    let p = parseGcLine(emptyGcProgress(), "12 blobs marked, 4 blobs eligible for deletion", "stdout");
    expect(p).toMatchObject({ summarySeen: true, blobsMarked: 12, blobsEligible: 4, manifestsEligible: 0 });
    p = parseGcLine(emptyGcProgress(), `manifest eligible for deletion: {team/app ${D.untagged} [v1 v2]}`, "stdout");
    expect(p.eligibleManifests).toEqual([D.untagged]);
  });

  it("does not take v3's layer link lines for eligible blobs", () => {
    const p = parseGcLine(emptyGcProgress(), `team/app: layer link eligible for deletion: ${D.goneLayer}`, "stdout");
    expect(p.eligibleBlobs).toEqual([]);
    expect(p.repositoriesMarked).toBe(0);
  });

  it("parseGcLine leaves its input untouched", () => {
    const before = emptyGcProgress();
    const after = parseGcLine(before, `blob eligible for deletion: ${D.goneLayer}`, "stdout");
    expect(before.eligibleBlobs).toEqual([]);
    expect(after.eligibleBlobs).toEqual([D.goneLayer]);
  });

  it("gives the same result however the output is chunked", () => {
    const all = `${UNTAGGED_STDOUT}${UNTAGGED_STDERR}`;
    const expected = parse([all, "stdout"]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: all.length }), { maxLength: 20 }), (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), all.length];
        const parser = new GcOutputParser();
        for (let i = 0; i + 1 < bounds.length; i++) parser.pushChunk(all.slice(bounds[i], bounds[i + 1]), "stdout");
        parser.end();
        expect(parser.snapshot()).toEqual(expected);
      }),
    );
  });

  it("applyGcLine ignores blank lines and CRLF endings", () => {
    const p = emptyGcProgress();
    applyGcLine(p, "\r", "stdout");
    applyGcLine(p, `blob eligible for deletion: ${D.goneLayer}\r`, "stdout");
    expect(p.eligibleBlobs).toEqual([D.goneLayer]);
  });
});

describe("LineSplitter", () => {
  it("joins a UTF-8 character split across chunks and flushes the last line on end()", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from("héllo\nwörld", "utf8");
    for (const byte of bytes) splitter.push(Uint8Array.of(byte));
    expect(lines).toEqual(["héllo"]);
    splitter.end();
    expect(lines).toEqual(["héllo", "wörld"]);
  });
});
