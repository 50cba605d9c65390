import { LoadingRegion, Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export function UsersSkeleton() {
  return (
    <LoadingRegion label="Loading users" header={["h-8 w-32", "h-4 w-24"]}>
      <div className="space-y-6">
        <Skeleton className="h-40 w-full rounded-xl" />
        <TableSkeleton rows={6} columns={6} />
        <TableSkeleton rows={5} columns={4} />
      </div>
    </LoadingRegion>
  );
}
