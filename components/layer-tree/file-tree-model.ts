// The file tree of one view, built from a flat (recursive) listing, and the rows it shows. Pure: no React.
import type { FileEntryType, FileItem } from "@/lib/queries";

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
