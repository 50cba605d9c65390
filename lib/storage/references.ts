// What `registry garbage-collect` (distribution 2.x and v3) keeps, as a pure rule, so the storage view and GC
// agree on orphans. GC does not look at `_layers` links at all: it walks every repository's manifest revisions
// (a `_manifests/revisions/sha256/<hex>/link` whose blob data exists), marks each such manifest, and marks what
// that manifest references — an image's config and layers (OCI or Docker v2), an index's or manifest list's
// child manifests, a schema1 manifest's fsLayers. Every other blob is eligible for deletion, even one a
// repository still links under `_layers` (a deleted image's layers) — and a blob no repository links is kept
// while a manifest references it (a blob DELETE through the API removes only the link).

const DIGEST_RE = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

function digestOf(value: unknown, key: "digest" | "blobSum"): string | null {
  if (typeof value !== "object" || value === null) return null;
  const d = (value as Record<string, unknown>)[key];
  return typeof d === "string" && DIGEST_RE.test(d) ? d : null;
}

function listOf(doc: Record<string, unknown>, key: string): unknown[] {
  const v = doc[key];
  return Array.isArray(v) ? v : [];
}

/**
 * The digests a manifest's bytes reference, as distribution's `Manifest.References()` lists them: config and
 * layers, an index's manifests, schema1 fsLayers. Not `subject` (GC keeps a referrer only while it is itself
 * a revision). Unparseable bytes reference nothing.
 */
export function manifestReferences(body: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return [];
  const m = doc as Record<string, unknown>;
  const out: string[] = [];
  const push = (d: string | null) => {
    if (d !== null) out.push(d);
  };
  push(digestOf(m.config, "digest"));
  for (const l of listOf(m, "layers")) push(digestOf(l, "digest"));
  for (const c of listOf(m, "manifests")) push(digestOf(c, "digest"));
  for (const l of listOf(m, "fsLayers")) push(digestOf(l, "blobSum"));
  return [...new Set(out)];
}
