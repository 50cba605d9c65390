"use client";

import { type ReactNode, useEffect, useRef } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { formatCount } from "@/components/ui/format";
import { type VirtualColumn, VirtualTable } from "@/components/ui/virtual-table";
import { formatBytes } from "@/lib/oci/size";
import type { ChangedFile, ComparedFile } from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";
const ROW_HEIGHT = 36;

function displayPath(path: string): string {
  return `/${path.replace(/^\/+/, "")}`;
}

function PathCell({ path }: { path: string }) {
  const p = displayPath(path);
  return (
    <span className="block truncate font-mono text-xs text-zinc-900 dark:text-zinc-100" title={p}>
      {p}
    </span>
  );
}

function signedBytes(n: number): string {
  return n > 0 ? `+${formatBytes(n)}` : n < 0 ? `−${formatBytes(-n)}` : "±0 B";
}

const typeColumn = <T extends { type: string }>(): VirtualColumn<T> => ({
  id: "type",
  header: "Type",
  cell: (row) => <span className={cn("text-xs", muted)}>{row.type}</span>,
});

const FILE_COLUMNS: VirtualColumn<ComparedFile>[] = [
  { id: "path", header: "Path", cell: (row) => <PathCell path={row.path} /> },
  typeColumn<ComparedFile>(),
  {
    id: "size",
    header: "Size",
    cell: (row) => <span className="tabular-nums">{formatBytes(row.sizeBytes)}</span>,
    className: "text-right",
  },
];

const CHANGED_COLUMNS: VirtualColumn<ChangedFile>[] = [
  { id: "path", header: "Path", cell: (row) => <PathCell path={row.path} /> },
  typeColumn<ChangedFile>(),
  {
    id: "size",
    header: "From → To",
    cell: (row) => {
      const contentChanged = row.fromDigest !== null && row.toDigest !== null && row.fromDigest !== row.toDigest;
      // the digests on hover: the detail that proves a same-size file changed
      const digests = row.fromDigest || row.toDigest ? `from ${row.fromDigest ?? "—"}\nto ${row.toDigest ?? "—"}` : undefined;
      return (
        <span className="tabular-nums" title={digests}>
          {formatBytes(row.fromBytes)} → {formatBytes(row.toBytes)}
          <span className={cn("ml-2 text-xs", muted)}>
            {row.fromBytes === row.toBytes && contentChanged ? "(content changed)" : `(${signedBytes(row.toBytes - row.fromBytes)})`}
          </span>
        </span>
      );
    },
    className: "text-right",
  },
];

function Frame({ id, title, shown, total, children }: { id: string; title: string; shown: number; total: number; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="space-y-2">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id={id} className="font-semibold text-sm text-zinc-900 dark:text-zinc-100">
          {title} ({formatCount(total)})
        </h3>
        {shown < total ? (
          <p className={cn("text-xs", muted)}>
            Showing {formatCount(shown)} of {formatCount(total)}
          </p>
        ) : null}
      </div>
      {children}
    </section>
  );
}

const tableProps = { rowHeight: ROW_HEIGHT, minWidth: 480, maxHeight: "24rem", className: focusRing } as const;

/**
 * The rows hold nothing focusable, so the table's scroll box must take focus itself for keyboard users
 * to scroll it (axe: scrollable-region-focusable). VirtualTable has no prop for that: set it here.
 */
function KeyboardScrollable({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.firstElementChild?.setAttribute("tabindex", "0");
  });
  return <div ref={ref}>{children}</div>;
}

type TableProps<T> = { id: string; title: string; empty: string; rows: readonly T[]; total: number };

/** One list of compared files, virtualized so thousands of rows stay smooth. */
function ComparedTable<T extends { path: string }>({
  id,
  title,
  empty,
  rows,
  total,
  columns,
  gridTemplateColumns,
}: TableProps<T> & { columns: VirtualColumn<T>[]; gridTemplateColumns: string }) {
  return (
    <Frame id={id} title={title} shown={rows.length} total={total}>
      {rows.length === 0 ? (
        <p className={cn("text-sm", muted)}>{empty}</p>
      ) : (
        <KeyboardScrollable>
          <VirtualTable
            {...tableProps}
            label={`${title} files`}
            columns={columns}
            rows={rows}
            rowKey={(r) => r.path}
            totalRows={rows.length}
            gridTemplateColumns={gridTemplateColumns}
          />
        </KeyboardScrollable>
      )}
    </Frame>
  );
}

/** Files only in one image: path, type and size. */
export function FileListTable(props: TableProps<ComparedFile>) {
  return <ComparedTable {...props} columns={FILE_COLUMNS} gridTemplateColumns="minmax(0,1fr) 6rem 7rem" />;
}

/** Files in both images that differ (type, size, mode or link target): the size before and after. */
export function ChangedFileTable(props: TableProps<ChangedFile>) {
  return <ComparedTable {...props} columns={CHANGED_COLUMNS} gridTemplateColumns="minmax(0,1fr) 6rem 14rem" />;
}
