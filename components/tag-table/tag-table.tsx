"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { IncompleteBadge } from "@/components/problems/incomplete";
import { Bytes } from "@/components/ui/bytes";
import { linkClass } from "@/components/ui/cn";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/relative-time";
import { type VirtualColumn, VirtualTable } from "@/components/ui/virtual-table";
import type { TagItem } from "@/lib/contract/repositories";
import { pullByDigestCommand, pullByTagCommand } from "@/lib/oci/pull-command";
import { shortDigest } from "@/lib/oci/reference";
import { formatBytes } from "@/lib/oci/size";
import { pageHrefs, type TagListParams, type TagSort } from "@/lib/queries";
import { PlatformBadges } from "./platform-badges";
import { RelatedBadges, RelationBadge } from "./related-badges";
import { SharedDigestMarker } from "./shared-digest-marker";

/** The `elementtiming` name of the first row's tag link. */
const FIRST_ROW_TIMING = "first-tag-row";

function ariaSort(params: TagListParams, sort: TagSort) {
  // semver and name both order the tag column
  const active = params.sort === sort || (sort === "name" && params.sort === "semver");
  if (!active) return undefined;
  return params.order === "asc" ? ("ascending" as const) : ("descending" as const);
}

export function TagTable({
  repository,
  tags,
  total,
  params,
  pullHost,
  selection,
  onNearEnd,
}: {
  repository: string;
  tags: readonly TagItem[];
  total: number;
  params: TagListParams;
  pullHost: string;
  /** Editors pick tags to delete; absent for roles that can't. */
  selection?: { selected: ReadonlySet<string>; onToggle: (tag: string) => void };
  /** Load the next page: called when the rows in view come near the end of what is loaded. */
  onNearEnd?: () => void;
}) {
  const router = useRouter();
  const selectColumn: VirtualColumn<TagItem>[] = selection
    ? [
        {
          id: "select",
          header: <span className="sr-only">Select</span>,
          cell: (t) => (
            <input
              type="checkbox"
              aria-label={`Select ${t.name}`}
              checked={selection.selected.has(t.name)}
              onChange={() => selection.onToggle(t.name)}
              onClick={(e) => e.stopPropagation()}
              className="size-4 accent-indigo-600"
            />
          ),
        },
      ]
    : [];
  const columns: VirtualColumn<TagItem>[] = [
    ...selectColumn,
    {
      id: "tag",
      header: "Tag",
      ariaSort: ariaSort(params, "name"),
      cell: (t, index) => (
        <span className="flex min-w-0 items-center gap-2">
          <Link
            href={pageHrefs.manifest(repository, t.name)}
            prefetch={false}
            className={`truncate font-mono ${linkClass}`}
            title={t.name}
            // the browser's Element Timing reports when the first row was painted (`npm run bench -- --paint`)
            {...(index === 0 ? { elementtiming: FIRST_ROW_TIMING } : {})}
          >
            {t.name}
          </Link>
          <SharedDigestMarker tag={t.name} sharedWith={t.sharedWith} sharedCount={t.sharedCount} />
          {t.relatedTo ? <RelationBadge relatedTo={t.relatedTo} /> : <RelatedBadges related={t.related} />}
          <IncompleteBadge problems={t.problems} />
        </span>
      ),
    },
    {
      id: "digest",
      header: "Digest",
      cell: (t) => (
        <span className="flex items-center gap-1">
          <code className="truncate font-mono text-xs text-zinc-700 dark:text-zinc-300" title={t.digest}>
            {shortDigest(t.digest)}
          </code>
          <CopyButton value={t.digest} label={`Copy digest of ${t.name}`} />
        </span>
      ),
    },
    {
      id: "platforms",
      header: "Platforms",
      cell: (t) => <PlatformBadges kind={t.kind} platforms={t.platforms} max={2} />,
    },
    {
      id: "size",
      header: "Size",
      className: "text-right",
      ariaSort: ariaSort(params, "size"),
      cell: (t) => <Bytes value={t.sizeBytes} />,
    },
    {
      id: "created",
      header: "Created",
      className: "text-right text-zinc-600 dark:text-zinc-400",
      ariaSort: ariaSort(params, "created"),
      cell: (t) => <RelativeTime iso={t.createdAt} />,
    },
    {
      id: "actions",
      header: "Pull",
      className: "flex justify-end gap-1",
      cell: (t) => {
        const byTag = pullByTagCommand(pullHost, repository, t.name, t);
        const byDigest = pullByDigestCommand(pullHost, repository, t.digest, t);
        if (!byTag && !byDigest) return <span className="text-zinc-500 dark:text-zinc-400">—</span>;
        return (
          <>
            {byTag ? (
              <CopyButton value={byTag} label={`Copy pull by tag: ${byTag.replace(`${pullHost}/`, "")}`}>
                tag
              </CopyButton>
            ) : null}
            {byDigest ? (
              <CopyButton
                value={byDigest}
                label={`Copy pull by digest: ${byDigest.split(" ")[0]} pull ${repository}@${shortDigest(t.digest)}`}
              >
                digest
              </CopyButton>
            ) : null}
          </>
        );
      },
    },
  ];
  return (
    <VirtualTable
      label={`Tags of ${repository}`}
      columns={columns}
      rows={tags}
      rowKey={(t) => t.name}
      totalRows={total}
      gridTemplateColumns={`${selection ? "2.5rem " : ""}minmax(10rem, 1.3fr) 11.5rem minmax(9rem, 1fr) 5.5rem 7.5rem 9.5rem`}
      minWidth={900}
      onRowClick={(t) => router.push(pageHrefs.manifest(repository, t.name))}
      onNearEnd={onNearEnd}
    />
  );
}
