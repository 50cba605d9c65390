import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { efficiency } from "../../../lib/layers/efficiency";
import type { LayerEntry } from "../../../lib/layers/entries";
import { type FinalEntry, implicitDirEntry, type LayerChange, mergeLayers } from "../../../lib/layers/merge";
import { dir, entry, file, opaque, whiteout } from "./fixtures";

const summary = (changes: LayerChange[]) => changes.map((c) => [c.change, c.path, c.entry.size]);
const finalSummary = (final: Map<string, FinalEntry>) =>
  Object.fromEntries([...final].map(([path, f]) => [path, [f.entry.type, f.entry.size, f.layer]] as const));

describe("mergeLayers: a hand-computed three-layer image", () => {
  const layer0 = [
    dir("etc"),
    file("etc/passwd", 100),
    file("etc/motd", 50),
    dir("var"),
    file("var/cache/app/a.bin", 1000),
    file("var/cache/app/b.bin", 2000),
    file("var/cache/app/sub/c.bin", 300),
    file("usr/bin/tool", 5000),
    file("tmp/build.log", 700),
  ];
  const layer1 = [
    file("var/cache/app/b.bin", 250),
    whiteout("etc/motd"),
    opaque("var/cache/app"),
    whiteout("etc/nonexistent"),
    file("usr/bin/tool", 6000),
    dir("etc"), // same mode/uid/gid as in layer 0: no change
    dir("usr", { mode: 0o700 }), // usr was implicit (0755) in layer 0: a real change
    file("opt/app/server.js", 400),
  ];
  const layer2 = [whiteout("usr/bin"), file("etc/passwd", 120), whiteout("tmp/build.log"), file("etc/passwd", 130)];
  const merge = mergeLayers([
    { digest: "sha256:l0", entries: layer0 },
    { digest: "sha256:l1", entries: layer1 },
    { digest: "sha256:l2", entries: layer2 },
  ]);

  it("builds the final tree, with implicit parents attributed to the layer that implied them", () => {
    expect(finalSummary(merge.final)).toEqual({
      etc: ["dir", 0, 0],
      "etc/passwd": ["file", 130, 2], // 100 (L0) → 120 (L2) → 130 (L2, listed twice in the same tar)
      var: ["dir", 0, 0],
      "var/cache": ["dir", 0, 0], // implicit in L0
      "var/cache/app": ["dir", 0, 0], // implicit in L0; the L1 opaque marker empties it but keeps it
      "var/cache/app/b.bin": ["file", 250, 1], // the only file the opaque dir has after L1
      usr: ["dir", 0, 1], // re-declared 0700 in L1; usr/bin is whited out in L2
      tmp: ["dir", 0, 0], // implicit in L0; only its file is whited out
      opt: ["dir", 0, 1],
      "opt/app": ["dir", 0, 1],
      "opt/app/server.js": ["file", 400, 1],
    });
    expect(merge.final.get("var/cache")?.entry).toEqual(implicitDirEntry("var/cache"));
    expect(merge.final.get("usr")?.entry.mode).toBe(0o700);
  });

  it("records per-layer changes: removals first, re-creation folded into one modification, re-declared dirs skipped", () => {
    // L0: only the explicit entries, in tar order (implicit parents have no record).
    expect(summary(merge.changes[0] ?? [])).toEqual([
      ["added", "etc", 0],
      ["added", "etc/passwd", 100],
      ["added", "etc/motd", 50],
      ["added", "var", 0],
      ["added", "var/cache/app/a.bin", 1000],
      ["added", "var/cache/app/b.bin", 2000],
      ["added", "var/cache/app/sub/c.bin", 300],
      ["added", "usr/bin/tool", 5000],
      ["added", "tmp/build.log", 700],
    ]);
    // L1: the opaque marker removes everything under var/cache/app (sorted by path), then the whiteout removes
    // etc/motd; b.bin is re-created by the same layer, so its "removed" becomes "modified" in place; the
    // whiteout of a missing path and the unchanged "etc" leave no record.
    expect(summary(merge.changes[1] ?? [])).toEqual([
      ["removed", "var/cache/app/a.bin", 1000],
      ["modified", "var/cache/app/b.bin", 250],
      ["removed", "var/cache/app/sub", 0],
      ["removed", "var/cache/app/sub/c.bin", 300],
      ["removed", "etc/motd", 50],
      ["modified", "usr/bin/tool", 6000],
      ["modified", "usr", 0],
      ["added", "opt/app/server.js", 400],
    ]);
    // L2: the usr/bin whiteout takes its subtree; etc/passwd changes twice in one tar but is one modification.
    expect(summary(merge.changes[2] ?? [])).toEqual([
      ["removed", "usr/bin", 0],
      ["removed", "usr/bin/tool", 6000],
      ["removed", "tmp/build.log", 700],
      ["modified", "etc/passwd", 130],
    ]);
  });

  it("counts every superseded version exactly once", () => {
    // a.bin 1000, b.bin 2000, c.bin 300 (opaque, L1); motd 50 (whiteout, L1);
    // tool 5000 (overwritten in L1) + 6000 (the L1 version, whited out with usr/bin in L2) — the L0 version is
    //   not counted again when L2 removes the path (dive #684 would);
    // passwd 100 (L0, overwritten in L2) + 120 (L2's first copy, overwritten by L2's second); build.log 700.
    const byPath = Object.fromEntries(merge.wasted.map((w) => [w.path, [w.bytes, w.layers]] as const));
    expect(byPath).toEqual({
      "var/cache/app/a.bin": [1000, [0]],
      "var/cache/app/b.bin": [2000, [0]],
      "var/cache/app/sub/c.bin": [300, [0]],
      "etc/motd": [50, [0]],
      "usr/bin/tool": [11000, [0, 1]],
      "tmp/build.log": [700, [0]],
      "etc/passwd": [220, [0, 2]],
    });
    expect(merge.wasted.find((w) => w.path === "usr/bin/tool")?.versions).toEqual([
      { layer: 0, bytes: 5000, by: 1, how: "modified" },
      { layer: 1, bytes: 6000, by: 2, how: "removed" },
    ]);
  });

  it("adds up: total 16050 = final 780 + wasted 15270", () => {
    // total: L0 100+50+1000+2000+300+5000+700 = 9150, L1 250+6000+400 = 6650, L2 120+130 = 250 → 16050.
    // final: passwd 130 + b.bin 250 + server.js 400 = 780. wasted: 1000+2000+300+50+11000+700+220 = 15270.
    const report = efficiency(merge);
    expect(merge.layers).toEqual([
      { digest: "sha256:l0", entries: 9, fileBytes: 9150 },
      { digest: "sha256:l1", entries: 8, fileBytes: 6650 },
      { digest: "sha256:l2", entries: 4, fileBytes: 250 },
    ]);
    expect(report).toMatchObject({ totalBytes: 16050, finalBytes: 780, wastedBytes: 15270 });
    expect(report.totalBytes).toBe(report.finalBytes + report.wastedBytes);
    expect(report.efficiency).toBeCloseTo(780 / 16050, 12);
    expect(report.wasted.map((w) => w.path).slice(0, 3)).toEqual(["usr/bin/tool", "var/cache/app/b.bin", "var/cache/app/a.bin"]);
  });
});

