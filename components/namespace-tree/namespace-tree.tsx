"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { formatCount } from "@/components/ui/format";
import { BoxIcon, ChevronRightIcon, FolderIcon } from "@/components/ui/icons";
import { Skeleton } from "@/components/ui/skeleton";
import type { NamespaceList } from "@/lib/contract/namespaces";
import { namespaceAncestors, namespaceOptions, pageHrefs } from "@/lib/queries";

type NamespaceNode = NamespaceList["items"][number];

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Repositories below this node besides the node itself, i.e. whether it has children to show. */
function hasChildren(node: NamespaceNode): boolean {
  return node.repositoryCount > (node.isRepository ? 1 : 0);
}

/**
 * Namespaces as a lazily expanded tree: each level is fetched when first opened. Selecting a
 * namespace filters the repository list; a plain repository links to its page.
 */
export function NamespaceTree({
  selected,
  onSelect,
  total,
}: {
  selected: string | undefined;
  onSelect: (namespace: string | undefined) => void;
  total: number | undefined;
}) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(namespaceAncestors(selected).slice(1)));

  function toggle(path: string) {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  }

  return (
    <nav aria-label="Namespaces" className="text-sm">
      <button
        type="button"
        aria-pressed={selected === undefined}
        onClick={() => onSelect(undefined)}
        className={cn(rowButton, selected === undefined ? selectedRow : idleRow, "mb-1 w-full")}
      >
        <span className="truncate">All repositories</span>
        {total !== undefined ? <Count n={total} /> : null}
      </button>
      <NamespaceLevel prefix="" depth={0} expanded={expanded} toggle={toggle} selected={selected} onSelect={onSelect} />
    </nav>
  );
}

const rowButton = cn("flex min-w-0 flex-1 items-center justify-between gap-2 rounded-md px-2 py-1 text-left transition-colors", focusRing);
const selectedRow = "bg-indigo-50 font-medium text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100";
const idleRow = "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800";

function Count({ n }: { n: number }) {
  return (
    <span className="shrink-0 rounded-full bg-zinc-100 px-1.5 text-xs text-zinc-700 tabular-nums dark:bg-zinc-800 dark:text-zinc-300">
      {formatCount(n)}
      <span className="sr-only"> {n === 1 ? "repository" : "repositories"}</span>
    </span>
  );
}

function NamespaceLevel({
  prefix,
  depth,
  expanded,
  toggle,
  selected,
  onSelect,
}: {
  prefix: string;
  depth: number;
  expanded: ReadonlySet<string>;
  toggle: (path: string) => void;
  selected: string | undefined;
  onSelect: (namespace: string | undefined) => void;
}) {
  const { data, error, isPending, refetch, hasNextPage, fetchNextPage, isFetchingNextPage } = useInfiniteQuery(namespaceOptions(prefix));
  if (isPending) {
    return (
      <div className="space-y-1.5 py-1" style={{ paddingLeft: depth * 12 + 24 }}>
        <span className="sr-only">Loading namespaces</span>
        <Skeleton className="h-5 w-3/4" />
        <Skeleton className="h-5 w-1/2" />
      </div>
    );
  }
  if (error) {
    return (
      <p className="py-1 text-red-700 text-xs dark:text-red-300" style={{ paddingLeft: depth * 12 + 24 }}>
        Couldn't load namespaces.{" "}
        <button type="button" onClick={() => void refetch()} className={cn("underline", focusRing)}>
          Retry
        </button>
      </p>
    );
  }
  const items = data.pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return depth === 0 ? <p className="px-2 py-1 text-xs text-zinc-600 dark:text-zinc-400">No namespaces yet</p> : null;
  }
  return (
    <ul className="space-y-0.5">
      {items.map((node) => {
        const open = expanded.has(node.path);
        const expandable = hasChildren(node);
        const name = lastSegment(node.path);
        return (
          <li key={node.path}>
            <div className="flex items-center gap-0.5" style={{ paddingLeft: depth * 12 }}>
              {expandable ? (
                <button
                  type="button"
                  aria-expanded={open}
                  aria-label={`${open ? "Collapse" : "Expand"} ${node.path}`}
                  onClick={() => toggle(node.path)}
                  className={cn(
                    "inline-flex size-6 shrink-0 items-center justify-center rounded text-zinc-500 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800",
                    focusRing,
                  )}
                >
                  <ChevronRightIcon className={cn("size-3.5 transition-transform", open && "rotate-90")} />
                </button>
              ) : (
                <span className="size-6 shrink-0" />
              )}
              {expandable ? (
                <button
                  type="button"
                  aria-pressed={selected === node.path}
                  title={`Show repositories under ${node.path}/`}
                  onClick={() => onSelect(node.path)}
                  className={cn(rowButton, selected === node.path ? selectedRow : idleRow)}
                >
                  <span className="flex min-w-0 items-center gap-1.5">
                    <FolderIcon className="size-3.5 shrink-0 text-zinc-500 dark:text-zinc-400" />
                    <span className="truncate">{name}</span>
                  </span>
                  <Count n={node.repositoryCount - (node.isRepository ? 1 : 0)} />
                </button>
              ) : (
                <Link href={pageHrefs.repository(node.path)} prefetch={false} className={cn(rowButton, idleRow)} title={node.path}>
                  <span className="flex min-w-0 items-center gap-1.5">
                    <BoxIcon className="size-3.5 shrink-0 text-zinc-500 dark:text-zinc-400" />
                    <span className="truncate">{name}</span>
                  </span>
                </Link>
              )}
              {expandable && node.isRepository ? (
                <Link
                  href={pageHrefs.repository(node.path)}
                  prefetch={false}
                  aria-label={`Open repository ${node.path}`}
                  title={`Open repository ${node.path}`}
                  className={cn(
                    "inline-flex size-6 shrink-0 items-center justify-center rounded text-zinc-500 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800",
                    focusRing,
                  )}
                >
                  <BoxIcon className="size-3.5" />
                </Link>
              ) : null}
            </div>
            {expandable && open ? (
              <NamespaceLevel
                prefix={node.path}
                depth={depth + 1}
                expanded={expanded}
                toggle={toggle}
                selected={selected}
                onSelect={onSelect}
              />
            ) : null}
          </li>
        );
      })}
      {hasNextPage ? (
        <li style={{ paddingLeft: depth * 12 + 24 }}>
          <button
            type="button"
            disabled={isFetchingNextPage}
            onClick={() => void fetchNextPage()}
            className={cn("rounded px-2 py-1 text-indigo-700 text-xs underline disabled:opacity-60 dark:text-indigo-300", focusRing)}
          >
            {isFetchingNextPage ? "Loading…" : `Show more of ${prefix ? `${prefix}/` : "the top level"}`}
          </button>
        </li>
      ) : null}
    </ul>
  );
}
