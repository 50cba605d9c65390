// Applies layers in order the way a container runtime unpacks them (OCI image-spec layer.md), keeping track of
// what each layer changed and which file versions end up hidden — the bytes a user pays for but never sees.
// In-memory by design: the service loads one image's entries (layer by layer, in manifest order) and merges.
import { comparePaths, type LayerEntry, parentPath } from "./entries";

export type LayerInput = { digest: string; entries: Iterable<LayerEntry> };

export type FinalEntry = { entry: LayerEntry; layer: number };

export type ChangeKind = "added" | "modified" | "removed";

/**
 * One path changed by one layer. For "removed" the entry is the version that was removed (what the user lost);
 * otherwise it is the layer's new version. `layer` is the index of the layer making the change.
 */
export type LayerChange = { path: string; change: ChangeKind; entry: LayerEntry; layer: number };

/** One regular-file version that a later entry replaced ("modified") or deleted ("removed"). */
export type SupersededVersion = { layer: number; bytes: number; by: number; how: "modified" | "removed" };

export type WastedPath = {
  path: string;
  /** Sum of the superseded versions' sizes. */
  bytes: number;
  /** Indices of the layers whose versions of this path were superseded, ascending, each once. */
  layers: number[];
  versions: SupersededVersion[];
};

export type MergedLayer = {
  digest: string;
  /** Entries the layer listed, whiteouts included. */
  entries: number;
  /** Bytes of every regular-file entry in the layer, whether or not it survives the merge. */
  fileBytes: number;
};

export type MergeResult = {
  /** The image's file tree: path → the entry that wins and the index of the layer it comes from. */
  final: Map<string, FinalEntry>;
  /**
   * Per layer, in layer order; one record per path, describing the layer's net effect on it, in the order the
   * layer first touched the path: opaque/whiteout removals (by path), then tar order, implied parents first.
   */
  changes: LayerChange[][];
  /** Per path, in the order the paths were first superseded. */
  wasted: WastedPath[];
  layers: MergedLayer[];
  /**
   * Entries a layer re-declared identically (sameVersion): no change record, yet their bytes are in that layer's
   * blob, so whatever counts written bytes (findings) counts these too. In layer order.
   */
  rewritten: { entry: LayerEntry; layer: number }[];
};

/** What a runtime creates for a directory that only appears as a parent (MkdirAll(path, 0755) as root). */
export function implicitDirEntry(path: string): LayerEntry {
  return { path, type: "dir", size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, whiteout: false, opaque: false };
}

/**
 * Semantics, per layer in order:
 * 1. Opaque markers: everything strictly under the directory that came from lower layers is removed.
 *    Whiteouts: the path and everything under it is removed; a whiteout for a missing path is ignored.
 *    Both only affect lower layers (the spec forbids them hiding entries of their own layer), so they run first.
 * 2. Regular entries in tar order: a missing path is "added", an existing one "modified". A directory entry that
 *    re-declares an existing directory with the same mode/uid/gid is no change (dive counts those; we don't).
 *    A non-directory replacing a directory removes what was under it, as runtimes do (RemoveAll before create).
 *    Missing parents are created as implicit directories (0755, root) attributed to the layer, with no change.
 * A file re-declared with the same content digest, size, mode and owner (or a link with the same target) is no
 * change either: "modified" means the content or the metadata differ, so a same-size rewrite is one and a copy
 * of identical bytes is not (its lower copy still counts as wasted). Files without digests (layers indexed
 * before digests were recorded) are always "modified" when re-declared: nothing proves them equal.
 * Records compare each touched path before and after the layer, so a path removed and re-created by the same
 * layer (opaque dir, then new files) is one "modified", and one added and removed again leaves no record.
 * Paths are lexical: a symlinked parent directory is not followed.
 *
 * Wasted bytes: each regular-file version leaves the tree at most once (replaced or removed), and is counted
 * then, so a version overwritten and later whited out is never counted twice (dive #684 double-counts it).
 * A file listed twice in one layer wastes its first copy, attributed to that same layer.
 */
