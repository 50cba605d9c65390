// The reference grammar of github.com/distribution/reference, for names local to one registry
// (no domain part) plus the digest rules of github.com/opencontainers/go-digest.

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const REPOSITORY_NAME_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export const MAX_REPOSITORY_NAME_LENGTH = 255;

/** Registered algorithms pin the encoded part exactly; anything else only needs 32+ characters. */
const DIGEST_ENCODED_RE: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export type ReferenceField = "name" | "tag" | "digest" | "reference";

const INVALIDREFERENCEERROR_BRAND = Symbol.for("layerscope.InvalidReferenceError");

export class InvalidReferenceError extends Error {
  /**
   * Next.js bundles the job workers (instrumentation) and the routes separately, and objects such
   * as the shared registry client cross between them: instanceof checks the brand, not the class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && INVALIDREFERENCEERROR_BRAND in value;
  }
  readonly [INVALIDREFERENCEERROR_BRAND] = true;
  override name = "InvalidReferenceError";
  constructor(
    readonly field: ReferenceField,
    message: string,
  ) {
    super(message);
  }
}

export function isValidRepositoryName(s: string): boolean {
  return s.length > 0 && s.length <= MAX_REPOSITORY_NAME_LENGTH && REPOSITORY_NAME_RE.test(s);
}

export function isValidTag(s: string): boolean {
  return TAG_RE.test(s);
}

export function isValidDigest(s: string): boolean {
  const m = DIGEST_RE.exec(s);
  if (!m) return false;
  const algorithm = m[1] ?? "";
  const encoded = m[2] ?? "";
  const pinned = Object.hasOwn(DIGEST_ENCODED_RE, algorithm) ? DIGEST_ENCODED_RE[algorithm] : undefined;
  return pinned ? pinned.test(encoded) : encoded.length >= 32;
}

export function assertRepositoryName(s: string): void {
  if (s.length === 0) throw new InvalidReferenceError("name", "repository name is empty");
  if (s.length > MAX_REPOSITORY_NAME_LENGTH) {
    throw new InvalidReferenceError("name", `repository name is ${s.length} characters long; the limit is ${MAX_REPOSITORY_NAME_LENGTH}`);
  }
  if (!REPOSITORY_NAME_RE.test(s)) {
    throw new InvalidReferenceError(
      "name",
      `invalid repository name "${s}": use lowercase letters and digits, separated by ".", "_", "__" or "-" within a path component and "/" between components`,
    );
  }
}

export type ParsedReference = { kind: "tag"; tag: string } | { kind: "digest"; digest: string };

/** A manifest reference is a tag or a digest; a ":" can only appear in a digest. */
export function parseReference(ref: string): ParsedReference {
  if (ref.length === 0) throw new InvalidReferenceError("reference", "reference is empty: expected a tag or a digest");
  if (ref.includes(":")) {
    if (!isValidDigest(ref)) {
      throw new InvalidReferenceError(
        "digest",
        `invalid digest "${ref}": expected algorithm:hex, e.g. sha256 followed by 64 lowercase hex characters`,
      );
    }
    return { kind: "digest", digest: ref };
  }
  if (!isValidTag(ref)) {
    throw new InvalidReferenceError(
      "tag",
      `invalid tag "${ref}": up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );
  }
  return { kind: "tag", tag: ref };
}

export type RepositoryPath = { name: string; marker: string | null; rest: string[] };

/**
 * Splits URL path segments into repository name, marker and what follows the marker, reading from the
 * right as the registry's API does: names may themselves contain marker words ("team/tags"), so the
 * right-most marker that leaves a valid name wins. `suffixes` maps each marker to the exact number of
 * segments that follow it. Without a matching marker the whole path is the name (not validated here:
 * call assertRepositoryName when it matters).
 */
export function splitRepositoryPath(segments: string[], suffixes: Record<string, number>): RepositoryPath {
  if (segments.length === 0) throw new InvalidReferenceError("name", "repository name is empty");
  segments.forEach((segment, i) => {
    if (segment === "" || segment === "." || segment === ".." || segment.includes("/") || segment.includes("%")) {
      throw new InvalidReferenceError(
        "name",
        `invalid path segment ${i + 1} ${JSON.stringify(segment)}: segments must be non-empty and must not be "." or ".." or contain "/" or "%"`,
      );
    }
  });
  for (let i = segments.length - 1; i >= 1; i--) {
    const marker = segments[i] ?? "";
    if (!Object.hasOwn(suffixes, marker) || suffixes[marker] !== segments.length - 1 - i) continue;
    const name = segments.slice(0, i).join("/");
    if (isValidRepositoryName(name)) return { name, marker, rest: segments.slice(i + 1) };
  }
  return { name: segments.join("/"), marker: null, rest: [] };
}

/** "sha256:0123456789ab": enough to tell digests apart in a table. */
export function shortDigest(d: string): string {
  const colon = d.indexOf(":");
  if (colon === -1) return d.slice(0, 12);
  return `${d.slice(0, colon)}:${d.slice(colon + 1, colon + 13)}`;
}
