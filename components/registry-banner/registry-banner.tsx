"use client";

import { useQuery } from "@tanstack/react-query";
import { formatExact } from "@/components/ui/format";
import { AlertIcon } from "@/components/ui/icons";
import { RelativeTime } from "@/components/ui/relative-time";
import { syncStatusOptions } from "@/lib/queries";

/** Shown while the last check of the registry failed: the pages keep working from the cache. */
export function RegistryBanner() {
  const { data: sync } = useQuery(syncStatusOptions());
  if (sync?.registry.reachable !== false) return null;
  const since = sync.registry.lastSuccessAt ?? sync.lastSuccessAt;
  return (
    <div
      role="alert"
      className="border-amber-300 border-b bg-amber-50 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      <div className="mx-auto flex max-w-7xl items-start gap-2 px-4 py-2.5 text-sm sm:px-6">
        <AlertIcon className="mt-0.5 size-4 shrink-0" />
        <p>
          <strong className="font-semibold">Registry unreachable</strong>
          {" — "}
          {since ? (
            <>
              showing data from <span className="font-medium">{formatExact(since)}</span> (<RelativeTime iso={since} />)
            </>
          ) : (
            "no data has been synced from it yet"
          )}
          {sync.registry.error ? <span className="block break-words opacity-90">{sync.registry.error}</span> : null}
        </p>
      </div>
    </div>
  );
}
