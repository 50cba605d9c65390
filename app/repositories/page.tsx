import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { repositoryListParamsFromSearch } from "@/lib/queries";
import { makeServerQueryClient, prefetchRepositoriesView } from "@/lib/queries/server";
import { RepositoriesClient } from "./repositories-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Repositories" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RepositoriesPage({ searchParams }: { searchParams: SearchParams }) {
  const queryClient = makeServerQueryClient();
  await prefetchRepositoriesView(queryClient, repositoryListParamsFromSearch(await searchParams));
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <RepositoriesClient />
    </HydrationBoundary>
  );
}
