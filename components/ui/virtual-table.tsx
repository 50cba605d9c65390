// biome-ignore-all lint/a11y/useSemanticElements: a <table> cannot hold absolutely positioned (virtualized) rows
// biome-ignore-all lint/a11y/useFocusableInteractive: rows and cells are not widgets; their links and buttons are focusable
// biome-ignore-all lint/a11y/useKeyWithClickEvents: row click is a mouse shortcut; the row's first link does the same by keyboard
"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { type CSSProperties, type MouseEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { cn } from "./cn";

export type VirtualColumn<T> = {
  id: string;
  header: ReactNode;
  /** `index`: the row's place in the whole list (0 is the first row). */
  cell: (row: T, index: number) => ReactNode;
  /** Extra classes for both header and cells (alignment, hiding on small screens). */
  className?: string;
  ariaSort?: "ascending" | "descending" | "none";
};

/** How close (in rows) the rendered rows come to the end of the loaded ones before the next page is asked for. */
const NEAR_END = 10;

/** The table's height assumed before it is measured: the server renders the rows that fit in it. */
const INITIAL_HEIGHT = 720;

/**
 * A table that renders only the rows in view, so thousands of rows scroll smoothly. Built from
 * divs with ARIA table roles (a <table> can't hold absolutely positioned rows); aria-rowcount and
 * aria-rowindex tell screen readers where they are in the full list.
 */
export function VirtualTable<T>({
  label,
  columns,
  rows,
  rowKey,
  gridTemplateColumns,
  totalRows,
  rowHeight = 44,
  minWidth = 640,
  maxHeight = "calc(100dvh - 15rem)",
  onNearEnd,
  onRowClick,
  className,
}: {
  label: string;
  columns: readonly VirtualColumn<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  gridTemplateColumns: string;
  /** The full count when only part is loaded. */
  totalRows?: number;
  rowHeight?: number;
  minWidth?: number;
  maxHeight?: string;
  /** Called when the last rendered row is near the end of what's loaded (load the next page). */
  onNearEnd?: () => void;
  onRowClick?: (row: T) => void;
  className?: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The first render (on the server, or in the browser after a client-side navigation) has the screen's rows and
  // nothing below them: every row is DOM the browser builds, lays out and rasterizes before its first paint. Rows
  // beyond the edges, kept ready for scrolling, come after that paint. Set from an effect alone they would not: the
  // virtualizer's own re-render when it measures the table is synchronous, and React flushes pending effects first.
  const [painted, setPainted] = useState(false);
  useEffect(() => {
    let timer: number | undefined;
    // requestAnimationFrame runs just before the next frame is painted, a timeout set there just after it
    const frame = window.requestAnimationFrame(() => {
      timer = window.setTimeout(() => setPainted(true));
    });
    return () => {
      window.cancelAnimationFrame(frame);
      window.clearTimeout(timer);
    };
  }, []);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    // a few rows past each edge, so a wheel step shows rows already built; each one costs a few ms to build
    overscan: painted ? 5 : 0,
    // Lets the server render the first screen of rows instead of an empty body.
    initialRect: { width: minWidth, height: INITIAL_HEIGHT },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;

  const nearEnd = useRef(onNearEnd);
  useEffect(() => {
    nearEnd.current = onNearEnd;
  });
  // Rendered rows (the screen and the overscan below it) reaching within NEAR_END rows of the end: the first page
  // alone does not trigger this, so the next page is fetched once the user scrolls, not while the page first paints.
  useEffect(() => {
    if (rows.length > 0 && lastIndex >= rows.length - NEAR_END) nearEnd.current?.();
  }, [lastIndex, rows.length]);

  const grid: CSSProperties = { gridTemplateColumns };
  // A box that scrolls its rows gets its own compositor layer, rasterized tile by tile on top of the page's: on the
  // 3,000-tag page the first frame took 57 raster tasks (83 ms) with it, 30 (65 ms) without (one trace each). Until
  // that frame is painted the box clips instead, so the rows are painted with the page; it scrolls from the next
  // frame, by which time the rows beyond the edges exist to scroll to. The gutter keeps the scrollbar's room, so
  // nothing moves when it appears.
  const scrolls = painted || rows.length * rowHeight <= INITIAL_HEIGHT;

  function handleRowClick(e: MouseEvent<HTMLDivElement>, row: T) {
    if (!onRowClick) return;
    // Links, buttons and text selection inside the row keep their own behaviour.
    if ((e.target as HTMLElement).closest("a, button, input, select, [role='tooltip']")) return;
    if (window.getSelection()?.toString()) return;
    onRowClick(row);
  }

  return (
    <div
      ref={scrollRef}
      className={cn(
        scrolls ? "overflow-auto" : "overflow-hidden [scrollbar-gutter:stable]",
        "rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900",
        className,
      )}
      style={{ maxHeight }}
    >
      <div role="table" aria-label={label} aria-rowcount={(totalRows ?? rows.length) + 1} style={{ minWidth }}>
        <div role="rowgroup" className="sticky top-0 z-10">
          <div
            role="row"
            aria-rowindex={1}
            className="grid items-center gap-3 border-zinc-200 border-b bg-zinc-50 px-4 font-medium text-xs text-zinc-600 uppercase tracking-wide dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400"
            style={{ ...grid, height: 40 }}
          >
            {columns.map((c) => (
              <div key={c.id} role="columnheader" aria-sort={c.ariaSort} className={cn("truncate", c.className)}>
                {c.header}
              </div>
            ))}
          </div>
        </div>
        <div role="rowgroup" className="relative" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (row === undefined) return null;
            return (
              <div
                key={rowKey(row)}
                role="row"
                aria-rowindex={item.index + 2}
                onClick={onRowClick ? (e) => handleRowClick(e, row) : undefined}
                className={cn(
                  // raised while hovered/focused so a tooltip can overlap the rows below
                  "absolute top-0 left-0 grid w-full items-center gap-3 border-zinc-100 border-b bg-white px-4 text-sm focus-within:z-10 hover:z-10 dark:border-zinc-800/70 dark:bg-zinc-900",
                  onRowClick && "cursor-pointer hover:bg-zinc-50 dark:hover:bg-zinc-800",
                )}
                style={{ ...grid, height: item.size, transform: `translateY(${item.start}px)` }}
              >
                {columns.map((c) => (
                  <div key={c.id} role="cell" className={cn("min-w-0", c.className)}>
                    {c.cell(row, item.index)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
