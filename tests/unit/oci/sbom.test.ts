import { describe, expect, it } from "vitest";
import { summarizeSbom } from "../../../lib/oci/sbom";

describe("summarizeSbom", () => {
  it("reads SPDX and CycloneDX documents", () => {
    expect(summarizeSbom(JSON.stringify({ spdxVersion: "SPDX-2.3", name: "app", packages: [{}, {}] }))).toEqual({
      format: "SPDX",
      version: "2.3",
      name: "app",
      packageCount: 2,
    });
    const cdx = { bomFormat: "CycloneDX", specVersion: "1.5", metadata: { component: { name: "web" } }, components: [{}, {}, {}] };
    expect(summarizeSbom(JSON.stringify(cdx))).toEqual({ format: "CycloneDX", version: "1.5", name: "web", packageCount: 3 });
  });

  it("unwraps an in-toto statement and a DSSE envelope around the document", () => {
    const statement = { _type: "https://in-toto.io/Statement/v0.1", predicate: { spdxVersion: "SPDX-2.2", name: "x", packages: [{}] } };
    const envelope = { payloadType: "application/vnd.in-toto+json", payload: Buffer.from(JSON.stringify(statement)).toString("base64") };
    expect(summarizeSbom(JSON.stringify(envelope))).toEqual({ format: "SPDX", version: "2.2", name: "x", packageCount: 1 });
  });

  it("returns null for anything else", () => {
    expect(summarizeSbom('{"critical":{}}')).toBeNull();
    expect(summarizeSbom("[1,2]")).toBeNull();
    expect(summarizeSbom("nope")).toBeNull();
  });
});
