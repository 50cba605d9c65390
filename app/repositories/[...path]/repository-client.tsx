"use client";

import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { DeleteDialog } from "@/components/deletions/delete-dialog";
import { RepositoryBreadcrumbs } from "@/components/repository-list/repository-breadcrumbs";
import { TagTable } from "@/components/tag-table/tag-table";
import { Button, buttonClass } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { FilterBar } from "@/components/ui/filter-bar";
import { formatCount, pluralize } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import type { SelectOption } from "@/components/ui/select";
import { TableSkeleton } from "@/components/ui/skeleton";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import { pullByTagCommand, repositoryPullTag } from "@/lib/oci/pull-command";
import { formatBytes } from "@/lib/oci/size";
import {
  type DeletionInput,
  defaultTagOrder,
  flattenPages,
  meOptions,
  pageHrefs,
  type TagSort,
  tagListOptions,
  tagListParamsFromSearch,
  tagsChangedSince,
  tagsVersionOptions,
} from "@/lib/queries";

const SORTS: SelectOption<TagSort>[] = [
  { value: "semver", label: "Version" },
  { value: "created", label: "Created" },
  { value: "size", label: "Size" },
  { value: "name", label: "Name" },
];

export function RepositoryClient({ name, pullHost }: { name: string; pullHost: string }) {
  const searchParams = useSearchParams();
  const params = tagListParamsFromSearch(searchParams);
  const update = useSearchParamsUpdate();
  const [artifactRows, setArtifactRows] = useState(params.artifacts === "rows");
  // back/forward and deep links move the URL without a click
  useEffect(() => setArtifactRows(params.artifacts === "rows"), [params.artifacts]);
  const list = useInfiniteQuery({ ...tagListOptions(name, params), placeholderData: keepPreviousData });
  const { data: me } = useQuery(meOptions());

  // Live: the page polls the repository's tags version and reloads the pages it holds only when that moved.
  const loadedVersion = list.isPlaceholderData ? undefined : list.data?.pages[0]?.repository.tagsVersion;
  const { data: polledVersion } = useQuery({ ...tagsVersionOptions(name), initialData: loadedVersion });
  const { refetch } = list;
  useEffect(() => {
    // a refetch already under way is left to finish (it reads the new version) rather than restarted
    if (tagsChangedSince(loadedVersion, polledVersion)) void refetch({ cancelRefetch: false });
  }, [loadedVersion, polledVersion, refetch]);

  // The server sorts and pages (keyset): the next page loads when the rows in view come near the end of what is
  // loaded, so a repository of 100,000 tags costs what the user scrolls through, not the whole list.
  const { hasNextPage, isFetchingNextPage, isError, fetchNextPage, isPlaceholderData } = list;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage && !isError && !isPlaceholderData) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, isPlaceholderData, fetchNextPage]);

  if (list.isError && !list.data) throw list.error;

  const tags = flattenPages(list.data);
  const total = list.data?.pages[0]?.total ?? 0;
  const complete = !hasNextPage;
  const repository = list.data?.pages[0]?.repository;
  const filtered = params.q !== undefined;

  const canDelete = me?.permissions.includes("tag:delete") ?? false;
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [deleting, setDeleting] = useState<{ input: DeletionInput; title: string } | null>(null);
  const toggle = (tag: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(tag)) next.delete(tag);
      else next.add(tag);
      return next;
    });

  // a tag that exists (latest if there is one), pulled with the tool its kind needs; none for an empty repository
  const pullTag = repositoryPullTag(tags);
  const pullTagCommand = pullTag ? pullByTagCommand(pullHost, name, pullTag.name, pullTag) : null;
  const pullCommand = pullTagCommand ? { command: pullTagCommand, tool: pullTagCommand.split(" ")[0] } : null;

  return (
    <>
      <PageHeader
        eyebrow={<RepositoryBreadcrumbs name={name} />}
        title={
          <span className="inline-flex items-center gap-2">
            <span className="font-mono">{name}</span>
            <CopyButton value={name} label="Copy repository name" />
          </span>
        }
        description={
          list.data ? (
            <span className="flex flex-wrap gap-x-4 gap-y-1">
              <span>{filtered ? `${pluralize(total, "tag")} match` : pluralize(total, "tag")}</span>
              {repository ? (
                <span title="Distinct layer blobs of every tagged image, each counted once">{formatBytes(repository.sizeBytes)}</span>
              ) : null}
            </span>
          ) : null
        }
        actions={
          <>
            {/* not prefetched, as the breadcrumbs: a render on the server while the browser paints this page */}
            <Link href={pageHrefs.compare(name)} prefetch={false} className={buttonClass("secondary", "md")}>
              Compare tags
            </Link>
            {pullCommand ? (
              <CopyButton
                value={pullCommand.command}
                label={`Copy ${pullCommand.tool} pull command: ${pullCommand.command}`}
                variant="secondary"
                size="md"
              >
                Copy {pullCommand.tool} pull command
              </CopyButton>
            ) : null}
          </>
        }
      />
      <section aria-label="Tags" className="space-y-3">
        <FilterBar searchLabel="Filter tags" params={params} sorts={SORTS} defaultSort="semver" defaultOrder={defaultTagOrder}>
          <label className="flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
            <input
              type="checkbox"
              checked={artifactRows}
              onChange={(e) => {
                // the box answers the click at once; the URL (and the list) follow
                setArtifactRows(e.target.checked);
                update({ artifacts: e.target.checked ? "rows" : undefined }, "push");
              }}
              className="size-4 accent-indigo-600"
            />
            List signatures and SBOMs as rows
          </label>
        </FilterBar>
        {canDelete && tags.length > 0 ? (
          <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Delete tags">
            <Button
              size="sm"
              disabled={selected.size === 0}
              onClick={() =>
                setDeleting({
                  input: { repository: name, tags: [...selected] },
                  title: `Delete ${pluralize(selected.size, "selected tag")} of ${name}`,
                })
              }
            >
              Delete selected ({selected.size})…
            </Button>
            {filtered && params.q ? (
              <Button
                size="sm"
                onClick={() =>
                  setDeleting({
                    input: { repository: name, tagFilter: params.q },
                    title: `Delete every tag of ${name} matching “${params.q}”`,
                  })
                }
              >
                Delete all {pluralize(total, "matching tag")}…
              </Button>
            ) : (
              <Button
                size="sm"
                onClick={() => setDeleting({ input: { repository: name, allTags: true }, title: `Delete every tag of ${name}` })}
              >
                Delete all tags…
              </Button>
            )}
          </div>
        ) : null}
        {deleting ? (
          <DeleteDialog
            input={deleting.input}
            title={deleting.title}
            onClose={() => setDeleting(null)}
            onDeleted={() => setSelected(new Set())}
          />
        ) : null}
        {list.isPending ? (
          <TableSkeleton columns={6} />
        ) : tags.length === 0 ? (
          <div className="rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
            {filtered ? (
              <EmptyState title="No tags match">
                No tag of {name} contains “{params.q}”.
              </EmptyState>
            ) : (
              <EmptyState title="No tags">This repository has no tags. Untagged manifests can still be pulled by digest.</EmptyState>
            )}
          </div>
        ) : (
          <>
            <TagTable
              repository={name}
              tags={tags}
              total={total}
              params={params}
              pullHost={pullHost}
              selection={canDelete ? { selected, onToggle: toggle } : undefined}
              onNearEnd={loadMore}
            />
            <p className="text-xs text-zinc-600 dark:text-zinc-400" aria-live="polite">
              {complete
                ? pluralize(total, "tag")
                : `${formatCount(tags.length)} of ${formatCount(total)} tags loaded${isFetchingNextPage ? ", loading more…" : "; scroll for more"}`}
            </p>
            {list.isError ? <ErrorState title="Couldn't load more tags" error={list.error} onRetry={() => void fetchNextPage()} /> : null}
          </>
        )}
      </section>
    </>
  );
}
