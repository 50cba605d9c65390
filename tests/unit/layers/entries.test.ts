import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyWhiteout, comparePaths, entryFromHeader, isUnder, normalizeEntryPath, parentPath } from "../../../lib/layers/entries";

describe("normalizeEntryPath", () => {
  it.each([
    ["./etc/passwd", "etc/passwd", false],
    ["etc//ssl/./certs/", "etc/ssl/certs", false],
    ["a/b/../c", "a/c", false],
    ["/etc/passwd", "etc/passwd", true],
    ["../../escape.txt", "escape.txt", true],
    ["a/../../b", "b", true],
    ["./", "", false],
    ["/", "", true],
    ["données/日本語/😀", "données/日本語/😀", false],
  ])("%j → %j (escaped: %s)", (name, path, escaped) => {
    expect(normalizeEntryPath(name)).toEqual({ path, escaped });
  });

  it("never produces a leading/trailing slash, an empty, '.' or '..' segment", () => {
    const segment = fc.constantFrom("a", "b", ".", "..", "", "ü");
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.boolean(), (segments, absolute) => {
        const { path } = normalizeEntryPath(`${absolute ? "/" : ""}${segments.join("/")}`);
        if (path === "") return;
        expect(path.split("/").every((s) => s !== "" && s !== "." && s !== "..")).toBe(true);
      }),
    );
  });
});

describe("classifyWhiteout", () => {
  it("decodes whiteouts, opaque markers and AUFS metadata", () => {
    expect(classifyWhiteout("etc/.wh.motd")).toEqual({ kind: "whiteout", target: "etc/motd" });
    expect(classifyWhiteout(".wh.tmp")).toEqual({ kind: "whiteout", target: "tmp" });
    expect(classifyWhiteout("var/cache/.wh..wh..opq")).toEqual({ kind: "opaque", dir: "var/cache" });
    expect(classifyWhiteout(".wh..wh..opq")).toEqual({ kind: "opaque", dir: "" });
    expect(classifyWhiteout(".wh..wh.plnk")).toEqual({ kind: "metadata" });
    expect(classifyWhiteout(".wh..wh.plnk/1234.5678")).toEqual({ kind: "metadata" });
    expect(classifyWhiteout("etc/motd")).toEqual({ kind: "none" });
    expect(classifyWhiteout("etc/not.wh.file")).toEqual({ kind: "none" });
  });
});

describe("entryFromHeader", () => {
  const header = { name: "x", type: "file", size: 10, mode: 0o644, uid: 1, gid: 2, linkname: null };

  it("keeps permission and setuid bits but drops file-type bits from the mode", () => {
    expect(entryFromHeader({ ...header, mode: 0o104755 })?.entry.mode).toBe(0o4755);
  });

  it("maps contiguous files to files and unknown typeflags to 'other' without content bytes", () => {
    expect(entryFromHeader({ ...header, type: "contiguous-file" })?.entry).toMatchObject({ type: "file", size: 10 });
    expect(entryFromHeader({ ...header, type: null })?.entry).toMatchObject({ type: "other", size: 0 });
  });

  it("skips the root and AUFS metadata, keeps an opaque marker at the root with path ''", () => {
    expect(entryFromHeader({ ...header, name: "./", type: "directory" })).toBeNull();
    expect(entryFromHeader({ ...header, name: ".wh..wh.aufs" })).toBeNull();
    expect(entryFromHeader({ ...header, name: ".wh..wh..opq", size: 0 })?.entry).toMatchObject({ path: "", type: "dir", opaque: true });
  });

  it("builds whiteout entries as type 'other' with size 0", () => {
    expect(entryFromHeader({ ...header, name: "usr/.wh.bin" })?.entry).toEqual({
      path: "usr/bin",
      type: "other",
      size: 0,
      mode: 0o644,
      uid: 1,
      gid: 2,
      linkTarget: null,
      whiteout: true,
      opaque: false,
    });
  });
});

describe("paths", () => {
  it("parentPath and isUnder treat '' as the root", () => {
    expect(parentPath("a/b/c")).toBe("a/b");
    expect(parentPath("a")).toBe("");
    expect(isUnder("a/b", "a")).toBe(true);
    expect(isUnder("ab", "a")).toBe(false);
    expect(isUnder("a", "a")).toBe(false);
    expect(isUnder("a", "")).toBe(true);
  });

  it('comparePaths orders like UTF-8 bytes (Postgres COLLATE "C"), unlike plain < for astral characters', () => {
    const astral = "😀"; // U+1F600, UTF-16 surrogates 0xD83D 0xDE00
    const bmpHigh = "\uFF21"; // FULLWIDTH A, above the surrogate range
    expect(astral < bmpHigh).toBe(true); // code-unit order gets it wrong
    expect(comparePaths(astral, bmpHigh)).toBeGreaterThan(0);
    const utf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(Math.sign(comparePaths(a, b))).toBe(Math.sign(utf8(a, b)));
      }),
    );
  });
});
