import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { requirePageCaller } from "@/lib/http/page";
import { pageHrefs, repositoryListParamsFromSearch, searchString } from "@/lib/queries";
import { makeServerQueryClient, prefetchRepositoriesView } from "@/lib/queries/server";
import { RepositoriesClient } from "./repositories-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Repositories" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RepositoriesPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const caller = await requirePageCaller(`${pageHrefs.repositories}${searchString(sp)}`);
  const queryClient = makeServerQueryClient();
  await prefetchRepositoriesView(queryClient, caller, repositoryListParamsFromSearch(sp));
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <RepositoriesClient />
    </HydrationBoundary>
  );
}
