import { LoadingRegion, Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export function ManifestSkeleton() {
  return (
    <LoadingRegion label="Loading manifest" header={["h-4 w-48", "h-8 w-96 max-w-full"]}>
      <div className="space-y-6">
        <Skeleton className="h-72 w-full rounded-xl" />
        <TableSkeleton rows={5} columns={4} />
      </div>
    </LoadingRegion>
  );
}