export function mergeLayers(layers: readonly LayerInput[]): MergeResult {
  const final = new Map<string, FinalEntry>();
  // Directory path → paths of its children in `final`; "" is the root. Makes removing a subtree cost its size.
  const children = new Map<string, Set<string>>();
  const wastedByPath = new Map<string, WastedPath>();
  const allChanges: LayerChange[][] = [];
  const merged: MergedLayer[] = [];
  const rewritten: MergeResult["rewritten"] = [];

  const attach = (path: string) => {
    const parent = parentPath(path);
    let set = children.get(parent);
    if (!set) {
      set = new Set();
      children.set(parent, set);
    }
    set.add(path);
  };
  const detach = (path: string) => {
    const parent = parentPath(path);
    const set = children.get(parent);
    if (!set) return;
    set.delete(path);
    if (set.size === 0) children.delete(parent);
  };
  const supersede = (old: FinalEntry, path: string, by: number, how: SupersededVersion["how"]) => {
    if (old.entry.type !== "file" || old.entry.size === 0) return;
    let wasted = wastedByPath.get(path);
    if (!wasted) {
      wasted = { path, bytes: 0, layers: [], versions: [] };
      wastedByPath.set(path, wasted);
    }
    wasted.bytes += old.entry.size;
    wasted.versions.push({ layer: old.layer, bytes: old.entry.size, by, how });
    if (!wasted.layers.includes(old.layer)) {
      wasted.layers.push(old.layer);
      wasted.layers.sort((a, b) => a - b);
    }
  };

  layers.forEach((layer, index) => {
    // What each path touched by this layer looked like before it (null: absent), in first-touch order.
    // Change records are derived from before vs. after at the end, so a path removed and re-created, or added
    // and removed again, within one layer yields the one record that describes the net effect.
    const before = new Map<string, FinalEntry | null>();
    const touch = (path: string) => {
      if (!before.has(path)) before.set(path, final.get(path) ?? null);
    };
    // Directories this layer created only as parents: no record of their own when they are new.
    const implicitHere = new Set<string>();
    const opaques: LayerEntry[] = [];
    const whiteouts: LayerEntry[] = [];
    const regular: LayerEntry[] = [];
    let count = 0;
    let fileBytes = 0;
    for (const entry of layer.entries) {
      count++;
      if (entry.opaque) opaques.push(entry);
      else if (entry.whiteout) whiteouts.push(entry);
      else if (entry.path !== "") {
        regular.push(entry);
        if (entry.type === "file") fileBytes += entry.size;
      }
    }

    const put = (path: string, entry: LayerEntry, implicit: boolean) => {
      touch(path);
      const existing = final.get(path);
      if (existing) supersede(existing, path, index, "modified");
      else attach(path);
      final.set(path, { entry, layer: index });
      if (implicit) implicitHere.add(path);
      else implicitHere.delete(path);
    };
    /** Removes `path` and everything under it. */
    const removeSubtree = (path: string) => {
      const removed: string[] = [];
      const stack = [path];
      for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
        const below = children.get(p);
        if (below) {
          // A loop, not push(...below): spreading a directory of 100k+ children overflows the call stack.
          for (const child of below) stack.push(child);
          children.delete(p);
        }
        const old = final.get(p);
        if (!old) continue;
        removed.push(p);
        implicitHere.delete(p);
        supersede(old, p, index, "removed");
      }
      // Touched in path order so the records come out in a stable order whatever the tar order was.
      removed.sort(comparePaths);
      for (const p of removed) {
        touch(p);
        final.delete(p);
      }
      detach(path);
    };
    const removeChildren = (dir: string) => {
      const below = children.get(dir);
      if (!below) return;
      for (const child of [...below].sort(comparePaths)) removeSubtree(child);
    };
    const ensureParents = (path: string) => {
      const missing: string[] = [];
      for (let dir = parentPath(path); dir !== "" && !final.has(dir); dir = parentPath(dir)) missing.push(dir);
      for (const dir of missing.reverse()) put(dir, implicitDirEntry(dir), true);
    };

    // Ancestors first, so a deeper marker's directory is not wiped by a shallower marker processed after it.
    opaques.sort((a, b) => comparePaths(a.path, b.path));
    for (const marker of opaques) {
      removeChildren(marker.path);
      if (marker.path === "") continue;
      const existing = final.get(marker.path);
      if (!existing) {
        ensureParents(marker.path);
        put(marker.path, implicitDirEntry(marker.path), true);
      } else if (existing.entry.type !== "dir") {
        // A lower layer had a file where this layer has a directory.
        put(marker.path, implicitDirEntry(marker.path), true);
      }
    }
    for (const whiteout of whiteouts) {
      if (final.has(whiteout.path)) removeSubtree(whiteout.path);
    }

    for (const entry of regular) {
      const existing = final.get(entry.path);
      if (!existing) {
        ensureParents(entry.path);
      } else if (existing.entry.type === "dir") {
        if (entry.type === "dir" && !implicitHere.has(entry.path) && sameDirAttributes(existing.entry, entry)) continue;
        if (entry.type !== "dir") removeChildren(entry.path);
      }
      put(entry.path, entry, false);
    }

    const changes: LayerChange[] = [];
    for (const [path, old] of before) {
      const now = final.get(path) ?? null;
      if (old === null) {
        if (now !== null && !implicitHere.has(path)) changes.push({ path, change: "added", entry: now.entry, layer: index });
      } else if (now === null) {
        changes.push({ path, change: "removed", entry: old.entry, layer: index });
      } else if (now !== old) {
        if (!sameVersion(old.entry, now.entry)) changes.push({ path, change: "modified", entry: now.entry, layer: index });
        else if (now.entry.type !== "dir") rewritten.push({ entry: now.entry, layer: index });
      }
    }
    allChanges.push(changes);
    merged.push({ digest: layer.digest, entries: count, fileBytes });
  });

  return { final, changes: allChanges, wasted: [...wastedByPath.values()], layers: merged, rewritten };
}

/** Whether a path's version after a layer is, for the user, the one it had before (see mergeLayers). */
export function sameVersion(a: LayerEntry, b: LayerEntry): boolean {
  if (a.type !== b.type || !sameDirAttributes(a, b)) return false;
  switch (a.type) {
    case "dir":
      return true;
    case "file":
      return a.size === b.size && a.contentDigest != null && a.contentDigest === b.contentDigest;
    case "symlink":
    case "hardlink":
      return a.linkTarget === b.linkTarget;
    default:
      // devices and fifos: their major/minor numbers are not indexed, so equality cannot be shown
      return false;
  }
}

function sameDirAttributes(a: LayerEntry, b: LayerEntry): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
}
