import "server-only";
// Manifests: HEAD (digest, media type, size), GET (checked against the digest, parsed), DELETE, and the
// OCI 1.1 referrers API.

import { ManifestParseError, type ParsedManifest, parseManifest } from "../oci/manifest";
import { isSchema1MediaType, MANIFEST_ACCEPT_HEADER, normalizeMediaType } from "../oci/media-types";
import { assertRepositoryName, InvalidReferenceError, isValidDigest, parseReference } from "../oci/reference";
import { computeDigest, decodeUtf8, discard, parseContentLength, readLimited, verifyDigest } from "./body";
import { formatByteLimit } from "./errors";
import type { RegistryTransport } from "./transport";

export type ManifestHead = { digest: string; mediaType: string | null; size: number | null };

export type FetchedManifest = {
  /** The verified digest: the requested one, else the registry's Docker-Content-Digest, else the sha256 of the body. */
  digest: string;
  mediaType: string;
  /** The manifest exactly as served (its bytes are what the digest covers). */
  body: string;
  size: number;
  manifest: ParsedManifest;
};

export async function headManifest(t: RegistryTransport, name: string, reference: string): Promise<ManifestHead | null> {
  assertRepositoryName(name);
  const ref = parseReference(reference);
  const req = t.request("HEAD", `/v2/${name}/manifests/${reference}`, MANIFEST_ACCEPT_HEADER);
  return t.exchange(req, async (res, ctx) => {
    await discard(res);
    if (res.status === 404) return null;
    if (!res.ok) throw await t.statusError(res, ctx, "HEAD");
    const digest = res.headers.get("docker-content-digest");
    if (digest === null || !isValidDigest(digest.trim())) {
      throw t.error(
        "invalid_response",
        digest === null
          ? `registry answered HEAD ${name}:${reference} without a Docker-Content-Digest header`
          : `registry answered HEAD ${name}:${reference} with an invalid Docker-Content-Digest ${JSON.stringify(digest)}`,
        ctx.url,
        res.status,
      );
    }
    if (ref.kind === "digest" && digest.trim() !== ref.digest) {
      throw t.error("digest_mismatch", `registry answered HEAD ${name}@${ref.digest} with digest ${digest.trim()}`, ctx.url, res.status);
    }
    const contentType = res.headers.get("content-type");
    return {
      digest: digest.trim(),
      mediaType: contentType === null ? null : normalizeMediaType(contentType),
      size: parseContentLength(res.headers.get("content-length")),
    };
  });
}

export async function getManifest(t: RegistryTransport, name: string, reference: string, maxBytes: number): Promise<FetchedManifest> {
  assertRepositoryName(name);
  const ref = parseReference(reference);
  const shown = ref.kind === "digest" ? `${name}@${ref.digest}` : `${name}:${ref.tag}`;
  const req = t.request("GET", `/v2/${name}/manifests/${reference}`, MANIFEST_ACCEPT_HEADER);
  return t.exchange(req, async (res, ctx) => {
    if (!res.ok) throw await t.statusError(res, ctx, "GET");
    const contentType = res.headers.get("content-type");
    // Schema1 (legacy) is shown, never inspected. Its signed form's digest covers the payload
    // without signatures, so the body cannot be checked against it: trust the header.
    const legacy = contentType !== null && isSchema1MediaType(contentType);
    const bytes = await readLimited(res, maxBytes, () =>
      t.error("too_large", `manifest exceeds ${formatByteLimit(maxBytes)} limit`, ctx.url, res.status),
    );

    const headerDigest = res.headers.get("docker-content-digest")?.trim() ?? null;
    if (headerDigest !== null && !isValidDigest(headerDigest)) {
      throw t.error(
        "invalid_response",
        `registry sent an invalid Docker-Content-Digest ${JSON.stringify(headerDigest)} for ${shown}`,
        ctx.url,
        res.status,
      );
    }
    if (ref.kind === "digest" && !legacy) verifyDigest(t, bytes, ref.digest, `manifest ${shown}`, ctx.url);
    if (headerDigest !== null && !legacy) {
      verifyDigest(t, bytes, headerDigest, `manifest ${shown} (Docker-Content-Digest)`, ctx.url);
    }
    const digest = ref.kind === "digest" ? ref.digest : (headerDigest ?? computeDigest(bytes, "sha256"));

    const body = decodeUtf8(t, bytes, `manifest ${shown}`, ctx.url);
    let manifest: ParsedManifest;
    try {
      manifest = parseManifest(body, contentType);
    } catch (e) {
      if (e instanceof ManifestParseError) {
        throw t.error("invalid_response", `invalid manifest ${shown}: ${e.message}`, ctx.url, res.status, e);
      }
      throw e;
    }
    return { digest, mediaType: manifest.mediaType, body, size: bytes.byteLength, manifest };
  });
}

export async function deleteManifest(t: RegistryTransport, name: string, reference: string): Promise<"deleted" | "absent"> {
  assertRepositoryName(name);
  parseReference(reference);
  const req = t.request("DELETE", `/v2/${name}/manifests/${reference}`, null);
  return t.exchange(req, async (res, ctx) => {
    if (res.status === 404) {
      await discard(res);
      return "absent";
    }
    if (!res.ok) throw await t.statusError(res, ctx, "DELETE");
    await discard(res);
    return "deleted";
  });
}

export async function referrers(t: RegistryTransport, name: string, digest: string, maxBytes: number): Promise<ParsedManifest | null> {
  assertRepositoryName(name);
  if (!isValidDigest(digest)) {
    throw new InvalidReferenceError("digest", `invalid digest ${JSON.stringify(digest)}: expected algorithm:hex`);
  }
  const req = t.request("GET", `/v2/${name}/referrers/${digest}`, "application/vnd.oci.image.index.v1+json");
  return t.exchange(req, async (res, ctx) => {
    // a registry that implements the API answers 200 with an (maybe empty) index for any digest
    if (res.status === 404 || res.status === 405) {
      await discard(res);
      return null;
    }
    if (!res.ok) throw await t.statusError(res, ctx, "GET");
    const bytes = await readLimited(res, maxBytes, () =>
      t.error("too_large", `referrers list exceeds ${formatByteLimit(maxBytes)} limit`, ctx.url, res.status),
    );
    const body = decodeUtf8(t, bytes, `referrers of ${name}@${digest}`, ctx.url);
    try {
      const parsed = parseManifest(body, res.headers.get("content-type") ?? "application/vnd.oci.image.index.v1+json");
      return parsed.kind === "index" ? parsed : null;
    } catch (e) {
      if (e instanceof ManifestParseError) {
        throw t.error("invalid_response", `invalid referrers list for ${name}@${digest}: ${e.message}`, ctx.url, res.status, e);
      }
      throw e;
    }
  });
}
