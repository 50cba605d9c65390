// biome-ignore-all lint/a11y/useSemanticElements: a <table> cannot hold absolutely positioned (virtualized) rows
// biome-ignore-all lint/a11y/useFocusableInteractive: rows and cells are not widgets; the disclosure buttons in them are
"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { type CSSProperties, useEffect, useId, useMemo, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Bytes } from "@/components/ui/bytes";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { formatCount, pluralize } from "@/components/ui/format";
import { ChevronRightIcon, FolderIcon } from "@/components/ui/icons";
import { SearchInput } from "@/components/ui/search-input";
import { TableSkeleton } from "@/components/ui/skeleton";
import { displayName } from "@/lib/layers/entries";
import { type FileView, fileTreeOptions } from "@/lib/queries";
import { ChangeBadge } from "./badges";
import { ancestorPaths, buildFileTree, formatMode, normalizePath, type TreeRow, visibleRows } from "./file-tree-model";

const ROW_HEIGHT = 32;
const muted = "text-zinc-600 dark:text-zinc-400";

/** Focuses a row's control once the virtualizer has rendered it (a frame or two after scrolling). */
function focusRow(container: HTMLElement | null, path: string, attempts = 6) {
  const button = container?.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"] button`);
  if (button) button.focus();
  else if (attempts > 0) requestAnimationFrame(() => focusRow(container, path, attempts - 1));
}

/**
 * One view's file system as an expandable tree, dive-style. The whole view is fetched once (recursive,
 * page by page) and only the rows on screen are rendered, so 100,000 entries stay responsive.
 */
