import { LoadingRegion, Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export default function Loading() {
  return (
    <LoadingRegion label="Loading your profile" header={["h-8 w-32", "h-4 w-48"]}>
      <div className="grid gap-6 lg:grid-cols-2">
        <Skeleton className="h-48 rounded-xl" />
        <Skeleton className="h-48 rounded-xl" />
      </div>
      <div className="mt-6">
        <TableSkeleton rows={4} columns={5} />
      </div>
    </LoadingRegion>
  );
}
