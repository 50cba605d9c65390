// URL shapes of the app's pages and of the JSON API, in one place. Client-safe.
// Repository names contain "/", so they go into paths segment by segment, each segment encoded.

export function encodeRepositoryName(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

/** A tag or digest: ":" in digests is kept readable, it is legal in a path segment. */
export function encodeReference(reference: string): string {
  return encodeURIComponent(reference).replaceAll("%3A", ":");
}

export const apiPaths = {
  repositories: "/api/v1/repositories",
  namespaces: "/api/v1/namespaces",
  sync: "/api/v1/sync",
  health: "/api/v1/health",
  tags: (repository: string) => `/api/v1/repositories/${encodeRepositoryName(repository)}/tags`,
  manifest: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}`,
} as const;

export const pageHrefs = {
  home: "/",
  repositories: "/repositories",
  repository: (repository: string) => `/repositories/${encodeRepositoryName(repository)}`,
  manifest: (repository: string, reference: string) =>
    `/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}`,
} as const;
