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
import { ChevronRightIcon, FolderIcon } from "@/components/ui/icons";
import { SearchInput } from "@/components/ui/search-input";
import { TableSkeleton } from "@/components/ui/skeleton";
import { type FileView, fileTreeOptions } from "@/lib/queries";
import { ChangeBadge } from "./badges";
import {
  buildFileTree,
  emptyViewText,
  expandPaths,
  expansionControls,
  fileTreeBody,
  gridTemplateColumns,
  isMergedView,
  loadErrorTitle,
  loadedEntries,
  loadStatusText,
  noMatchText,
  planReveal,
  rowCells,
  rowIndexOf,
  type TreeRow,
  tableLabel,
  toggleExpanded,
  visibleRows,
  wantsNextPage,
} from "./file-tree-model";

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
  useEffect(() => {
    if (wantsNextPage({ hasNextPage, isFetchingNextPage, isError })) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);

  const tree = useMemo(() => buildFileTree(list.data ? list.data.pages.flatMap((p) => p.items) : []), [list.data]);
  const total = list.data?.pages[0]?.total ?? 0;
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
    const plan = planReveal(tree, reveal, revealed.current);
    if (!plan) return;
    revealed.current = plan.path;
    if (plan.open.length === 0) return;
    setExpanded((prev) => expandPaths(prev, plan.open));
    pendingScroll.current = plan.path;
  }, [reveal, tree]);
  useEffect(() => {
    const path = pendingScroll.current;
    if (!path) return;
    const index = rowIndexOf(rows, path);
    if (index < 0) return;
    pendingScroll.current = null;
    virtualizer.scrollToIndex(index, { align: "start" });
    focusRow(scrollRef.current, path);
  }, [rows, virtualizer]);

  const toggle = (path: string) => setExpanded((prev) => toggleExpanded(prev, path));
  const controls = expansionControls(tree, expanded);

  const merged = isMergedView(view);
  const grid: CSSProperties = { gridTemplateColumns: gridTemplateColumns(merged) };
  const complete = !hasNextPage && !list.isPending;
  const body = fileTreeBody({
    isPending: list.isPending,
    isError: list.isError,
    hasData: list.data !== undefined,
    total,
    rowCount: rows.length,
  });
  const empty = emptyViewText(view);

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
        <Button size="sm" onClick={() => setExpanded(controls.expandAll())} disabled={!controls.canExpandAll}>
          Expand all
        </Button>
        <Button size="sm" onClick={() => setExpanded(controls.collapseAll())} disabled={!controls.canCollapseAll}>
          Collapse all
        </Button>
      </div>

      {body === "loading" ? (
        <TableSkeleton rows={10} columns={5} />
      ) : body === "error" ? (
        <ErrorState title={loadErrorTitle(viewLabel)} error={list.error} onRetry={() => void list.refetch()} />
      ) : body === "empty" ? (
        <div className="rounded-xl border border-zinc-200 dark:border-zinc-800">
          <EmptyState title={empty.title}>{empty.body}</EmptyState>
        </div>
      ) : body === "no-match" ? (
        <div className="rounded-xl border border-zinc-200 dark:border-zinc-800">
          <EmptyState title="No path matches">{noMatchText(viewLabel, filter)}</EmptyState>
        </div>
      ) : (
        <div
          ref={scrollRef}
          // focusable, so the keyboard can scroll it when no row has a button (a layer of files only)
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
          tabIndex={0}
          className={cn("overflow-auto rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900", focusRing)}
          style={{ maxHeight: "min(36rem, calc(100dvh - 12rem))" }}
        >
          <div role="table" aria-label={tableLabel(viewLabel)} aria-rowcount={rows.length + 1} style={{ minWidth: 720 }}>
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
          {loadStatusText({ complete, total, loaded: loadedEntries(tree), filter, rowCount: rows.length })}
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
  const cells = rowCells(row, layerPosition);
  const name = (
    <>
      <span className={cn("truncate", cells.removed && "line-through")}>{cells.name}</span>
      {cells.escapesRoot ? (
        <span className="ml-1 shrink-0 rounded-sm bg-red-100 px-1 font-sans text-[10px] text-red-800 dark:bg-red-900/50 dark:text-red-200">
          escapes root
        </span>
      ) : null}
    </>
  );
  return (
    <div
      role="row"
      aria-rowindex={rowIndex}
      data-path={node.path}
      className="absolute top-0 left-0 grid w-full items-center gap-3 border-zinc-100 border-b px-3 text-sm hover:bg-zinc-50 dark:border-zinc-800/70 dark:hover:bg-zinc-800/60"
      style={{ ...grid, height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
    >
      <div role="cell" className="flex min-w-0 items-center" style={{ paddingLeft: cells.indentPx }} title={cells.nameTitle}>
        {node.isDir ? (
          <button
            type="button"
            aria-expanded={open}
            disabled={forced}
            title={cells.toggleTitle}
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
      <div role="cell" className="text-right text-xs tabular-nums" title={cells.sizeTitle}>
        <Bytes value={node.sizeBytes} />
      </div>
      <div role="cell" className={cn("font-mono text-xs", muted)}>
        {cells.mode}
      </div>
      <div role="cell">{node.entry ? <ChangeBadge change={node.entry.change} /> : <span className={cn("text-xs", muted)}>—</span>}</div>
      <div role="cell" className={cn("min-w-0 truncate font-mono text-xs", muted)} title={cells.linkTitle}>
        {cells.linkTarget !== null ? (
          <>
            <span aria-hidden="true">→ </span>
            {cells.linkTarget}
          </>
        ) : null}
      </div>
      {merged ? (
        <div role="cell" className={cn("text-xs tabular-nums", muted)} title={cells.layerTitle}>
          {cells.layer}
        </div>
      ) : null}
    </div>
  );
}
