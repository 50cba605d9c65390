// Hostile file names are shown as the archive stores them: control characters escaped, escapes of the
// image root kept under their own name and reported as a finding with their layer.
import { describe, expect, it } from "vitest";
import { displayName, entryFromHeader } from "../../../lib/layers/entries";
import { escapeFindings } from "../../../lib/layers/findings";
import { indexAll, makeTar } from "./fixtures";

const header = { type: "file", size: 1, mode: 0o644, uid: 0, gid: 0, linkname: null };

describe("displayName", () => {
  it("escapes control characters so a newline cannot pass for a space", () => {
    expect(displayName("new\nline.txt")).toBe("new\\nline.txt");
    expect(displayName("new line.txt")).toBe("new line.txt");
    expect(displayName("new\nline.txt")).not.toBe(displayName("new line.txt"));
    expect(displayName("tab\there\rcr")).toBe("tab\\there\\rcr");
    expect(displayName("bell\u0007esc\u001bdel\u007fc1\u0085")).toBe("bell\\x07esc\\x1bdel\\x7fc1\\u0085");
  });

  it("doubles a literal backslash, so the file named `new\\nline.txt` differs from the one with a newline", () => {
    expect(displayName("new\\nline.txt")).toBe("new\\\\nline.txt");
    expect(displayName("new\\nline.txt")).not.toBe(displayName("new\nline.txt"));
  });

  it("keeps Unicode and ordinary names as they are", () => {
    expect(displayName("ünïcødé/файл 😀.txt")).toBe("ünïcødé/файл 😀.txt");
  });
});

describe("entryFromHeader keeps the stored name of an escaping entry", () => {
  it.each([
    ["../../escape.txt", "escape.txt"],
    ["/escape-abs.txt", "escape-abs.txt"],
    ["tricky/../../../escape-mid.txt", "escape-mid.txt"],
  ])("%j is indexed as %j and keeps its name", (name, path) => {
    const mapped = entryFromHeader({ ...header, name });
    expect(mapped).toMatchObject({ escaped: true, name, entry: { path } });
  });

  it("keeps a hard link's stored target", () => {
    const mapped = entryFromHeader({ ...header, name: "hard", type: "link", linkname: "../../etc/shadow" });
    expect(mapped).toMatchObject({ escaped: true, linkName: "../../etc/shadow", entry: { linkTarget: "etc/shadow" } });
  });
});

describe("escapeFindings", () => {
  it("reports nothing when no entry escaped", () => {
    expect(escapeFindings([{ layer: 0, count: 0, names: [] }])).toEqual([]);
  });

  it("lists each escaping entry as stored, with its layer, as a critical finding", () => {
    const [finding, ...rest] = escapeFindings([
      { layer: 0, count: 0, names: [] },
      {
        layer: 2,
        count: 3,
        names: [
          { path: "escape.txt", name: "../../escape.txt" },
          { path: "escape-abs.txt", name: "/escape-abs.txt" },
          { path: "a\nb", name: "../a\nb" },
        ],
      },
    ]);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ id: "path-escapes-root", severity: "critical", title: "Path escapes the image root", layers: [2] });
    expect(finding?.paths).toEqual([
      "../../escape.txt (layer 3, indexed as /escape.txt)",
      "/escape-abs.txt (layer 3, indexed as /escape-abs.txt)",
      "../a\\nb (layer 3, indexed as /a\\nb)",
    ]);
    expect(finding?.detail).toMatch(/^3 entries in 1 layer name a place outside the image root/);
  });

  it("says which layers were indexed before names were kept", () => {
    const [finding] = escapeFindings([{ layer: 0, count: 1, names: null }]);
    expect(finding?.detail).toMatch(/^1 entry in 1 layer/);
    expect(finding?.detail).toMatch(/Layer 1 was indexed before names were kept/);
  });
});

describe("indexLayerStream", () => {
  it("returns the escaping entries under their stored names, and where they are indexed", async () => {
    const tar = await makeTar([
      { name: "../../escape.txt", content: "x" },
      { name: "/escape-abs.txt", content: "x" },
      { name: "tricky/../../../escape-mid.txt", content: "x" },
      { name: "new\nline.txt", content: "x" },
      { name: "ok/evil-link", type: "link", linkname: "../../../etc/shadow" },
    ]);
    const result = await indexAll(tar);
    expect(result.escapedPaths).toBe(4);
    expect(result.escapedNames).toEqual([
      { path: "escape.txt", name: "../../escape.txt" },
      { path: "escape-abs.txt", name: "/escape-abs.txt" },
      { path: "escape-mid.txt", name: "tricky/../../../escape-mid.txt" },
      { path: "ok/evil-link", name: "ok/evil-link", linkName: "../../../etc/shadow" },
    ]);
  });
});
