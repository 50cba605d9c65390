import { LoadingRegion, Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export function RepositoriesSkeleton() {
  return (
    <LoadingRegion label="Loading repositories">
      <Skeleton className="mb-2 h-8 w-48" />
      <Skeleton className="mb-6 h-4 w-32" />
      <div className="grid gap-6 lg:grid-cols-[16rem_minmax(0,1fr)]">
        <div className="space-y-2">
          {["a", "b", "c", "d", "e", "f", "g"].map((id) => (
            <Skeleton key={id} className="h-6" />
          ))}
        </div>
        <div className="space-y-3">
          <div className="flex gap-3">
            <Skeleton className="h-9 flex-1" />
            <Skeleton className="h-9 w-40" />
            <Skeleton className="h-9 w-28" />
          </div>
          <TableSkeleton rows={10} columns={4} />
        </div>
      </div>
    </LoadingRegion>
  );
}
