import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { ForbiddenView } from "@/components/auth/forbidden-view";
import { can } from "@/lib/auth/permissions";
import { requirePageCaller } from "@/lib/http/page";
import { gcOverviewOptions, pageHrefs } from "@/lib/queries";
import { makeServerQueryClient, prefetchMe } from "@/lib/queries/server";
import { gcOverview } from "@/lib/services/gc";
import { GcClient } from "./gc-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Garbage collection" };

export default async function GcPage() {
  const caller = await requirePageCaller(pageHrefs.gc);
  if (!can(caller, "gc:run")) {
    return <ForbiddenView title="You need the admin role">Only admins run garbage collection.</ForbiddenView>;
  }
  const queryClient = makeServerQueryClient();
  await Promise.all([prefetchMe(queryClient, caller), queryClient.prefetchQuery(gcOverviewOptions(() => gcOverview(caller)))]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <GcClient />
    </HydrationBoundary>
  );
}
