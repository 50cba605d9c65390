import { RepositoryPageSkeleton } from "@/components/tag-table/tags-skeleton";

export default function Loading() {
  return <RepositoryPageSkeleton />;
}
