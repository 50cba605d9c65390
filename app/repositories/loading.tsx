import { RepositoriesSkeleton } from "@/components/repository-list/repositories-skeleton";

export default function Loading() {
  return <RepositoriesSkeleton />;
}