export function FileTree({
  repository,
  reference,
  platform,
  view,
  viewLabel,
  filter,
  reveal,
  layerPosition,
  onFilterChange,
  onChangesOnlyChange,
}: {
  repository: string;
  reference: string;
  platform: string | undefined;
  view: FileView;
  /** "Merged file system", "Layer 3". */
  viewLabel: string;
  filter: string;
  /** A directory to open and scroll to (from the treemap). */
  reveal: string | undefined;
  /** 1-based position of a layer digest, for the merged view's "Layer" column. */
  layerPosition: (digest: string) => number | undefined;
  onFilterChange: (filter: string) => void;
  onChangesOnlyChange: (only: boolean) => void;
}) {
  const checkboxId = useId();
  const list = useInfiniteQuery(fileTreeOptions(repository, reference, platform, view));
  const { hasNextPage, isFetchingNextPage, isError, fetchNextPage } = list;
  // the tree needs every entry (directory sizes, expand all), so pages are fetched back to back
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);

  const tree = useMemo(() => buildFileTree(list.data ? list.data.pages.flatMap((p) => p.items) : []), [list.data]);
  const total = list.data?.pages[0]?.total ?? 0;
  const loaded = tree.byPath.size - 1;
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const rows = useMemo(() => visibleRows(tree, expanded, filter), [tree, expanded, filter]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 16,
  });

  // Opening a directory from the treemap: open the way to it, then scroll to it and focus it.
  const revealed = useRef<string | null>(null);
  const pendingScroll = useRef<string | null>(null);
  useEffect(() => {
    if (reveal === undefined) return;
    const path = normalizePath(reveal);
    if (revealed.current === path || (path !== "" && !tree.byPath.has(path))) return;
    revealed.current = path;
    if (path === "") return;
    setExpanded((prev) => new Set([...prev, ...ancestorPaths(path), path]));
    pendingScroll.current = path;
  }, [reveal, tree]);
  useEffect(() => {
    const path = pendingScroll.current;
    if (!path) return;
    const index = rows.findIndex((r) => r.node.path === path);
    if (index < 0) return;
    pendingScroll.current = null;
    virtualizer.scrollToIndex(index, { align: "start" });
    focusRow(scrollRef.current, path);
  }, [rows, virtualizer]);

  const toggle = (path: string) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  const merged = view.layer === "merged";
  const grid: CSSProperties = {
    gridTemplateColumns: `minmax(14rem, 1fr) 5.5rem 6.5rem 6.5rem minmax(7rem, 0.5fr)${merged ? " 4.5rem" : ""}`,
  };
  const complete = !hasNextPage && !list.isPending;

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <SearchInput
          label="Filter by path"
          placeholder="Filter by path…"
          value={filter}
          onDebouncedChange={onFilterChange}
          className="min-w-48 flex-1"
        />
        {!merged ? (
          <div className="flex items-center gap-2">
            <input
              id={checkboxId}
              type="checkbox"
              checked={view.changes === "only"}
              onChange={(e) => onChangesOnlyChange(e.target.checked)}
              className={cn("size-4 rounded accent-indigo-600", focusRing)}
            />
            <label htmlFor={checkboxId} className="text-sm text-zinc-700 dark:text-zinc-300">
              Only changes
            </label>
          </div>
        ) : null}
        <Button size="sm" onClick={() => setExpanded(new Set(tree.dirPaths))} disabled={tree.dirPaths.length === 0}>
          Expand all
        </Button>
        <Button size="sm" onClick={() => setExpanded(new Set())} disabled={expanded.size === 0}>
          Collapse all
        </Button>
      </div>

      {list.isPending ? (
        <TableSkeleton rows={10} columns={5} />
      ) : list.isError && !list.data ? (
        <ErrorState
          title={`Couldn't load the files of the ${viewLabel.toLowerCase()}`}
          error={list.error}
          onRetry={() => void list.refetch()}
        />
      ) : total === 0 ? (
        <div className="rounded-xl border border-zinc-200 dark:border-zinc-800">
          <EmptyState title={view.changes === "only" && !merged ? "This layer changes no files" : "No files"}>
            {merged ? "The merged file system of this image is empty." : "This layer's file system is empty."}
          </EmptyState>
        </div>
      ) : rows.length === 0 ? (
        <div className="rounded-xl border border-zinc-200 dark:border-zinc-800">
          <EmptyState title="No path matches">
            No path in the {viewLabel.toLowerCase()} contains “{filter}”.
          </EmptyState>
        </div>
      ) : (
        <div
          ref={scrollRef}
          className="overflow-auto rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
          style={{ maxHeight: "min(36rem, calc(100dvh - 12rem))" }}
        >
          <div
            role="table"
            aria-label={`Files of the ${viewLabel.toLowerCase()}`}
            aria-rowcount={rows.length + 1}
            style={{ minWidth: 720 }}
          >
            <div role="rowgroup" className="sticky top-0 z-10">
              <div
                role="row"
                aria-rowindex={1}
                className="grid h-9 items-center gap-3 border-zinc-200 border-b bg-zinc-50 px-3 font-medium text-xs text-zinc-600 uppercase tracking-wide dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400"
                style={grid}
              >
                <div role="columnheader">Name</div>
                <div role="columnheader" className="text-right">
                  Size
                </div>
                <div role="columnheader">Mode</div>
                <div role="columnheader">Change</div>
                <div role="columnheader">Link target</div>
                {merged ? <div role="columnheader">Layer</div> : null}
              </div>
            </div>
            <div role="rowgroup" className="relative" style={{ height: virtualizer.getTotalSize() }}>
              {virtualizer.getVirtualItems().map((item) => {
                const row = rows[item.index];
                if (!row) return null;
                return (
                  <FileRow
                    key={row.node.path}
                    row={row}
                    rowIndex={item.index + 2}
                    start={item.start}
                    grid={grid}
                    merged={merged}
                    layerPosition={layerPosition}
                    onToggle={toggle}
                  />
                );
              })}
            </div>
          </div>
        </div>
      )}

      {list.data ? (
        <p className={cn("text-xs", muted)} aria-live="polite">
          {complete
            ? `${pluralize(total, "entry", "entries")}${filter ? ` · ${pluralize(rows.length, "row")} shown` : ""}`
            : `Loaded ${formatCount(loaded)} of ${formatCount(total)} entries…`}
        </p>
      ) : null}
      {list.isError && list.data ? (
        <ErrorState title="Couldn't load all files" error={list.error} onRetry={() => void fetchNextPage()} />
      ) : null}
    </div>
  );
}

