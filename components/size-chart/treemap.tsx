"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import { useId, useMemo } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, Td } from "@/components/ui/table";
import { formatBytes } from "@/lib/oci/size";
import { type FileItem, fileDirectoryOptions } from "@/lib/queries";
import { type Box, squarify } from "./squarify";

// Layout units: the chart scales to its container, these only fix its proportions.
const WIDTH = 1000;
const HEIGHT = 420;
const HEADER = 22;
/** Top-level directories whose children are fetched (one request each). */
const EXPANDED_DIRS = 12;
const TABLE_ROWS = 25;

type Cell = { path: string; name: string; bytes: number; level: 1 | 2; box: Box };

const rectFocus =
  "focus-visible:z-10 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600 dark:focus-visible:outline-indigo-400";
const levelClass = {
  1: "border-white bg-indigo-100 text-indigo-950 hover:bg-indigo-200 dark:border-zinc-900 dark:bg-indigo-950 dark:text-indigo-100 dark:hover:bg-indigo-900",
  2: "border-indigo-200 bg-white text-zinc-900 hover:bg-indigo-50 dark:border-indigo-950 dark:bg-zinc-800 dark:text-zinc-100 dark:hover:bg-zinc-700",
} as const;

function cleanPath(path: string): string {
  return path.replace(/^(?:\.?\/)+/, "").replace(/\/+$/, "");
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function directories(items: readonly FileItem[]): { path: string; bytes: number }[] {
  return items
    .filter((i) => i.type === "dir" && i.sizeBytes > 0)
    .map((i) => ({ path: cleanPath(i.path), bytes: i.sizeBytes }))
    .sort((a, b) => b.bytes - a.bytes);
}

const percent = (v: number, of: number) => `${(v / of) * 100}%`;

/**
 * The merged file system as a treemap of its top two directory levels, sized by bytes. Each
 * rectangle is a button that opens its directory in the file tree.
 */
export function FileSystemTreemap({
  repository,
  reference,
  platform,
  onOpenDirectory,
}: {
  repository: string;
  reference: string;
  platform: string | undefined;
  onOpenDirectory: (path: string) => void;
}) {
  const descriptionId = useId();
  const root = useQuery(fileDirectoryOptions(repository, reference, platform, { layer: "merged", changes: "all", path: "" }));
  const topDirs = useMemo(() => (root.data ? directories(root.data.items) : []), [root.data]);
  const children = useQueries({
    queries: topDirs
      .slice(0, EXPANDED_DIRS)
      .map((d) => fileDirectoryOptions(repository, reference, platform, { layer: "merged", changes: "all", path: d.path })),
  });
  const childDirs = new Map<string, { path: string; bytes: number }[]>();
  topDirs.slice(0, EXPANDED_DIRS).forEach((d, i) => {
    const data = children[i]?.data;
    if (data) childDirs.set(d.path, directories(data.items));
  });

  // a few dozen rectangles: cheap enough to lay out on every render
  const cells: Cell[] = [];
  for (const p of squarify(topDirs, (d) => d.bytes, { x: 0, y: 0, width: WIDTH, height: HEIGHT })) {
    cells.push({ path: p.item.path, name: baseName(p.item.path), bytes: p.value, level: 1, box: p });
    const subdirs = childDirs.get(p.item.path);
    if (!subdirs || p.width < 40 || p.height < HEADER + 24) continue;
    // files directly in the directory take their share of the area without a rectangle of their own
    const rest = p.value - subdirs.reduce((s, d) => s + d.bytes, 0);
    const inner = { x: p.x + 2, y: p.y + HEADER, width: p.width - 4, height: p.height - HEADER - 2 };
    const items = rest > 0 ? [...subdirs, { path: "", bytes: rest }] : subdirs;
    for (const c of squarify(items, (d) => d.bytes, inner)) {
      if (c.item.path) cells.push({ path: c.item.path, name: baseName(c.item.path), bytes: c.value, level: 2, box: c });
    }
  }

  if (root.isPending) return <Skeleton className="aspect-[1000/420] min-h-64 w-full" />;
  if (root.isError) return <ErrorState title="Couldn't load the file system" error={root.error} onRetry={() => void root.refetch()} />;
  if (topDirs.length === 0)
    return <p className="text-sm text-zinc-600 dark:text-zinc-400">The merged file system has no directories with files.</p>;

  const total = topDirs.reduce((s, d) => s + d.bytes, 0);
  const largest = [...cells].sort((a, b) => b.bytes - a.bytes).slice(0, TABLE_ROWS);

  return (
    <div className="space-y-3">
      <p id={descriptionId} className="text-sm text-zinc-600 dark:text-zinc-400">
        Top-level directories and the directories inside them, sized by the bytes of their files. Choose one to open it in the file tree.
      </p>
      {/* biome-ignore lint/a11y/useSemanticElements: a chart of buttons, not form fields: a <fieldset> would announce it as a form section */}
      <div
        role="group"
        aria-label="Treemap of the merged file system"
        aria-describedby={descriptionId}
        className="relative min-h-64 w-full overflow-hidden rounded-lg border border-zinc-200 bg-zinc-100 dark:border-zinc-800 dark:bg-zinc-950"
        style={{ aspectRatio: `${WIDTH} / ${HEIGHT}` }}
      >
        {cells.map((c) => {
          const showLabel = c.level === 1 ? c.box.width >= 48 && c.box.height >= HEADER - 2 : c.box.width >= 56 && c.box.height >= 28;
          return (
            <button
              key={`${c.level}-${c.path}`}
              type="button"
              aria-label={`/${c.path}, ${formatBytes(c.bytes)}`}
              title={`/${c.path}: ${formatBytes(c.bytes)}`}
              onClick={() => onOpenDirectory(c.path)}
              className={cn(
                "absolute flex items-start overflow-hidden border px-1.5 py-0.5 text-left text-xs",
                levelClass[c.level],
                rectFocus,
              )}
              style={{
                left: percent(c.box.x, WIDTH),
                top: percent(c.box.y, HEIGHT),
                width: percent(c.box.width, WIDTH),
                height: percent(c.box.height, HEIGHT),
              }}
            >
              {showLabel ? (
                <span aria-hidden="true" className="min-w-0 truncate">
                  <span className={cn("font-mono", c.level === 1 && "font-semibold")}>{c.level === 1 ? `/${c.name}` : c.name}</span>{" "}
                  {formatBytes(c.bytes)}
                </span>
              ) : null}
            </button>
          );
        })}
      </div>
      <details className="text-sm">
        <summary className={cn("cursor-pointer rounded-sm font-medium text-zinc-700 dark:text-zinc-300", focusRing)}>
          Largest directories as a table
        </summary>
        <div className="mt-2 overflow-x-auto">
          <Table
            caption="The largest directories of the merged file system"
            columns={["Directory", { label: "Size", align: "right" }, { label: "Share", align: "right" }]}
          >
            {largest.map((c) => (
              <tr key={`${c.level}-${c.path}`}>
                <Td className="font-mono text-xs">/{c.path}</Td>
                <Td align="right">{formatBytes(c.bytes)}</Td>
                <Td align="right">{((c.bytes / total) * 100).toFixed(1)}%</Td>
              </tr>
            ))}
          </Table>
        </div>
      </details>
    </div>
  );
}
