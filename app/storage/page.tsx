import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { ForbiddenView } from "@/components/auth/forbidden-view";
import { can } from "@/lib/auth/permissions";
import { requirePageCaller } from "@/lib/http/page";
import { pageHrefs, storageOptions } from "@/lib/queries";
import { makeServerQueryClient, prefetchMe } from "@/lib/queries/server";
import { getStorageOverview } from "@/lib/services/storage";
import { StorageClient } from "./storage-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Storage" };

export default async function StoragePage() {
  const caller = await requirePageCaller(pageHrefs.storage);
  if (!can(caller, "gc:run")) {
    return <ForbiddenView title="You need the admin role">Only admins see the registry's storage.</ForbiddenView>;
  }
  const queryClient = makeServerQueryClient();
  await Promise.all([prefetchMe(queryClient, caller), queryClient.prefetchQuery(storageOptions(() => getStorageOverview(caller)))]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <StorageClient />
    </HydrationBoundary>
  );
}
