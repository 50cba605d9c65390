import { FilterBarSkeleton, LoadingRegion, Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export function RepositoriesSkeleton() {
  return (
    <LoadingRegion label="Loading repositories" header={["h-8 w-48", "h-4 w-32"]}>
      <div className="grid gap-6 lg:grid-cols-[16rem_minmax(0,1fr)]">
        <div className="space-y-2">
          {["a", "b", "c", "d", "e", "f", "g"].map((id) => (
            <Skeleton key={id} className="h-6" />
          ))}
        </div>
        <div className="space-y-3">
          <FilterBarSkeleton />
          <TableSkeleton rows={10} columns={4} />
        </div>
      </div>
    </LoadingRegion>
  );
}
