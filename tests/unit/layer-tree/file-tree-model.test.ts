import { describe, expect, it } from "vitest";
import { ancestorPaths, buildFileTree, formatMode, normalizePath, visibleRows } from "@/components/layer-tree/file-tree-model";
import type { FileItem } from "@/lib/queries";

const item = (path: string, type: FileItem["type"], sizeBytes = 0, change: FileItem["change"] = "added"): FileItem => ({
  path,
  type,
  sizeBytes,
  mode: type === "dir" ? 0o755 : 0o644,
  linkTarget: null,
  change,
  layer: `sha256:${"a".repeat(64)}`,
});

const names = (rows: ReturnType<typeof visibleRows>) =>
  rows.map((r) => `${"  ".repeat(r.node.depth - 1)}${r.node.name}${r.open ? "/" : ""}`);

describe("file tree model", () => {
  const tree = buildFileTree([
    item("./usr/", "dir", 1500),
    item("usr/bin/sh", "file", 1000),
    item("usr/lib/libc.so", "file", 500),
    item("etc/passwd", "file", 30), // etc/ is implied, not listed
    item("/app.txt", "file", 7),
    item("etc/ssl/", "dir", 0),
  ]);

  it("normalizes paths and lists the ancestors to open", () => {
    expect(normalizePath("./usr/bin/")).toBe("usr/bin");
    expect(normalizePath("/")).toBe("");
    expect(ancestorPaths("usr/lib/x")).toEqual(["usr", "usr/lib"]);
    expect(ancestorPaths("x")).toEqual([]);
  });

  it("creates implied directories, sums their sizes, and keeps a listed directory's own size", () => {
    expect(tree.byPath.get("etc")?.entry).toBeNull();
    expect(tree.byPath.get("etc")?.sizeBytes).toBe(30);
    expect(tree.byPath.get("usr/lib")?.sizeBytes).toBe(500);
    // listed directories carry the size the API computed for the whole tree
    expect(tree.byPath.get("usr")?.sizeBytes).toBe(1500);
    expect(tree.root.sizeBytes).toBe(1500 + 30 + 7);
    expect(new Set(tree.dirPaths)).toEqual(new Set(["usr", "usr/bin", "usr/lib", "etc", "etc/ssl"]));
  });

  it("shows directories before files, each sorted by name, and only the children of open directories", () => {
    expect(names(visibleRows(tree, new Set(), ""))).toEqual(["etc", "usr", "app.txt"]);
    expect(names(visibleRows(tree, new Set(["etc", "usr", "usr/bin"]), ""))).toEqual([
      "etc/",
      "  ssl",
      "  passwd",
      "usr/",
      "  bin/",
      "    sh",
      "  lib",
      "app.txt",
    ]);
  });

  it("filters case-insensitively, forcing open every directory above a match", () => {
    const rows = visibleRows(tree, new Set(), "LIBC");
    expect(names(rows)).toEqual(["usr/", "  lib/", "    libc.so"]);
    expect(rows.filter((r) => r.forced).map((r) => r.node.path)).toEqual(["usr", "usr/lib"]);
    // a matching directory shows whole when the user opens it
    expect(names(visibleRows(tree, new Set(["etc"]), "etc"))).toEqual(["etc/", "  ssl", "  passwd"]);
    expect(visibleRows(tree, new Set(), "nothing-matches")).toEqual([]);
  });

  it("formats modes like ls -l, special bits included", () => {
    expect(formatMode("dir", 0o755)).toBe("drwxr-xr-x");
    expect(formatMode("file", 0o644)).toBe("-rw-r--r--");
    expect(formatMode("file", 0o4755)).toBe("-rwsr-xr-x");
    expect(formatMode("file", 0o2644)).toBe("-rw-r-Sr--");
    expect(formatMode("dir", 0o1777)).toBe("drwxrwxrwt");
    expect(formatMode("symlink", 0o777)).toBe("lrwxrwxrwx");
  });
});
