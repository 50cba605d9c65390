import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { namespaceAncestors, namespaceOptions, repositoryListOptions, repositoryListParamsFromSearch } from "@/lib/queries";
import { makeServerQueryClient, serviceLoaders } from "@/lib/queries/server";
import { RepositoriesClient } from "./repositories-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Repositories" };

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RepositoriesPage({ searchParams }: { searchParams: SearchParams }) {
  const params = repositoryListParamsFromSearch(await searchParams);
  const queryClient = makeServerQueryClient();
  // The namespace tree opens down to the selected namespace, so a deep link shows where it is.
  await Promise.all([
    queryClient.prefetchInfiniteQuery(repositoryListOptions(params, serviceLoaders.repositories)),
    ...namespaceAncestors(params.namespace).map((prefix) =>
      queryClient.prefetchQuery(namespaceOptions(prefix, serviceLoaders.namespaces)),
    ),
  ]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <RepositoriesClient />
    </HydrationBoundary>
  );
}
