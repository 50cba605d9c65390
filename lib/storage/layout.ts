// The on-disk layout of a Distribution registry's filesystem storage driver (registry:2, docker-registry 2.8,
// distribution v3). Pure: builds and checks paths, never touches the disk. Every name and digest is validated
// against the reference grammar before it becomes a path segment, so no input can climb out of the root.
//
//   docker/registry/v2/blobs/sha256/<2 hex>/<64 hex>/data
//   docker/registry/v2/repositories/<name>/_layers/sha256/<hex>/link
//   docker/registry/v2/repositories/<name>/_manifests/revisions/sha256/<hex>/link
//   docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link
//   docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/index/sha256/<hex>/link
//   docker/registry/v2/repositories/<name>/_uploads/<uuid>/{data,startedat,hashstates/…}

import path from "node:path";
import { AppError } from "@/lib/errors";
import { isValidDigest, isValidRepositoryName, isValidTag, MAX_REPOSITORY_NAME_LENGTH } from "../oci/reference";

/** Everything the registry writes lives under this folder of the root directory. */
export const STORAGE_PREFIX = "docker";
export const V2_DIR = "docker/registry/v2";
export const BLOBS_DIR = `${V2_DIR}/blobs`;
export const REPOSITORIES_DIR = `${V2_DIR}/repositories`;

/** The filesystem driver only ever stores sha256 blobs; other algorithms are refused rather than guessed. */
export const STORAGE_DIGEST_ALGORITHM = "sha256";
const SHA256_HEX_RE = /^[a-f0-9]{64}$/;

/** Folders inside a repository directory; path components of a valid name can never start with "_". */
export const REPOSITORY_MARKERS = ["_manifests", "_layers", "_uploads"] as const;

export function isSha256Hex(s: string): boolean {
  return SHA256_HEX_RE.test(s);
}

/** `sha256:<64 hex>` → the hex part; anything else is a bad request. */
export function digestHex(digest: string): string {
  if (!isValidDigest(digest) || !digest.startsWith(`${STORAGE_DIGEST_ALGORITHM}:`)) {
    throw new AppError(
      "bad_request",
      `invalid digest ${JSON.stringify(digest)}: expected sha256: followed by 64 lowercase hex characters`,
      {
        field: "digest",
      },
    );
  }
  return digest.slice(STORAGE_DIGEST_ALGORITHM.length + 1);
}

export function assertStorageRepositoryName(name: string): void {
  if (!isValidRepositoryName(name)) {
    const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 80))}…` : JSON.stringify(name);
    throw new AppError(
      "bad_request",
      `invalid repository name ${shown}: lowercase path components of letters and digits joined by "/", at most ${MAX_REPOSITORY_NAME_LENGTH} characters`,
      { field: "name" },
    );
  }
}

function assertStorageTag(tag: string): void {
  if (!isValidTag(tag)) {
    throw new AppError("bad_request", `invalid tag ${JSON.stringify(tag.slice(0, 140))}`, { field: "tag" });
  }
}

export function blobDir(digest: string): string {
  const hex = digestHex(digest);
  return `${BLOBS_DIR}/${STORAGE_DIGEST_ALGORITHM}/${hex.slice(0, 2)}/${hex}`;
}

export function blobDataPath(digest: string): string {
  return `${blobDir(digest)}/data`;
}

export function repositoryDir(name: string): string {
  assertStorageRepositoryName(name);
  return `${REPOSITORIES_DIR}/${name}`;
}

export function manifestRevisionLinkPath(name: string, digest: string): string {
  const hex = digestHex(digest);
  return `${repositoryDir(name)}/_manifests/revisions/${STORAGE_DIGEST_ALGORITHM}/${hex}/link`;
}

export function layerLinkPath(name: string, digest: string): string {
  const hex = digestHex(digest);
  return `${repositoryDir(name)}/_layers/${STORAGE_DIGEST_ALGORITHM}/${hex}/link`;
}

export function tagsDir(name: string): string {
  return `${repositoryDir(name)}/_manifests/tags`;
}

export function tagCurrentLinkPath(name: string, tag: string): string {
  assertStorageTag(tag);
  return `${tagsDir(name)}/${tag}/current/link`;
}

/** One entry of a tag's history: the tag has pointed at `digest` at some point. */
export function tagIndexLinkPath(name: string, tag: string, digest: string): string {
  assertStorageTag(tag);
  const hex = digestHex(digest);
  return `${tagsDir(name)}/${tag}/index/${STORAGE_DIGEST_ALGORITHM}/${hex}/link`;
}

export function uploadsDir(name: string): string {
  return `${repositoryDir(name)}/_uploads`;
}

/**
 * `relativePath` (from the helpers above) as an absolute path under `root`, refusing anything that resolves
 * outside it. The helpers already validate their inputs; this is the second lock on the same door.
 */
export function resolveInRoot(root: string, relativePath: string): string {
  const base = path.resolve(root);
  if (path.isAbsolute(relativePath) || relativePath.includes("\0")) {
    throw new AppError("bad_request", `storage path ${JSON.stringify(relativePath)} must be relative to the root`);
  }
  const resolved = path.resolve(base, relativePath);
  if (!isInside(base, resolved)) {
    throw new AppError("bad_request", `storage path ${JSON.stringify(relativePath)} resolves outside the storage root`);
  }
  return resolved;
}

/** True when `child` is `parent` itself or lies below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!path.isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${path.sep}`));
}

