import { LoadingRegion, Skeleton, TableSkeleton } from "@/components/ui/skeleton";

/** Shown for both the repository page and the manifest page while the server prepares them. */
export function RepositoryPageSkeleton() {
  return (
    <LoadingRegion label="Loading repository">
      <Skeleton className="mb-2 h-4 w-56" />
      <Skeleton className="mb-2 h-8 w-80 max-w-full" />
      <Skeleton className="mb-6 h-4 w-40" />
      <div className="space-y-3">
        <div className="flex gap-3">
          <Skeleton className="h-9 flex-1" />
          <Skeleton className="h-9 w-40" />
          <Skeleton className="h-9 w-28" />
        </div>
        <TableSkeleton rows={12} columns={6} />
      </div>
    </LoadingRegion>
  );
}
