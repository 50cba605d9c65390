"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useCallback } from "react";
import { NamespaceTree } from "@/components/namespace-tree/namespace-tree";
import { RepositoryTable } from "@/components/repository-list/repository-table";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { FilterBar } from "@/components/ui/filter-bar";
import { formatCount, pluralize } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import type { SelectOption } from "@/components/ui/select";
import { TableSkeleton } from "@/components/ui/skeleton";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import {
  defaultRepositoryOrder,
  flattenPages,
  namespaceOptions,
  type RepositorySort,
  repositoryListOptions,
  repositoryListParamsFromSearch,
} from "@/lib/queries";

const SORTS: SelectOption<RepositorySort>[] = [
  { value: "name", label: "Name" },
  { value: "updated", label: "Last updated" },
  { value: "size", label: "Size" },
  { value: "tags", label: "Tag count" },
];

export function RepositoriesClient() {
  const searchParams = useSearchParams();
  const params = repositoryListParamsFromSearch(searchParams);
  const update = useSearchParamsUpdate();

  const list = useInfiniteQuery({ ...repositoryListOptions(params), placeholderData: keepPreviousData });
  // The tree's "All repositories" count: the unfiltered total when it's cached, else the root level's sum.
  const root = useInfiniteQuery(namespaceOptions(""));
  const allCount = root.data?.pages[0]?.repositoryCount;

  const repositories = flattenPages(list.data);
  const total = list.data?.pages[0]?.total ?? 0;
  const filtered = params.q !== undefined || params.namespace !== undefined;

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  return (
    <>
      <PageHeader
        title="Repositories"
        description={
          list.data ? (
            <span aria-live="polite">
              {filtered ? `${pluralize(total, "repository", "repositories")} match` : pluralize(total, "repository", "repositories")}
              {params.namespace ? ` in ${params.namespace}/` : ""}
            </span>
          ) : null
        }
      />
      {/* phones read top to bottom: search, namespaces, list; wide screens put the tree left of both */}
      <div className="grid gap-x-6 gap-y-3 lg:grid-cols-[16rem_minmax(0,1fr)] lg:grid-rows-[auto_1fr]">
        <FilterBar
          searchLabel="Search repositories"
          params={params}
          sorts={SORTS}
          defaultSort="name"
          defaultOrder={defaultRepositoryOrder}
          className="flex min-w-0 flex-wrap items-center gap-3 lg:col-start-2 lg:row-start-1"
        />
        <aside className="lg:sticky lg:top-20 lg:col-start-1 lg:row-span-2 lg:row-start-1 lg:max-h-[calc(100dvh-7rem)] lg:self-start lg:overflow-y-auto">
          <NamespaceTree selected={params.namespace} onSelect={(namespace) => update({ namespace }, "push")} total={allCount} />
        </aside>
        <section aria-label="Repository list" className="min-w-0 space-y-3 lg:col-start-2 lg:row-start-2">
          {params.namespace ? (
            <p className="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
              Namespace <code className="font-mono text-zinc-900 dark:text-zinc-100">{params.namespace}/</code>
              <Button size="sm" variant="ghost" onClick={() => update({ namespace: undefined }, "push")}>
                Clear
              </Button>
            </p>
          ) : null}
          {list.isPending ? (
            <TableSkeleton columns={4} />
          ) : list.isError && !list.data ? (
            <ErrorState title="Couldn't load repositories" error={list.error} onRetry={() => void list.refetch()} />
          ) : repositories.length === 0 ? (
            <div className="rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
              {filtered ? (
                <EmptyState title="No repositories match">Try a shorter search or another namespace.</EmptyState>
              ) : (
                <EmptyState title="No repositories yet">
                  Push an image to the registry: it appears here after the next sync (or at once with “Sync now”, for editors and admins).
                </EmptyState>
              )}
            </div>
          ) : (
            <>
              <RepositoryTable repositories={repositories} total={total} params={params} onNearEnd={loadMore} />
              <p className="text-xs text-zinc-600 dark:text-zinc-400" aria-live="polite">
                {repositories.length < total
                  ? `Showing ${formatCount(repositories.length)} of ${formatCount(total)}${isFetchingNextPage ? " — loading more…" : ""}`
                  : `${pluralize(total, "repository", "repositories")}`}
                {list.isError ? ` — ${list.error.message}` : ""}
              </p>
            </>
          )}
        </section>
      </div>
    </>
  );
}