describe("mergeLayers: edge cases", () => {
  it("replaces a directory by a file (its subtree goes) and a file by a directory", () => {
    const merge = mergeLayers([
      { digest: "a", entries: [dir("x"), file("x/1", 10), file("x/y/2", 20), file("f", 5)] },
      { digest: "b", entries: [file("x", 1), dir("f")] },
    ]);
    expect(finalSummary(merge.final)).toEqual({ x: ["file", 1, 1], f: ["dir", 0, 1] });
    expect(summary(merge.changes[1] ?? [])).toEqual([
      ["removed", "x/1", 10],
      ["removed", "x/y", 0],
      ["removed", "x/y/2", 20],
      ["modified", "x", 1],
      ["modified", "f", 0],
    ]);
    expect(efficiency(merge)).toMatchObject({ totalBytes: 36, finalBytes: 1, wastedBytes: 35 });
  });

  it("records an explicit directory listed after its implied children as added, and nothing for a same-layer add+remove", () => {
    const merge = mergeLayers([{ digest: "a", entries: [file("d/child", 3), dir("d", { mode: 0o750 }), file("e/tmp", 4), file("e", 9)] }]);
    // e/tmp was added, then removed when "e" became a file in the same tar: no record for it at all.
    // "d" is first touched as d/child's implied parent, so its record comes first, carrying the explicit entry.
    expect(summary(merge.changes[0] ?? [])).toEqual([
      ["added", "d", 0],
      ["added", "d/child", 3],
      ["added", "e", 9],
    ]);
    expect(merge.final.get("d")?.entry.mode).toBe(0o750);
    expect(efficiency(merge)).toMatchObject({ totalBytes: 16, finalBytes: 12, wastedBytes: 4 });
  });

  it("ignores a re-declared directory with the same attributes but records an attribute change", () => {
    const merge = mergeLayers([
      { digest: "a", entries: [dir("srv", { uid: 1000 })] },
      { digest: "b", entries: [dir("srv", { uid: 1000 })] },
      { digest: "c", entries: [dir("srv", { uid: 0 })] },
    ]);
    expect(merge.changes.map((c) => c.length)).toEqual([1, 0, 1]);
    expect(merge.final.get("srv")?.layer).toBe(2);
  });

  it("treats an opaque marker at the root as hiding every lower file", () => {
    const merge = mergeLayers([
      { digest: "a", entries: [file("a", 1), file("b/c", 2)] },
      { digest: "b", entries: [opaque(""), file("z", 3)] },
    ]);
    expect([...merge.final.keys()]).toEqual(["z"]);
    expect(efficiency(merge)).toMatchObject({ totalBytes: 6, finalBytes: 3, wastedBytes: 3 });
  });

  it("keeps a directory that is opaque and re-created with the same attributes out of the change list", () => {
    const merge = mergeLayers([
      { digest: "a", entries: [dir("app"), dir("app/lib"), file("app/lib/x.js", 7)] },
      { digest: "b", entries: [opaque("app"), dir("app/lib"), file("app/lib/y.js", 8)] },
    ]);
    expect(summary(merge.changes[1] ?? [])).toEqual([
      ["removed", "app/lib/x.js", 7],
      ["added", "app/lib/y.js", 8],
    ]);
    expect(merge.final.get("app/lib")?.layer).toBe(1);
  });

  it("handles a directory with 100,000 children without overflowing the stack", () => {
    const big = Array.from({ length: 100_000 }, (_, i) => file(`big/f${i}`, 1));
    const merge = mergeLayers([
      { digest: "a", entries: big },
      { digest: "b", entries: [whiteout("big")] },
    ]);
    expect(merge.final.size).toBe(0);
    expect(merge.changes[1]?.length).toBe(100_001);
    expect(efficiency(merge)).toMatchObject({ totalBytes: 100_000, wastedBytes: 100_000, efficiency: 0 });
  });

  it("reports efficiency 1 for an image without file content", () => {
    expect(efficiency(mergeLayers([]))).toEqual({ totalBytes: 0, finalBytes: 0, wastedBytes: 0, efficiency: 1, wasted: [] });
  });
});

