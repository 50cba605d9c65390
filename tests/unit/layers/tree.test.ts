import { describe, expect, it } from "vitest";
import { comparePaths } from "../../../lib/layers/entries";
import { mergeLayers } from "../../../lib/layers/merge";
import { directorySizes, largestFiles, listDirectory } from "../../../lib/layers/tree";
import { dir, entry, file, whiteout } from "./fixtures";

const entries = [
  dir("a"),
  file("a/b.txt", 5),
  file("a/b/c.bin", 100),
  file("a/b/d/e.bin", 40),
  entry("a/link", { type: "symlink", linkTarget: "b" }),
  file("top.txt", 7),
  file("x/y/z.txt", 3), // x and x/y exist only as parents
];

describe("directorySizes", () => {
  it("sums regular-file bytes into every ancestor, implicit directories included", () => {
    const sizes = directorySizes([...entries, whiteout("gone")]);
    expect(Object.fromEntries(sizes)).toEqual({
      "": 155,
      a: 145,
      "a/b": 140,
      "a/b/d": 40,
      x: 3,
      "x/y": 3,
    });
  });
});

describe("listDirectory", () => {
  const sorted = [...entries].sort((p, q) => comparePaths(p.path, q.path));

  it("lists the root's children, directories first, with aggregated sizes and implicit directories", () => {
    const root = listDirectory(sorted, "");
    expect(root.map((c) => [c.name, c.type, c.size, c.descendants, c.item === null])).toEqual([
      // descendants counts listed entries only: a/b and a/b/d, x/y are implied, not listed
      ["a", "dir", 145, 4, false],
      ["x", "dir", 3, 1, true],
      ["top.txt", "file", 7, 0, false],
    ]);
  });

  it("lists a nested directory, not confusing a/b.txt (which sorts between a/b and a/b/…) with a/b's subtree", () => {
    expect(listDirectory(sorted, "a").map((c) => [c.path, c.type, c.size])).toEqual([
      ["a/b", "dir", 140],
      ["a/b.txt", "file", 5],
      ["a/link", "symlink", 0],
    ]);
    expect(listDirectory(sorted, "a/b").map((c) => c.name)).toEqual(["d", "c.bin"]);
    expect(listDirectory(sorted, "missing")).toEqual([]);
  });

  it("works on merged rows that carry their layer", () => {
    const merge = mergeLayers([{ digest: "l0", entries }]);
    const rows = [...merge.final].map(([path, f]) => ({ path, type: f.entry.type, size: f.entry.size, layer: f.layer }));
    rows.sort((p, q) => comparePaths(p.path, q.path));
    const x = listDirectory(rows, "x");
    expect(x).toEqual([
      { name: "y", path: "x/y", type: "dir", size: 3, descendants: 1, item: { path: "x/y", type: "dir", size: 0, layer: 0 } },
    ]);
  });
});

describe("largestFiles", () => {
  it("returns the n largest regular files of the merged tree with their layer", () => {
    const merge = mergeLayers([
      { digest: "l0", entries },
      { digest: "l1", entries: [file("top.txt", 500), whiteout("a/b")] },
    ]);
    expect(largestFiles(merge.final, 2).map((f) => [f.path, f.size, f.layer])).toEqual([
      ["top.txt", 500, 1],
      ["a/b.txt", 5, 0],
    ]);
    expect(largestFiles(merge.final, 0)).toEqual([]);
  });
});
