// The command that fetches a manifest, by what it is: images with docker, Helm charts with helm, other
// OCI artifacts with oras; signatures have none (cosign verifies them, nobody pulls them). Pure, client-safe.
import { HELM_CHART_CONFIG } from "./media-types";

export type PullTool = "docker" | "helm" | "oras";

export type Pullable = {
  kind: "image" | "index" | "artifact" | "legacy";
  configMediaType: string | null;
  relatedTo: { relation: "signature" | "attestation" | "sbom" | "artifact" } | null;
};

export function pullTool(m: Pullable): PullTool | null {
  if (m.relatedTo?.relation === "signature") return null;
  if (m.configMediaType === HELM_CHART_CONFIG) return "helm";
  if (m.kind === "artifact" || m.relatedTo) return "oras";
  return "docker";
}

/** `docker pull host/repo:tag`, `helm pull oci://host/repo --version tag`, `oras pull host/repo:tag`, or null. */
export function pullByTagCommand(host: string, repository: string, tag: string, m: Pullable): string | null {
  const tool = pullTool(m);
  if (tool === "helm") return `helm pull oci://${host}/${repository} --version ${tag}`;
  return tool ? `${tool} pull ${host}/${repository}:${tag}` : null;
}

/** The same by digest; helm takes a chart by version only, so a chart has none. */
export function pullByDigestCommand(host: string, repository: string, digest: string, m: Pullable): string | null {
  const tool = pullTool(m);
  return tool === "docker" || tool === "oras" ? `${tool} pull ${host}/${repository}@${digest}` : null;
}

/**
 * The tag the repository's "copy pull command" uses: `latest` if it exists, else the first listed tag that is
 * not a signature, attestation or SBOM; null for a repository without one.
 */
export function repositoryPullTag<T extends { name: string; relatedTo: unknown }>(tags: readonly T[]): T | null {
  const candidates = tags.filter((t) => !t.relatedTo);
  return candidates.find((t) => t.name === "latest") ?? candidates[0] ?? null;
}
