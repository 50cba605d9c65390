// The models beside the big components are what the unit project can test in node: they must stay free of React,
// the DOM and data fetching, or the logic drifts back into the views.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const MODELS = [
  "components/layer-tree/file-tree-model.ts",
  "components/storage/storage-model.ts",
  "components/deletions/delete-dialog-model.ts",
];

const root = path.resolve(__dirname, "../../..");

function valueImports(source: string): string[] {
  return [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+"([^"]+)";/gms)].map((m) => m[1] ?? "");
}

describe("component models are pure", () => {
  for (const file of MODELS) {
    it(`${file} imports no React, Next, query client or DOM`, () => {
      const source = readFileSync(path.join(root, file), "utf8");
      expect(source).not.toMatch(/^"use client";/m);
      for (const spec of valueImports(source)) {
        expect(spec).not.toMatch(/^(react|react-dom|next)(\/|$)|^@tanstack\/|^@\/lib\/queries$/);
      }
      expect(source).not.toMatch(/\b(document|window|requestAnimationFrame)\./);
    });
  }
});