// ---- property test against a naive reference ------------------------------------------------------------

type RefTree = Map<string, FinalEntry>;

/**
 * The OCI rules written as plainly as possible: whole-map prefix scans, no child index, no change records.
 * Returns the final tree, the total and wasted bytes, and the set of paths after each layer.
 */
function referenceMerge(layers: LayerEntry[][]) {
  const tree: RefTree = new Map();
  let total = 0;
  let wasted = 0;
  const snapshots: Set<string>[] = [];
  const under = (path: string, root: string) => (root === "" ? path !== "" : path.startsWith(`${root}/`));
  const drop = (path: string) => {
    const old = tree.get(path);
    if (old?.entry.type === "file") wasted += old.entry.size;
    tree.delete(path);
  };
  layers.forEach((entries, index) => {
    const implicit = new Set<string>();
    const makeParents = (path: string) => {
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const p = parts.slice(0, i).join("/");
        if (!tree.has(p)) {
          tree.set(p, { entry: implicitDirEntry(p), layer: index });
          implicit.add(p);
        }
      }
    };
    for (const e of entries) if (!e.whiteout && !e.opaque && e.type === "file") total += e.size;
    const opaques = entries.filter((e) => e.opaque).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const o of opaques) {
      for (const p of [...tree.keys()]) if (under(p, o.path)) drop(p);
      if (o.path === "") continue;
      const old = tree.get(o.path);
      if (!old) {
        makeParents(o.path);
        tree.set(o.path, { entry: implicitDirEntry(o.path), layer: index });
        implicit.add(o.path);
      } else if (old.entry.type !== "dir") {
        drop(o.path);
        tree.set(o.path, { entry: implicitDirEntry(o.path), layer: index });
      }
    }
    for (const w of entries.filter((e) => e.whiteout)) {
      if (!tree.has(w.path)) continue;
      for (const p of [...tree.keys()]) if (p === w.path || under(p, w.path)) drop(p);
    }
    for (const e of entries.filter((x) => !x.whiteout && !x.opaque)) {
      const old = tree.get(e.path);
      const same =
        old &&
        old.entry.type === "dir" &&
        e.type === "dir" &&
        old.entry.mode === e.mode &&
        old.entry.uid === e.uid &&
        old.entry.gid === e.gid;
      if (same && !implicit.has(e.path)) continue;
      if (old?.entry.type === "dir" && e.type !== "dir") for (const p of [...tree.keys()]) if (under(p, e.path)) drop(p);
      if (old) drop(e.path);
      else makeParents(e.path);
      implicit.delete(e.path);
      tree.set(e.path, { entry: e, layer: index });
    }
    snapshots.push(new Set(tree.keys()));
  });
  return { tree, total, wasted, snapshots };
}

