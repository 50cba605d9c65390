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
  me: "/api/v1/me",
  myPassword: "/api/v1/me/password",
  myTokens: "/api/v1/me/tokens",
  myToken: (id: number) => `/api/v1/me/tokens/${id}`,
  users: "/api/v1/users",
  user: (id: number) => `/api/v1/users/${id}`,
  userTokens: (id: number) => `/api/v1/users/${id}/tokens`,
  userToken: (id: number, tokenId: number) => `/api/v1/users/${id}/tokens/${tokenId}`,
  audit: "/api/v1/audit",
  setup: "/api/v1/setup",
  deletionPreview: "/api/v1/deletions/preview",
  deletions: "/api/v1/deletions",
  gc: "/api/v1/gc",
  gcRun: (id: number) => `/api/v1/gc/${id}`,
  storage: "/api/v1/storage",
  storageRepositories: "/api/v1/storage/repositories",
  storageLocate: (digest: string, repository?: string) =>
    `/api/v1/storage/locate?${new URLSearchParams(repository ? { digest, repository } : { digest }).toString()}`,
  retention: "/api/v1/retention",
  retentionPolicy: (id: number) => `/api/v1/retention/${id}`,
  retentionPreview: "/api/v1/retention/preview",
  retentionRuns: (id: number) => `/api/v1/retention/${id}/runs`,
  tags: (repository: string) => `/api/v1/repositories/${encodeRepositoryName(repository)}/tags`,
  manifest: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}`,
  /** POST: queue the file index of every layer of the image (202). */
  manifestIndex: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/index`,
  manifestLayers: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/layers`,
  manifestFiles: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/files`,
  manifestEfficiency: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/efficiency`,
  manifestFindings: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/findings`,
  /** Every history entry of the image config, each layer next to the entry that made it. */
  manifestHistory: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/history`,
  /** Blobs of the manifest, who else shares them, and its unique size. */
  manifestUsage: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/usage`,
  /** Signatures, SBOMs and attestations that describe the manifest. */
  manifestRelated: (repository: string, reference: string) =>
    `/api/v1/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}/related`,
  /** GET with `?from=&to=[&platform=]`. */
  compare: (repository: string) => `/api/v1/repositories/${encodeRepositoryName(repository)}/compare`,
} as const;

export const pageHrefs = {
  home: "/",
  login: "/login",
  setup: "/setup",
  users: "/settings/users",
  profile: "/settings/profile",
  repositories: "/repositories",
  gc: "/gc",
  storage: "/storage",
  retention: "/retention",
  auditLog: "/audit",
  repository: (repository: string) => `/repositories/${encodeRepositoryName(repository)}`,
  manifest: (repository: string, reference: string) =>
    `/repositories/${encodeRepositoryName(repository)}/manifests/${encodeReference(reference)}`,
  /** Two images of a repository side by side; any of the references may be left for the page to ask. */
  compare: (repository: string, refs: { from?: string; to?: string; platform?: string } = {}) => {
    const sp = new URLSearchParams();
    for (const key of ["from", "to", "platform"] as const) {
      const v = refs[key];
      if (v) sp.set(key, v);
    }
    const qs = sp.toString();
    return `/repositories/${encodeRepositoryName(repository)}/compare${qs ? `?${qs}` : ""}`;
  },
} as const;

/** The sign-in page, coming back to `returnTo` afterwards. */
export function signInHref(returnTo: string): string {
  const back = safeCallbackUrl(returnTo);
  return back === "/" ? pageHrefs.login : `${pageHrefs.login}?callbackUrl=${encodeURIComponent(back)}`;
}

const CALLBACK_BASE = "http://layerscope.invalid";

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Where to go after signing in: only a path on this site, else "/". Rejects other origins
 * ("https://…", "//host", "/\\host", which browsers read as "//host"), control characters (browsers
 * strip tabs and newlines, so "/\t/host" would become "//host") and paths that only normalize to
 * "//host" ("/..//host"). The sign-in pages themselves also become "/", so nothing bounces back.
 */
export function safeCallbackUrl(value: string | null | undefined): string {
  if (!value || value.length > 2048 || !value.startsWith("/")) return "/";
  if (value.startsWith("//") || value.includes("\\") || hasControlCharacter(value)) return "/";
  let url: URL;
  try {
    url = new URL(value, CALLBACK_BASE);
  } catch {
    return "/";
  }
  if (url.origin !== CALLBACK_BASE || url.pathname.startsWith("//")) return "/";
  if (url.pathname === pageHrefs.login || url.pathname === pageHrefs.setup) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

/** A page's search params back as `?a=b` (or ""), for links that return to the same view. */
export function searchString(sp: Record<string, string | string[] | undefined>): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) out.append(k, x);
  const s = out.toString();
  return s ? `?${s}` : "";
}
