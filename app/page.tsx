import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { requirePageCaller } from "@/lib/http/page";
import { pageHrefs, repositoryListOptions, repositoryListParamsFromSearch, syncStatusOptions } from "@/lib/queries";
import { makeServerQueryClient, prefetchRepositoriesView, serviceLoaders } from "@/lib/queries/server";
import { OnboardingClient } from "./onboarding-client";
import { RepositoriesClient } from "./repositories/repositories-client";

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Home: the repositories view, or, before anything was ever synced, how to get started. */
export default async function HomePage({ searchParams }: { searchParams: SearchParams }) {
  const caller = await requirePageCaller(pageHrefs.home);
  const params = repositoryListParamsFromSearch(await searchParams);
  const queryClient = makeServerQueryClient();
  const [sync] = await Promise.all([
    queryClient.fetchQuery(syncStatusOptions(serviceLoaders(caller).sync)).catch(() => null),
    prefetchRepositoriesView(queryClient, caller, params),
  ]);
  const firstPage = queryClient.getQueryData(repositoryListOptions(params).queryKey)?.pages[0];
  const neverSynced = sync !== null && sync.lastRun === null && !sync.running && firstPage !== undefined && firstPage.total === 0;

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>{neverSynced ? <OnboardingClient /> : <RepositoriesClient />}</HydrationBoundary>
  );
}
