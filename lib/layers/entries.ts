// What one tar header of a layer blob becomes, and the path rules every layer module relies on.
// Pure: no I/O. Paths are normalised here once, so the merge, the tree helpers and the database all compare
// the same strings.

export type LayerEntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo" | "other";

/**
 * One entry of a layer's tar, after path normalisation and whiteout decoding.
 *
 * - `path`: relative to the image root, no leading "/" or "./", no trailing "/". The root itself is never an
 *   entry, with one exception: an opaque marker at the top of the layer (`.wh..wh..opq`) is kept with path ""
 *   because it hides every lower-layer file.
 * - `size`: bytes of regular-file content; 0 for every other type. A hard link is 0 too: its bytes belong to
 *   the file it points to, which is counted where that file appears.
 * - `mode`: permission bits including setuid/setgid/sticky (`mode & 0o7777`); file-type bits are dropped.
 * - `uid`/`gid`: the owner as written (PAX records carry ids too big for the octal header field, up to
 *   2^32 − 1 on Linux); -1 when the archive gives one that is not a whole number from 0 to 2^53 − 1.
 * - `linkTarget`: symlinks keep their target verbatim (it is resolved at run time, relative or absolute);
 *   hard links point at another archive member, so theirs is normalised like `path`.
 * - `whiteout`: the layer deletes `path` (and everything under it) from the layers below; type "other", size 0.
 * - `opaque`: the layer hides everything the layers below had under the directory `path`; type "dir".
 * - `contentDigest`: "sha256:<hex>" of a regular file's bytes, hashed as they streamed past; null for every other
 *   type (a hard link's bytes are its target's). Absent or null on a file: unknown (indexed before digests).
 */
export type LayerEntry = {
  path: string;
  type: LayerEntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkTarget: string | null;
  whiteout: boolean;
  opaque: boolean;
  contentDigest?: string | null;
};

export type LayerIndexErrorReason =
  | "corrupt_compression"
  | "truncated"
  | "not_a_tar"
  | "too_many_entries"
  | "too_large_uncompressed"
  | "too_large"
  | "larger_than_declared"
  | "aborted";

/** Reasons that are limits this instance chose, not faults of the blob: such a layer is "skipped", not "failed". */
export const LIMIT_REASONS: ReadonlySet<LayerIndexErrorReason> = new Set(["too_many_entries", "too_large_uncompressed", "too_large"]);

/** Why a layer blob could not be indexed (thrown by indexLayerStream; a source's own errors pass through). */
export class LayerIndexError extends Error {
  override name = "LayerIndexError";
  constructor(
    readonly reason: LayerIndexErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type NormalizedPath = {
  path: string;
  /** The name tried to leave the archive root: it was absolute or climbed above it with "..". */
  escaped: boolean;
};

/**
 * Lexical normalisation of an archive member name: "./a//b/./c/" → "a/b/c", "/etc/passwd" → "etc/passwd",
 * "../../escape.txt" → "escape.txt". ".." never climbs above the root (a naive extractor would write outside
 * its target there, so such names are reported as escaped). Unicode is kept byte-for-byte: no NFC/NFD folding,
 * since two differently normalised names are two different files on Linux.
 */
export function normalizeEntryPath(name: string): NormalizedPath {
  let escaped = name.startsWith("/");
  const out: string[] = [];
  for (const segment of name.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length === 0) escaped = true;
      else out.pop();
      continue;
    }
    out.push(segment);
  }
  return { path: out.join("/"), escaped };
}

/** "a/b/c" → "a/b"; a top-level name → "" (the root). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** True when `path` lies strictly under directory `dir` ("" is the root, which contains everything). */
export function isUnder(path: string, dir: string): boolean {
  if (dir === "") return path !== "";
  return path.length > dir.length + 1 && path.startsWith(dir) && path.charCodeAt(dir.length) === 47; // "/"
}

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";
/** AUFS bookkeeping (".wh..wh.plnk", ".wh..wh.aufs", …): not part of the image, skipped like Docker does. */
const WHITEOUT_META_PREFIX = ".wh..wh.";

export type WhiteoutKind = { kind: "none" } | { kind: "whiteout"; target: string } | { kind: "opaque"; dir: string } | { kind: "metadata" };

/** Decodes the OCI/AUFS whiteout naming of an already-normalised path. */
export function classifyWhiteout(path: string): WhiteoutKind {
  if (!path.includes(WHITEOUT_PREFIX)) return { kind: "none" };
  const segments = path.split("/");
  const last = segments.length - 1;
  for (let i = 0; i < last; i++) {
    // Anything inside an AUFS metadata directory is bookkeeping too.
    if (segments[i]?.startsWith(WHITEOUT_META_PREFIX)) return { kind: "metadata" };
  }
  const base = segments[last] ?? "";
  const dir = segments.slice(0, last).join("/");
  if (base === OPAQUE_MARKER) return { kind: "opaque", dir };
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: "metadata" };
  if (base.startsWith(WHITEOUT_PREFIX) && base.length > WHITEOUT_PREFIX.length) {
    const name = base.slice(WHITEOUT_PREFIX.length);
    // ".wh.." or ".wh..." would name the parent or the dir itself; no writer produces them, so ignore them.
    if (name === "." || name === "..") return { kind: "metadata" };
    return { kind: "whiteout", target: dir === "" ? name : `${dir}/${name}` };
  }
  return { kind: "none" };
}

