// Tag ordering for the tag table: versions in semver precedence first, then every other tag ("latest",
// "main", "nightly-2024-01-02") in natural order. Both comparators are total orders: they return 0 only
// for identical strings, so sorting is stable across pages and runs.

// Tolerant semver: optional "v", any number of numeric parts ("1", "1.10", "1.2.3.4"), optional "-prerelease".
const VERSION_RE = /^[vV]?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?$/;

type Version = { numbers: string[]; prerelease: string[] | null };

function parseVersion(tag: string): Version | null {
  const m = VERSION_RE.exec(tag);
  if (!m) return null;
  return { numbers: (m[1] ?? "").split("."), prerelease: m[2] === undefined ? null : m[2].split(".") };
}

/** Compares digit strings by value without overflowing: "0010" equals "10", "9" < "10". */
function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const IS_DIGITS = /^\d+$/;

function comparePrerelease(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    const xNum = IS_DIGITS.test(x);
    const yNum = IS_DIGITS.test(y);
    // semver: numeric identifiers rank below alphanumeric ones; alphanumerics compare naturally so rc2 < rc10
    const c = xNum && yNum ? compareDigits(x, y) : xNum ? -1 : yNum ? 1 : compareNatural(x, y);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareVersions(a: Version, b: Version): number {
  const parts = Math.max(a.numbers.length, b.numbers.length);
  for (let i = 0; i < parts; i++) {
    const c = compareDigits(a.numbers[i] ?? "0", b.numbers[i] ?? "0");
    if (c !== 0) return c;
  }
  if (a.prerelease === null || b.prerelease === null) {
    // a release ranks above its prereleases
    return a.prerelease === b.prerelease ? 0 : a.prerelease === null ? 1 : -1;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

/** Ascending semver-aware order; versions before non-version tags; ties ("1.2" vs "1.2.0") broken by the string. */
export function compareTagsSemver(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (va && vb) return compareVersions(va, vb) || compareNatural(a, b);
  if (va) return -1;
  if (vb) return 1;
  return compareNatural(a, b);
}

/** A creation date on or before this (the zero dates of reproducible builds) counts as none. */
const DATED_AFTER = Date.UTC(1970, 0, 2);

/** Milliseconds since the epoch of a usable creation date, else null. */
export function usableCreated(created: string | Date | null | undefined): number | null {
  if (created === null || created === undefined) return null;
  const ms = typeof created === "string" ? Date.parse(created) : created.getTime();
  return Number.isFinite(ms) && ms > DATED_AFTER ? ms : null;
}

/**
 * The tag table's "Version" order, ascending: tags without a usable creation date (natural order),
 * then the other non-version tags oldest first, then versions in semver precedence. Its default,
 * descending, therefore shows the newest version first, then "latest", "sha-…" and builds newest
 * first. The stored key `layerscope_version_order` (prisma/migrations/*_version_order) mirrors it.
 */
export function compareTagsVersionOrder(
  a: { name: string; createdAt: string | Date | null },
  b: { name: string; createdAt: string | Date | null },
): number {
  const va = parseVersion(a.name) !== null;
  const vb = parseVersion(b.name) !== null;
  if (va || vb) return va && vb ? compareTagsSemver(a.name, b.name) : va ? 1 : -1;
  const ca = usableCreated(a.createdAt);
  const cb = usableCreated(b.createdAt);
  if (ca === null || cb === null) return ca === cb ? compareNatural(a.name, b.name) : ca === null ? -1 : 1;
  return ca - cb || compareNatural(a.name, b.name);
}

const CHUNK_RE = /\d+|\D+/g;

/** Numeric-aware, case-insensitive order ("tag2" < "tag10"), falling back to code units so only equal strings tie. */
export function compareNatural(a: string, b: string): number {
  const xs = a.match(CHUNK_RE) ?? [];
  const ys = b.match(CHUNK_RE) ?? [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i] ?? "";
    const y = ys[i] ?? "";
    const c = IS_DIGITS.test(x) && IS_DIGITS.test(y) ? compareDigits(x, y) : compareCodeUnits(x.toLowerCase(), y.toLowerCase());
    if (c !== 0) return c;
  }
  return xs.length - ys.length || compareCodeUnits(a, b);
}
