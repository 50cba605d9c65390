import { FilterBarSkeleton, LoadingRegion, TableSkeleton } from "@/components/ui/skeleton";

/** Shown for both the repository page and the manifest page while the server prepares them. */
export function RepositoryPageSkeleton() {
  return (
    <LoadingRegion label="Loading repository" header={["h-4 w-56", "h-8 w-80 max-w-full", "h-4 w-40"]}>
      <div className="space-y-3">
        <FilterBarSkeleton />
        <TableSkeleton rows={12} columns={6} />
      </div>
    </LoadingRegion>
  );
}
