"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { IncompleteBadge } from "@/components/problems/incomplete";
import { Bytes } from "@/components/ui/bytes";
import { linkClass } from "@/components/ui/cn";
import { formatCount } from "@/components/ui/format";
import { RelativeTime } from "@/components/ui/relative-time";
import { type VirtualColumn, VirtualTable } from "@/components/ui/virtual-table";
import type { RepositoryItem } from "@/lib/contract/repositories";
import { pageHrefs, type RepositoryListParams, type RepositorySort } from "@/lib/queries";

function ariaSort(params: RepositoryListParams, sort: RepositorySort) {
  if (params.sort !== sort) return undefined;
  return params.order === "asc" ? ("ascending" as const) : ("descending" as const);
}

export function RepositoryTable({
  repositories,
  total,
  params,
  onNearEnd,
}: {
  repositories: readonly RepositoryItem[];
  total: number;
  params: RepositoryListParams;
  onNearEnd: () => void;
}) {
  const router = useRouter();
  const columns: VirtualColumn<RepositoryItem>[] = [
    {
      id: "name",
      header: "Repository",
      ariaSort: ariaSort(params, "name"),
      cell: (r) => (
        <span className="flex min-w-0 items-center gap-2">
          <Link
            href={pageHrefs.repository(r.name)}
            // hundreds of rows scroll past: prefetching each would render each page on the server
            prefetch={false}
            className={`block truncate ${linkClass}`}
            title={r.name}
          >
            {r.name}
          </Link>
          <IncompleteBadge problems={r.problems} />
        </span>
      ),
    },
    {
      id: "tags",
      header: "Tags",
      className: "text-right",
      ariaSort: ariaSort(params, "tags"),
      cell: (r) => formatCount(r.tagCount),
    },
    {
      id: "size",
      header: "Size",
      className: "text-right",
      ariaSort: ariaSort(params, "size"),
      cell: (r) => <Bytes value={r.sizeBytes} />,
    },
    {
      id: "updated",
      header: "Last updated",
      className: "text-right text-zinc-600 dark:text-zinc-400",
      ariaSort: ariaSort(params, "updated"),
      cell: (r) => <RelativeTime iso={r.updatedAt} />,
    },
  ];
  return (
    <VirtualTable
      label="Repositories"
      columns={columns}
      rows={repositories}
      rowKey={(r) => r.name}
      totalRows={total}
      gridTemplateColumns="minmax(12rem, 1fr) 5rem 6.5rem 8.5rem"
      minWidth={560}
      onNearEnd={onNearEnd}
      onRowClick={(r) => router.push(pageHrefs.repository(r.name))}
    />
  );
}