/** The raw fields of a tar header that an entry is built from (tar-stream's names, PAX already applied). */
export type RawTarHeader = {
  name: string;
  type: string | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname: string | null;
};

/** A tar owner id as stored: -1 stands for one no system could have (negative, fractional, beyond 2^53). */
export function ownerId(id: number): number {
  return Number.isSafeInteger(id) && id >= 0 ? id : -1;
}

/**
 * `escaped`: the name (or a hard link's target) tried to leave the image root; `name`/`linkName` are then
 * the archive's own, unnormalised, so the escape can be shown as it was written.
 */
export type MappedHeader = { entry: LayerEntry; escaped: boolean; name: string; linkName: string | null } | null;

/** An entry whose name climbed out of the image root, as the archive wrote it and where it is indexed. */
export type EscapedName = { path: string; name: string; linkName?: string };

/**
 * A file name as it may be shown: exactly as stored, with control characters escaped so that "new\nline.txt"
 * cannot pass for "new line.txt" (\n, \r, \t, \\ and \xNN; C1 controls as \u0080…\u009f).
 */
export function displayName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  return name.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (ch) => {
    switch (ch) {
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      case "\\":
        return "\\\\";
      default: {
        const code = ch.charCodeAt(0);
        return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
      }
    }
  });
}

/**
 * Maps one tar header to a LayerEntry, or null for headers that are not image content (the root itself,
 * AUFS metadata). Whiteout names become whiteout/opaque entries for the path they affect.
 */
export function entryFromHeader(header: RawTarHeader): MappedHeader {
  const { path, escaped: pathEscaped } = normalizeEntryPath(header.name);
  const mode = header.mode & 0o7777;
  const whiteout = classifyWhiteout(path);
  switch (whiteout.kind) {
    case "metadata":
      return null;
    case "opaque":
      return {
        entry: {
          path: whiteout.dir,
          type: "dir",
          size: 0,
          mode,
          uid: ownerId(header.uid),
          gid: ownerId(header.gid),
          linkTarget: null,
          whiteout: false,
          opaque: true,
        },
        escaped: pathEscaped,
        name: header.name,
        linkName: null,
      };
    case "whiteout":
      return {
        entry: {
          path: whiteout.target,
          type: "other",
          size: 0,
          mode,
          uid: ownerId(header.uid),
          gid: ownerId(header.gid),
          linkTarget: null,
          whiteout: true,
          opaque: false,
        },
        escaped: pathEscaped,
        name: header.name,
        linkName: null,
      };
    case "none":
      break;
  }
  if (path === "") return null;

  const type = entryType(header.type);
  let linkTarget: string | null = null;
  let escaped = pathEscaped;
  if (type === "symlink") linkTarget = header.linkname ?? "";
  if (type === "hardlink") {
    const target = normalizeEntryPath(header.linkname ?? "");
    linkTarget = target.path;
    // A hard link to "../../etc/shadow" is the classic tar-slip too, so it counts as an escape.
    escaped ||= target.escaped;
  }
  return {
    entry: {
      path,
      type,
      size: type === "file" ? header.size : 0,
      mode,
      uid: ownerId(header.uid),
      gid: ownerId(header.gid),
      linkTarget,
      whiteout: false,
      opaque: false,
    },
    escaped,
    name: header.name,
    linkName: type === "hardlink" ? (header.linkname ?? "") : null,
  };
}

function entryType(tarType: string | null): LayerEntryType {
  switch (tarType) {
    case "file":
    case "contiguous-file":
      return "file";
    case "directory":
      return "dir";
    case "symlink":
      return "symlink";
    case "link":
      return "hardlink";
    case "character-device":
      return "char";
    case "block-device":
      return "block";
    case "fifo":
      return "fifo";
    default:
      // GNU sparse/volume headers and unknown typeflags: listed, but not counted as file content.
      return "other";
  }
}

/**
 * Orders paths by Unicode code point, which is UTF-8 byte order and so the order of Postgres `COLLATE "C"`.
 * Plain `<` compares UTF-16 code units and disagrees for names mixing astral characters with U+E000–U+FFFF.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (0xD800–0xDFFF) stands for a code point above 0xFFFF, so it outranks every BMP unit ≥ 0xE000.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? (y >= 0xe000 ? 1 : x - y) : x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}
