// The file tree of one view, built from a flat (recursive) listing, and the rows it shows. Pure: no React.
import { formatCount, pluralize } from "@/components/ui/format";
import { displayName } from "@/lib/layers/entries";
import type { FileEntryType, FileItem, FileView } from "@/lib/queries";

export type TreeNode = {
  path: string;
  name: string;
  depth: number;
  parent: TreeNode | null;
  /** null: a directory the listing implies but doesn't list (a layer's changes only list what changed). */
  entry: FileItem | null;
  isDir: boolean;
  /** Files: their bytes; directories: the bytes under them. */
  sizeBytes: number;
  children: TreeNode[];
};

export type FileTree = { root: TreeNode; byPath: Map<string, TreeNode>; dirPaths: string[] };

/** "/usr/bin/", "./usr/bin" → "usr/bin"; the root is "". */
export function normalizePath(path: string): string {
  return path.replace(/^(?:\.?\/)+/, "").replace(/\/+$/, "");
}

export function parentPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** "usr/lib/x" → ["usr", "usr/lib"]: the directories to open to show it. */
export function ancestorPaths(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

function byDirThenName(a: TreeNode, b: TreeNode): number {
  if (a.isDir !== b.isDir) return a.isDir ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function buildFileTree(items: readonly FileItem[]): FileTree {
  const root: TreeNode = { path: "", name: "/", depth: 0, parent: null, entry: null, isDir: true, sizeBytes: 0, children: [] };
  const byPath = new Map<string, TreeNode>([["", root]]);

  const ensureDir = (path: string): TreeNode => {
    const found = byPath.get(path);
    if (found) {
      found.isDir = true;
      return found;
    }
    const parent = ensureDir(parentPath(path));
    const node: TreeNode = {
      path,
      name: path.slice(path.lastIndexOf("/") + 1),
      depth: parent.depth + 1,
      parent,
      entry: null,
      isDir: true,
      sizeBytes: 0,
      children: [],
    };
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };

  for (const item of items) {
    const path = normalizePath(item.path);
    // the root itself (an opaque marker at the top of a layer) has no row
    if (path === "") continue;
    const existing = byPath.get(path);
    if (existing) {
      existing.entry = item;
      existing.isDir = item.type === "dir" || existing.children.length > 0;
      continue;
    }
    const parent = ensureDir(parentPath(path));
    const node: TreeNode = {
      path,
      name: path.slice(path.lastIndexOf("/") + 1),
      depth: parent.depth + 1,
      parent,
      entry: { ...item, path },
      isDir: item.type === "dir",
      sizeBytes: item.sizeBytes,
      children: [],
    };
    parent.children.push(node);
    byPath.set(path, node);
  }

  const dirPaths: string[] = [];
  const finish = (node: TreeNode): number => {
    if (!node.isDir) {
      node.sizeBytes = node.entry?.sizeBytes ?? 0;
      return node.sizeBytes;
    }
    node.children.sort(byDirThenName);
    let sum = 0;
    for (const child of node.children) sum += finish(child);
    if (node !== root) dirPaths.push(node.path);
    // a listed directory carries the bytes under it (of the whole tree, not only what the listing holds)
    node.sizeBytes = node.entry?.type === "dir" ? node.entry.sizeBytes : sum;
    return node.sizeBytes;
  };
  finish(root);
  return { root, byPath, dirPaths };
}

export type TreeRow = {
  node: TreeNode;
  open: boolean;
  /** Opened by the filter, to show a match under it: the user can't close it while filtering. */
  forced: boolean;
};

/**
 * The rows on screen, top to bottom. Without a filter, open directories show their children; with one,
 * the entries whose path contains it (case-insensitive) show with every directory above them.
 */
export function visibleRows(tree: FileTree, expanded: ReadonlySet<string>, filter: string): TreeRow[] {
  const out: TreeRow[] = [];
  const q = filter.trim().toLowerCase();

  const walkAll = (node: TreeNode) => {
    for (const child of node.children) {
      const open = child.isDir && expanded.has(child.path);
      out.push({ node: child, open, forced: false });
      if (open) walkAll(child);
    }
  };
  if (!q) {
    walkAll(tree.root);
    return out;
  }

  const matched = new Set<TreeNode>();
  const aboveMatch = new Set<TreeNode>();
  for (const node of tree.byPath.values()) {
    if (node === tree.root || !node.path.toLowerCase().includes(q)) continue;
    matched.add(node);
    for (let p = node.parent; p && p !== tree.root && !aboveMatch.has(p); p = p.parent) aboveMatch.add(p);
  }
  const walkFiltered = (node: TreeNode) => {
    for (const child of node.children) {
      if (aboveMatch.has(child)) {
        out.push({ node: child, open: true, forced: true });
        walkFiltered(child);
      } else if (matched.has(child)) {
        const open = child.isDir && expanded.has(child.path);
        out.push({ node: child, open, forced: false });
        if (open) walkAll(child);
      }
    }
  };
  walkFiltered(tree.root);
  return out;
}

const TYPE_CHAR: Record<FileEntryType, string> = {
  file: "-",
  hardlink: "-",
  dir: "d",
  symlink: "l",
  char: "c",
  block: "b",
  fifo: "p",
  other: "?",
};

/** `ls -l` style: ("dir", 0o755) → "drwxr-xr-x"; setuid/setgid/sticky as s/S and t/T. */
export function formatMode(type: FileEntryType, mode: number): string {
  const m = mode & 0o7777;
  const triplet = (shift: number, special: number, specialChar: string) => {
    const r = m & (0o4 << shift) ? "r" : "-";
    const w = m & (0o2 << shift) ? "w" : "-";
    const x = (m & (0o1 << shift)) !== 0;
    const s = (m & special) !== 0;
    return r + w + (s ? (x ? specialChar : specialChar.toUpperCase()) : x ? "x" : "-");
  };
  return TYPE_CHAR[type] + triplet(6, 0o4000, "s") + triplet(3, 0o2000, "s") + triplet(0, 0o1000, "t");
}

// ---- What the FileTree view decides: expansion, reveal, which body shows, labels of the rows ----

/** The open set after a click on a directory's disclosure button. */
export function toggleExpanded(expanded: ReadonlySet<string>, path: string): ReadonlySet<string> {
  const next = new Set(expanded);
  if (!next.delete(path)) next.add(path);
  return next;
}

/** The open set with `paths` opened too. */
export function expandPaths(expanded: ReadonlySet<string>, paths: readonly string[]): ReadonlySet<string> {
  return new Set([...expanded, ...paths]);
}

/** "Expand all" opens every directory; "Collapse all" closes them; each is disabled when it would change nothing. */
export function expansionControls(tree: FileTree, expanded: ReadonlySet<string>) {
  return {
    expandAll: (): ReadonlySet<string> => new Set(tree.dirPaths),
    collapseAll: (): ReadonlySet<string> => new Set(),
    canExpandAll: tree.dirPaths.length > 0,
    canCollapseAll: expanded.size > 0,
  };
}

/**
 * Opening a directory from the treemap. null: nothing to do (no request, already revealed, or not loaded yet, so
 * a later page may bring it). Otherwise remember `path` as revealed and open `open` (the way to it and itself);
 * the root opens nothing.
 */
export function planReveal(
  tree: FileTree,
  reveal: string | undefined,
  lastRevealed: string | null,
): { path: string; open: string[] } | null {
  if (reveal === undefined) return null;
  const path = normalizePath(reveal);
  if (lastRevealed === path || (path !== "" && !tree.byPath.has(path))) return null;
  return { path, open: path === "" ? [] : [...ancestorPaths(path), path] };
}

/** Where the row of `path` is on screen, -1 when it isn't (yet). */
export function rowIndexOf(rows: readonly TreeRow[], path: string): number {
  return rows.findIndex((r) => r.node.path === path);
}

/** The tree needs every entry (directory sizes, expand all), so pages are fetched back to back, stopping at an error. */
export function wantsNextPage(list: { hasNextPage: boolean; isFetchingNextPage: boolean; isError: boolean }): boolean {
  return list.hasNextPage && !list.isFetchingNextPage && !list.isError;
}

export function isMergedView(view: FileView): boolean {
  return view.layer === "merged";
}

/** The columns: name, size, mode, change, link target, and the layer an entry comes from in the merged view. */
export function gridTemplateColumns(merged: boolean): string {
  return `minmax(14rem, 1fr) 5.5rem 6.5rem 6.5rem minmax(7rem, 0.5fr)${merged ? " 4.5rem" : ""}`;
}

export type FileTreeBody = "loading" | "error" | "empty" | "no-match" | "rows";

/** What shows below the toolbar; a failed later page keeps the rows loaded so far. */
export function fileTreeBody(state: {
  isPending: boolean;
  isError: boolean;
  hasData: boolean;
  total: number;
  rowCount: number;
}): FileTreeBody {
  if (state.isPending) return "loading";
  if (state.isError && !state.hasData) return "error";
  if (state.total === 0) return "empty";
  if (state.rowCount === 0) return "no-match";
  return "rows";
}

export function loadErrorTitle(viewLabel: string): string {
  return `Couldn't load the files of the ${viewLabel.toLowerCase()}`;
}

export function emptyViewText(view: FileView): { title: string; body: string } {
  const merged = isMergedView(view);
  return {
    title: view.changes === "only" && !merged ? "This layer changes no files" : "No files",
    body: merged ? "The merged file system of this image is empty." : "This layer's file system is empty.",
  };
}

export function noMatchText(viewLabel: string, filter: string): string {
  return `No path in the ${viewLabel.toLowerCase()} contains “${filter}”.`;
}

export function tableLabel(viewLabel: string): string {
  return `Files of the ${viewLabel.toLowerCase()}`;
}

/** The line under the table: entries (and rows shown by the filter) once loaded, progress before. */
export function loadStatusText(state: {
  complete: boolean;
  total: number;
  /** Entries in the tree so far, the root not counted. */
  loaded: number;
  filter: string;
  rowCount: number;
}): string {
  return state.complete
    ? `${pluralize(state.total, "entry", "entries")}${state.filter ? ` · ${pluralize(state.rowCount, "row")} shown` : ""}`
    : `Loaded ${formatCount(state.loaded)} of ${formatCount(state.total)} entries…`;
}

/** Entries in the tree, the root not counted. */
export function loadedEntries(tree: FileTree): number {
  return tree.byPath.size - 1;
}

/** The text and hover titles of one row's cells (the view adds icons, the change badge and bytes). */
export type RowCells = {
  /** As stored: control characters escaped. */
  name: string;
  removed: boolean;
  /** An entry that escaped the root under its own name (its stored name differs from the indexed path). */
  escapesRoot: boolean;
  indentPx: number;
  nameTitle: string;
  /** The disclosure button's title: a directory opened by the filter can't be closed. */
  toggleTitle: string | undefined;
  sizeTitle: string | undefined;
  mode: string;
  linkTarget: string | null;
  linkTitle: string | undefined;
  layer: string;
  layerTitle: string | undefined;
};

export function rowCells(row: TreeRow, layerPosition: (digest: string) => number | undefined): RowCells {
  const { node, forced } = row;
  const entry = node.entry;
  const escapesRoot = entry?.storedName !== undefined;
  const position = entry ? layerPosition(entry.layer) : undefined;
  return {
    name: displayName(entry?.storedName ?? node.name),
    removed: entry?.change === "removed",
    escapesRoot,
    indentPx: (node.depth - 1) * 16,
    nameTitle: escapesRoot
      ? `stored as ${displayName(entry?.storedName ?? "")}, indexed as /${displayName(node.path)}`
      : `/${displayName(node.path)}`,
    toggleTitle: forced ? "Opened to show the paths that match the filter" : undefined,
    sizeTitle: node.isDir ? "Bytes of the files under this directory" : undefined,
    mode: entry ? formatMode(entry.type, entry.mode) : "—",
    linkTarget: entry?.linkTarget ? displayName(entry.linkTarget) : null,
    linkTitle: entry?.linkTarget ?? undefined,
    layer: position !== undefined ? `Layer ${position}` : "—",
    layerTitle: entry?.layer,
  };
}
