// Squarified treemap layout (Bruls, Huizing, van Wijk 2000). Pure: no React, no DOM.
// Items are laid out in rows along the shorter side of the remaining box; a row grows while that
// keeps its worst aspect ratio from getting worse, so rectangles stay close to squares.

export type Box = { x: number; y: number; width: number; height: number };
export type Placed<T> = Box & { item: T; value: number };

/**
 * Lays `items` out in `box`, each rectangle's area proportional to `weight(item)`. Items with a
 * value that is not a positive finite number get no rectangle. Largest first in the result.
 */
export function squarify<T>(items: readonly T[], weight: (item: T) => number, box: Box): Placed<T>[] {
  const sorted = items
    .map((item) => ({ item, value: weight(item) }))
    .filter((e) => Number.isFinite(e.value) && e.value > 0)
    .sort((a, b) => b.value - a.value);
  const total = sorted.reduce((sum, e) => sum + e.value, 0);
  if (sorted.length === 0 || box.width <= 0 || box.height <= 0) return [];

  // values scaled to areas of the box
  const scale = (box.width * box.height) / total;
  const areas = sorted.map((e) => e.value * scale);
  const out: Placed<T>[] = [];
  let rest: Box = { ...box };
  let start = 0;

  while (start < sorted.length) {
    const side = Math.min(rest.width, rest.height);
    let end = start + 1;
    let rowArea = areas[start] ?? 0;
    let worst = worstRatio(areas, start, end, rowArea, side);
    while (end < sorted.length) {
      const nextArea = rowArea + (areas[end] ?? 0);
      const nextWorst = worstRatio(areas, start, end + 1, nextArea, side);
      if (nextWorst > worst) break;
      rowArea = nextArea;
      worst = nextWorst;
      end++;
    }
    rest = placeRow(sorted, areas, start, end, rowArea, rest, out, end === sorted.length);
    start = end;
  }
  return out;
}

/** The largest aspect ratio (≥ 1) of the rectangles areas[start..end) laid along a side of length `side`. */
function worstRatio(areas: readonly number[], start: number, end: number, rowArea: number, side: number): number {
  let max = 0;
  let min = Number.POSITIVE_INFINITY;
  for (let i = start; i < end; i++) {
    const a = areas[i] ?? 0;
    if (a > max) max = a;
    if (a < min) min = a;
  }
  const s2 = side * side;
  const r2 = rowArea * rowArea;
  return Math.max((s2 * max) / r2, r2 / (s2 * min));
}

/** Places one row along the shorter side of `rest`; returns the box that remains. */
function placeRow<T>(
  entries: readonly { item: T; value: number }[],
  areas: readonly number[],
  start: number,
  end: number,
  rowArea: number,
  rest: Box,
  out: Placed<T>[],
  last: boolean,
): Box {
  const horizontal = rest.width >= rest.height; // the row is a column on the left when the box is wide
  if (horizontal) {
    // the last row takes what is left exactly, so rounding never leaves a sliver or spills over
    const rowWidth = last ? rest.width : Math.min(rowArea / rest.height, rest.width);
    let y = rest.y;
    for (let i = start; i < end; i++) {
      const entry = entries[i];
      if (!entry) continue;
      const h = i === end - 1 ? rest.y + rest.height - y : (areas[i] ?? 0) / rowWidth;
      out.push({ item: entry.item, value: entry.value, x: rest.x, y, width: rowWidth, height: h });
      y += h;
    }
    return { x: rest.x + rowWidth, y: rest.y, width: rest.width - rowWidth, height: rest.height };
  }
  const rowHeight = last ? rest.height : Math.min(rowArea / rest.width, rest.height);
  let x = rest.x;
  for (let i = start; i < end; i++) {
    const entry = entries[i];
    if (!entry) continue;
    const w = i === end - 1 ? rest.x + rest.width - x : (areas[i] ?? 0) / rowHeight;
    out.push({ item: entry.item, value: entry.value, x, y: rest.y, width: w, height: rowHeight });
    x += w;
  }
  return { x: rest.x, y: rest.y + rowHeight, width: rest.width, height: rest.height - rowHeight };
}