const pathArb = fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 3 }).map((segments) => segments.join("/"));
const entryArb: fc.Arbitrary<LayerEntry> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(pathArb, fc.nat({ max: 1000 })).map(([p, size]) => file(p, size)) },
  { weight: 2, arbitrary: fc.tuple(pathArb, fc.constantFrom(0o755, 0o700)).map(([p, mode]) => dir(p, { mode })) },
  { weight: 1, arbitrary: pathArb.map((p) => entry(p, { type: "symlink", mode: 0o777, linkTarget: "/x" })) },
  { weight: 3, arbitrary: pathArb.map((p) => whiteout(p)) },
  { weight: 1, arbitrary: fc.oneof(pathArb, fc.constant("")).map((p) => opaque(p)) },
);
const imageArb = fc.array(fc.array(entryArb, { maxLength: 12 }), { minLength: 1, maxLength: 6 });

describe("mergeLayers: property test against a naive reference", () => {
  it("matches the reference tree, and totalBytes = finalBytes + wastedBytes", () => {
    fc.assert(
      fc.property(imageArb, (layers) => {
        const merge = mergeLayers(layers.map((entries, i) => ({ digest: `sha256:${i}`, entries })));
        const ref = referenceMerge(layers);
        expect(finalSummary(merge.final)).toEqual(finalSummary(ref.tree));
        for (const [path, f] of ref.tree) expect(merge.final.get(path)?.entry).toEqual(f.entry);

        const report = efficiency(merge);
        expect(report.totalBytes).toBe(ref.total);
        expect(report.wastedBytes).toBe(ref.wasted);
        expect(report.totalBytes).toBe(report.finalBytes + report.wastedBytes);
        expect(report.wasted.every((w) => w.bytes > 0 && w.bytes === w.versions.reduce((s, v) => s + v.bytes, 0))).toBe(true);

        // Change records agree with the trees before and after each layer.
        merge.changes.forEach((changes, i) => {
          const before = i === 0 ? new Set<string>() : (ref.snapshots[i - 1] ?? new Set<string>());
          const after = ref.snapshots[i] ?? new Set<string>();
          const paths = changes.map((c) => c.path);
          expect(new Set(paths).size).toBe(paths.length); // one record per path per layer
          for (const c of changes) {
            if (c.change === "added") expect([before.has(c.path), after.has(c.path)]).toEqual([false, true]);
            if (c.change === "removed") expect([before.has(c.path), after.has(c.path)]).toEqual([true, false]);
            if (c.change === "modified") expect([before.has(c.path), after.has(c.path)]).toEqual([true, true]);
            expect(c.layer).toBe(i);
          }
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe("mergeLayers: content digests decide what a layer modified", () => {
  const d = (c: string) => `sha256:${c.repeat(64)}`;
  it("a same-size rewrite with other bytes is modified; an identical copy is no change but still wasted and written", async () => {
    const { mergeFindings } = await import("../../../lib/layers/findings");
    const merge = mergeLayers([
      {
        digest: "a",
        entries: [
          file("etc/motd", 10, { contentDigest: d("a") }),
          file("VERSION", 6, { contentDigest: d("b") }),
          file("legacy", 4), // indexed before digests: unknown content
          entry("bin/sh", { type: "symlink", linkTarget: "dash" }),
          file("root/.cache/pip/wheel", 50, { contentDigest: d("c") }),
        ],
      },
      {
        digest: "b",
        entries: [
          file("etc/motd", 10, { contentDigest: d("d") }), // same size, other content
          file("VERSION", 6, { contentDigest: d("b") }), // identical copy
          file("legacy", 4), // equal as far as anyone knows, but unproven
          entry("bin/sh", { type: "symlink", linkTarget: "dash" }), // same target
          file("root/.cache/pip/wheel", 50, { contentDigest: d("c") }), // identical copy of a cache file
        ],
      },
    ]);
    expect(summary(merge.changes[1] ?? [])).toEqual([
      ["modified", "etc/motd", 10],
      ["modified", "legacy", 4],
    ]);
    expect(merge.rewritten.map((r) => [r.entry.path, r.layer])).toEqual([
      ["VERSION", 1],
      ["bin/sh", 1],
      ["root/.cache/pip/wheel", 1],
    ]);
    // the copy below is still paid for
    expect(merge.wasted.map((w) => w.path).sort()).toEqual(["VERSION", "etc/motd", "legacy", "root/.cache/pip/wheel"]);
    expect(merge.final.get("VERSION")?.layer).toBe(1);
    // findings count written bytes: both copies of the cache file are in the blobs
    const cache = mergeFindings(merge).find((f) => f.id === "cache-pip");
    expect(cache?.bytes).toBe(100);
  });
});