function FileRow({
  row,
  rowIndex,
  start,
  grid,
  merged,
  layerPosition,
  onToggle,
}: {
  row: TreeRow;
  rowIndex: number;
  start: number;
  grid: CSSProperties;
  merged: boolean;
  layerPosition: (digest: string) => number | undefined;
  onToggle: (path: string) => void;
}) {
  const { node, open, forced } = row;
  const entry = node.entry;
  const removed = entry?.change === "removed";
  // as stored: control characters escaped, and an entry that escaped the root under its own name
  const escaped = entry?.storedName !== undefined;
  const name = (
    <>
      <span className={cn("truncate", removed && "line-through")}>{displayName(entry?.storedName ?? node.name)}</span>
      {escaped ? (
        <span className="ml-1 shrink-0 rounded-sm bg-red-100 px-1 font-sans text-[10px] text-red-800 dark:bg-red-900/50 dark:text-red-200">
          escapes root
        </span>
      ) : null}
    </>
  );
  const position = entry ? layerPosition(entry.layer) : undefined;
  return (
    <div
      role="row"
      aria-rowindex={rowIndex}
      data-path={node.path}
      className="absolute top-0 left-0 grid w-full items-center gap-3 border-zinc-100 border-b px-3 text-sm hover:bg-zinc-50 dark:border-zinc-800/70 dark:hover:bg-zinc-800/60"
      style={{ ...grid, height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
    >
      <div
        role="cell"
        className="flex min-w-0 items-center"
        style={{ paddingLeft: (node.depth - 1) * 16 }}
        title={
          escaped
            ? `stored as ${displayName(entry?.storedName ?? "")}, indexed as /${displayName(node.path)}`
            : `/${displayName(node.path)}`
        }
      >
        {node.isDir ? (
          <button
            type="button"
            aria-expanded={open}
            disabled={forced}
            title={forced ? "Opened to show the paths that match the filter" : undefined}
            onClick={() => onToggle(node.path)}
            className={cn(
              "flex min-w-0 items-center gap-1 rounded-sm font-mono text-xs text-zinc-900 disabled:cursor-default dark:text-zinc-100",
              focusRing,
            )}
          >
            <ChevronRightIcon
              className={cn("size-3.5 shrink-0 text-zinc-500 transition-transform dark:text-zinc-400", open && "rotate-90")}
            />
            <FolderIcon className="size-3.5 shrink-0 text-indigo-600 dark:text-indigo-400" />
            {name}
          </button>
        ) : (
          <span className="flex min-w-0 items-center gap-1 pl-[1.125rem] font-mono text-xs text-zinc-900 dark:text-zinc-100">{name}</span>
        )}
      </div>
      <div
        role="cell"
        className="text-right text-xs tabular-nums"
        title={node.isDir ? "Bytes of the files under this directory" : undefined}
      >
        <Bytes value={node.sizeBytes} />
      </div>
      <div role="cell" className={cn("font-mono text-xs", muted)}>
        {entry ? formatMode(entry.type, entry.mode) : "—"}
      </div>
      <div role="cell">{entry ? <ChangeBadge change={entry.change} /> : <span className={cn("text-xs", muted)}>—</span>}</div>
      <div role="cell" className={cn("min-w-0 truncate font-mono text-xs", muted)} title={entry?.linkTarget ?? undefined}>
        {entry?.linkTarget ? (
          <>
            <span aria-hidden="true">→ </span>
            {displayName(entry.linkTarget)}
          </>
        ) : null}
      </div>
      {merged ? (
        <div role="cell" className={cn("text-xs tabular-nums", muted)} title={entry?.layer}>
          {position !== undefined ? `Layer ${position}` : "—"}
        </div>
      ) : null}
    </div>
  );
}