/** The digest a link file holds (`sha256:<hex>`, no newline), or null when it holds something else. */
export function parseLinkContent(text: string): string | null {
  const digest = text.trim();
  const hex = digest.startsWith(`${STORAGE_DIGEST_ALGORITHM}:`) ? digest.slice(STORAGE_DIGEST_ALGORITHM.length + 1) : "";
  return isSha256Hex(hex) ? digest : null;
}

/** What one file below `repositories/<name>/` is, from its path segments after the name. */
export type RepositoryFileKind =
  | { kind: "layer-link"; hex: string }
  | { kind: "revision-link"; hex: string }
  | { kind: "tag-current-link"; tag: string }
  | { kind: "tag-index-link"; tag: string; hex: string }
  | { kind: "upload-file"; uuid: string; file: string }
  | { kind: "other" };

export function classifyRepositoryFile(segments: readonly string[]): RepositoryFileKind {
  const [a, b, c, d, e, f, g] = segments;
  const n = segments.length;
  if (a === "_layers" && n === 4 && b === STORAGE_DIGEST_ALGORITHM && c !== undefined && isSha256Hex(c) && d === "link") {
    return { kind: "layer-link", hex: c };
  }
  if (a === "_manifests") {
    if (n === 5 && b === "revisions" && c === STORAGE_DIGEST_ALGORITHM && d !== undefined && isSha256Hex(d) && e === "link") {
      return { kind: "revision-link", hex: d };
    }
    if (b === "tags" && c !== undefined) {
      if (n === 5 && d === "current" && e === "link") return { kind: "tag-current-link", tag: c };
      if (n === 7 && d === "index" && e === STORAGE_DIGEST_ALGORITHM && f !== undefined && isSha256Hex(f) && g === "link") {
        return { kind: "tag-index-link", tag: c, hex: f };
      }
    }
  }
  if (a === "_uploads" && n >= 3 && b !== undefined) {
    return { kind: "upload-file", uuid: b, file: segments.slice(2).join("/") };
  }
  return { kind: "other" };
}

/** `blobs/sha256/<2 hex>/<hex>/data` segments (after `blobs/`) → hex, else null. */
export function classifyBlobFile(segments: readonly string[]): string | null {
  const [alg, prefix, hex, file] = segments;
  if (segments.length !== 4 || alg !== STORAGE_DIGEST_ALGORITHM || file !== "data" || hex === undefined) return null;
  return isSha256Hex(hex) && prefix === hex.slice(0, 2) ? hex : null;
}
