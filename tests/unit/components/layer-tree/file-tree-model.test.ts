import { describe, expect, it } from "vitest";
import {
  ancestorPaths,
  buildFileTree,
  emptyViewText,
  expandPaths,
  expansionControls,
  fileTreeBody,
  formatMode,
  gridTemplateColumns,
  loadedEntries,
  loadStatusText,
  noMatchText,
  normalizePath,
  planReveal,
  rowCells,
  rowIndexOf,
  tableLabel,
  toggleExpanded,
  visibleRows,
  wantsNextPage,
} from "@/components/layer-tree/file-tree-model";
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

  it("toggles one directory and opens paths without closing the others", () => {
    const open = toggleExpanded(new Set(["etc"]), "usr");
    expect([...open].sort()).toEqual(["etc", "usr"]);
    expect([...toggleExpanded(open, "etc")]).toEqual(["usr"]);
    expect([...expandPaths(new Set(["etc"]), ["usr", "usr/lib", "etc"])].sort()).toEqual(["etc", "usr", "usr/lib"]);
  });

  it("expands every directory, collapses them all, and disables each when it would do nothing", () => {
    const none = expansionControls(tree, new Set());
    expect(none.canExpandAll).toBe(true);
    expect(none.canCollapseAll).toBe(false);
    expect(new Set(none.expandAll())).toEqual(new Set(tree.dirPaths));
    expect(expansionControls(tree, new Set(["usr"])).canCollapseAll).toBe(true);
    expect(expansionControls(tree, new Set(["usr"])).collapseAll().size).toBe(0);
    const flat = buildFileTree([item("a.txt", "file", 1)]);
    expect(expansionControls(flat, new Set()).canExpandAll).toBe(false);
  });

  it("reveals a directory once: opens the way to it, waits for unloaded paths, and opens nothing for the root", () => {
    expect(planReveal(tree, undefined, null)).toBeNull();
    expect(planReveal(tree, "/usr/lib/", null)).toEqual({ path: "usr/lib", open: ["usr", "usr/lib"] });
    expect(planReveal(tree, "usr/lib", "usr/lib")).toBeNull();
    // not loaded yet: a later page may bring it, so it is not remembered as revealed
    expect(planReveal(tree, "opt/app", null)).toBeNull();
    expect(planReveal(tree, "/", null)).toEqual({ path: "", open: [] });
    expect(planReveal(tree, "/", "")).toBeNull();
    const rows = visibleRows(tree, new Set(["usr", "usr/lib"]), "");
    expect(rowIndexOf(rows, "usr/lib/libc.so")).toBe(rows.findIndex((r) => r.node.name === "libc.so"));
    expect(rowIndexOf(rows, "usr/bin/sh")).toBe(-1);
  });

  it("fetches the next page back to back until the end or an error", () => {
    expect(wantsNextPage({ hasNextPage: true, isFetchingNextPage: false, isError: false })).toBe(true);
    expect(wantsNextPage({ hasNextPage: true, isFetchingNextPage: true, isError: false })).toBe(false);
    expect(wantsNextPage({ hasNextPage: true, isFetchingNextPage: false, isError: true })).toBe(false);
    expect(wantsNextPage({ hasNextPage: false, isFetchingNextPage: false, isError: false })).toBe(false);
  });

  it("picks the body: skeleton, error only without data, empty view, no match, rows", () => {
    const base = { isPending: false, isError: false, hasData: true, total: 6, rowCount: 3 };
    expect(fileTreeBody({ ...base, isPending: true })).toBe("loading");
    expect(fileTreeBody({ ...base, isError: true, hasData: false })).toBe("error");
    // a later page failed: the rows loaded so far stay
    expect(fileTreeBody({ ...base, isError: true })).toBe("rows");
    expect(fileTreeBody({ ...base, total: 0, rowCount: 0 })).toBe("empty");
    expect(fileTreeBody({ ...base, rowCount: 0 })).toBe("no-match");
    expect(fileTreeBody(base)).toBe("rows");
  });

  it("words the empty, no-match, table and status texts as before", () => {
    expect(emptyViewText({ layer: "sha256:x", changes: "only" })).toEqual({
      title: "This layer changes no files",
      body: "This layer's file system is empty.",
    });
    expect(emptyViewText({ layer: "merged", changes: "only" })).toEqual({
      title: "No files",
      body: "The merged file system of this image is empty.",
    });
    expect(emptyViewText({ layer: "sha256:x", changes: "all" }).title).toBe("No files");
    expect(noMatchText("Layer 3", "libc")).toBe("No path in the layer 3 contains “libc”.");
    expect(tableLabel("Merged file system")).toBe("Files of the merged file system");
    // usr, usr/bin, sh, usr/lib, libc.so, etc, passwd, ssl, app.txt
    expect(loadedEntries(tree)).toBe(9);
    expect(loadStatusText({ complete: true, total: 1234, loaded: 1234, filter: "", rowCount: 9 })).toBe("1,234 entries");
    expect(loadStatusText({ complete: true, total: 1, loaded: 1, filter: "x", rowCount: 1 })).toBe("1 entry · 1 row shown");
    expect(loadStatusText({ complete: false, total: 20000, loaded: 5000, filter: "x", rowCount: 0 })).toBe(
      "Loaded 5,000 of 20,000 entries…",
    );
    expect(gridTemplateColumns(false)).toBe("minmax(14rem, 1fr) 5.5rem 6.5rem 6.5rem minmax(7rem, 0.5fr)");
    expect(gridTemplateColumns(true)).toMatch(/ 4\.5rem$/);
  });

  it("describes a row's cells: escaped names, hover titles, mode, link target and layer", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const withLink = buildFileTree([
      { ...item("bin/sh", "symlink"), linkTarget: "busy\nbox", mode: 0o777 },
      { ...item("evil", "file", 3, "removed"), storedName: "../evil" },
    ]);
    const rows = visibleRows(withLink, new Set(["bin"]), "");
    const [bin, sh, evil] = rows;
    if (!bin || !sh || !evil) throw new Error("expected three rows");
    const position = (d: string) => (d === digest ? 2 : undefined);

    const dir = rowCells(bin, position);
    expect(dir).toMatchObject({ name: "bin", indentPx: 0, nameTitle: "/bin", mode: "—", layer: "—", linkTarget: null });
    expect(dir.sizeTitle).toBe("Bytes of the files under this directory");
    expect(dir.toggleTitle).toBeUndefined();

    const link = rowCells(sh, position);
    expect(link).toMatchObject({ name: "sh", indentPx: 16, mode: "lrwxrwxrwx", linkTitle: "busy\nbox", layer: "Layer 2" });
    expect(link.linkTarget).toBe("busy\\nbox");
    expect(link.sizeTitle).toBeUndefined();
    expect(link.layerTitle).toBe(digest);

    const escaped = rowCells(evil, () => undefined);
    expect(escaped).toMatchObject({ name: "../evil", escapesRoot: true, removed: true, layer: "—" });
    expect(escaped.nameTitle).toBe("stored as ../evil, indexed as /evil");

    const forced = visibleRows(tree, new Set(), "libc")[0];
    if (!forced) throw new Error("expected a forced row");
    expect(rowCells(forced, position).toggleTitle).toBe("Opened to show the paths that match the filter");
  });
});
