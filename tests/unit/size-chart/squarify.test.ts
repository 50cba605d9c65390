import { describe, expect, it } from "vitest";
import { type Box, type Placed, squarify } from "../../../components/size-chart/squarify";

const EPS = 1e-6;
const area = (r: Box) => r.width * r.height;

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function expectValidLayout<T>(placed: Placed<T>[], box: Box, total: number) {
  for (const r of placed) {
    expect(r.width).toBeGreaterThan(0);
    expect(r.height).toBeGreaterThan(0);
    expect(r.x).toBeGreaterThanOrEqual(box.x - EPS);
    expect(r.y).toBeGreaterThanOrEqual(box.y - EPS);
    expect(r.x + r.width).toBeLessThanOrEqual(box.x + box.width + EPS);
    expect(r.y + r.height).toBeLessThanOrEqual(box.y + box.height + EPS);
    // area proportional to value
    expect(area(r)).toBeCloseTo((r.value / total) * area(box), 4);
  }
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      const a = placed[i];
      const b = placed[j];
      if (a && b) expect(overlap(a, b)).toBeLessThan(EPS);
    }
  }
  // together they fill the box
  expect(placed.reduce((s, r) => s + area(r), 0)).toBeCloseTo(area(box), 4);
}

describe("squarify", () => {
  it("gives each item an area proportional to its value, inside the box, without overlaps", () => {
    const values = [6, 6, 4, 3, 2, 2, 1];
    const box = { x: 0, y: 0, width: 6, height: 4 };
    const placed = squarify(values, (v) => v, box);
    expect(placed).toHaveLength(values.length);
    expectValidLayout(placed, box, 24);
  });

  it("lays out an offset, tall box and very uneven values", () => {
    const values = [1_000_000, 50_000, 3_000, 200, 10, 1, 1, 1];
    const box = { x: 17, y: 5, width: 120, height: 700 };
    const placed = squarify(values, (v) => v, box);
    expect(placed).toHaveLength(values.length);
    expectValidLayout(
      placed,
      box,
      values.reduce((s, v) => s + v, 0),
    );
  });

  it("keeps rectangles of equal values square when they can be", () => {
    const placed = squarify([1, 1, 1, 1], (v) => v, { x: 0, y: 0, width: 2, height: 2 });
    for (const r of placed) {
      expect(r.width).toBeCloseTo(1);
      expect(r.height).toBeCloseTo(1);
    }
  });

  it("lays out many random items validly", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const values = Array.from({ length: 200 }, () => Math.floor(random() * 10_000) + 1);
    const box = { x: 0, y: 0, width: 1000, height: 480 };
    const placed = squarify(values, (v) => v, box);
    expect(placed).toHaveLength(200);
    expectValidLayout(
      placed,
      box,
      values.reduce((s, v) => s + v, 0),
    );
  });

  it("skips zero, negative and non-finite values and keeps the item with each rectangle", () => {
    const items = [
      { path: "usr", bytes: 30 },
      { path: "empty", bytes: 0 },
      { path: "bad", bytes: Number.NaN },
      { path: "neg", bytes: -5 },
      { path: "etc", bytes: 10 },
    ];
    const placed = squarify(items, (i) => i.bytes, { x: 0, y: 0, width: 4, height: 1 });
    expect(placed.map((p) => p.item.path)).toEqual(["usr", "etc"]);
    expect(area(placed[0] as Box)).toBeCloseTo(3);
  });

  it("returns nothing for no items or an empty box", () => {
    expect(squarify([], (v: number) => v, { x: 0, y: 0, width: 10, height: 10 })).toEqual([]);
    expect(squarify([1, 2], (v) => v, { x: 0, y: 0, width: 0, height: 10 })).toEqual([]);
  });
});
