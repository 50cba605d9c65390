import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { type ReactNode, Suspense } from "react";
import type { Caller } from "@/lib/auth/caller";
import { makeServerQueryClient, prefetchSyncStatus } from "@/lib/queries/server";

async function Prefetched({ caller, children }: { caller: Caller; children: ReactNode }) {
  const queryClient = makeServerQueryClient();
  await prefetchSyncStatus(queryClient, caller);
  return <HydrationBoundary state={dehydrate(queryClient)}>{children}</HydrationBoundary>;
}

/**
 * The header's sync indicator and the registry banner, rendered with the sync status once it is read. Streamed
 * in their own boundary, so the page itself never waits for the status (its queries and the registry probe):
 * until it arrives, `fallback` holds the place.
 */
export function WithSyncStatus({ caller, fallback, children }: { caller: Caller; fallback: ReactNode; children: ReactNode }) {
  return (
    <Suspense fallback={fallback}>
      <Prefetched caller={caller}>{children}</Prefetched>
    </Suspense>
  );
}
