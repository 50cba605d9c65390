import { describe, expect, it } from "vitest";
import { HELM_CHART_CONFIG } from "../../../lib/oci/media-types";
import { pullByDigestCommand, pullByTagCommand, repositoryPullTag } from "../../../lib/oci/pull-command";

const D = `sha256:${"c".repeat(64)}`;
const image = { kind: "image", configMediaType: "application/vnd.oci.image.config.v1+json", relatedTo: null } as const;
const chart = { kind: "artifact", configMediaType: HELM_CHART_CONFIG, relatedTo: null } as const;
const artifact = { kind: "artifact", configMediaType: "application/vnd.oci.empty.v1+json", relatedTo: null } as const;
const signature = { ...image, relatedTo: { relation: "signature" } } as const;
const sbom = { ...artifact, relatedTo: { relation: "sbom" } } as const;

describe("pull commands", () => {
  it("gives each kind its own tool: docker, helm, oras, none for signatures", () => {
    expect(pullByTagCommand("reg:5000", "team/app", "1.0", image)).toBe("docker pull reg:5000/team/app:1.0");
    expect(pullByDigestCommand("reg:5000", "team/app", D, image)).toBe(`docker pull reg:5000/team/app@${D}`);
    expect(pullByTagCommand("reg:5000", "charts/web", "1.2.3", chart)).toBe("helm pull oci://reg:5000/charts/web --version 1.2.3");
    expect(pullByDigestCommand("reg:5000", "charts/web", D, chart)).toBeNull();
    expect(pullByTagCommand("reg:5000", "files/x", "v1", artifact)).toBe("oras pull reg:5000/files/x:v1");
    expect(pullByTagCommand("reg:5000", "team/app", "sha256-x.sbom", sbom)).toBe("oras pull reg:5000/team/app:sha256-x.sbom");
    expect(pullByTagCommand("reg:5000", "team/app", "sha256-x.sig", signature)).toBeNull();
    expect(pullByDigestCommand("reg:5000", "team/app", D, signature)).toBeNull();
  });

  it("picks latest, else the first listed tag that is not an artifact, else none", () => {
    const t = (name: string, relatedTo: unknown = null) => ({ name, relatedTo });
    expect(repositoryPullTag([t("2.0"), t("latest"), t("1.0")])?.name).toBe("latest");
    expect(repositoryPullTag([t("sha256-a.sig", { relation: "signature" }), t("2.0")])?.name).toBe("2.0");
    expect(repositoryPullTag([])).toBeNull();
  });
});
