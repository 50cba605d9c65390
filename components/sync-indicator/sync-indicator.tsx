"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { formatCount } from "@/components/ui/format";
import { RefreshIcon } from "@/components/ui/icons";
import { ProgressBar } from "@/components/ui/progress-bar";
import { RelativeTime } from "@/components/ui/relative-time";
import { invalidateSyncedData, meOptions, syncStatusOptions, triggerSyncOptions } from "@/lib/queries";

/** Header widget: progress of the running sync, or when the last one finished, and "Sync now" for roles that may sync. */
export function SyncIndicator() {
  const queryClient = useQueryClient();
  const { data: sync } = useQuery(syncStatusOptions());
  const { data: me } = useQuery(meOptions());
  const canSync = me?.permissions.includes("sync:run") ?? false;
  const trigger = useMutation(triggerSyncOptions(queryClient));

  // When a run finishes, tags may point elsewhere now: refetch what is on screen.
  const wasRunning = useRef<boolean | undefined>(undefined);
  const running = sync?.running ?? false;
  const queued = sync?.queued ?? false;
  useEffect(() => {
    if (wasRunning.current === true && !running) void invalidateSyncedData(queryClient);
    wasRunning.current = running;
  }, [running, queryClient]);

  const current = sync?.current ?? null;
  const lastRun = sync?.lastRun ?? null;

  return (
    <div className="flex min-w-0 items-center gap-3">
      <div className="min-w-0 text-xs text-zinc-600 dark:text-zinc-400" aria-live="polite">
        {!sync ? (
          <span className="sr-only">Loading sync status</span>
        ) : running && current ? (
          <div className="flex w-40 flex-col gap-1 sm:w-48">
            <span className="truncate">
              Syncing {formatCount(current.repositories)}
              {current.repositoriesTotal > 0 ? ` of ${formatCount(current.repositoriesTotal)}` : ""} repositories
            </span>
            <ProgressBar
              label="Sync progress"
              value={current.repositories}
              max={current.repositoriesTotal}
              valueText={
                current.repositoriesTotal > 0
                  ? `${current.repositories} of ${current.repositoriesTotal} repositories`
                  : "Counting repositories"
              }
            />
          </div>
        ) : running ? (
          <span>Sync starting…</span>
        ) : sync.queued || trigger.isPending ? (
          <span>Sync queued…</span>
        ) : lastRun ? (
          <span className="hidden items-center gap-1.5 sm:inline-flex">
            {lastRun.status === "failed" ? (
              <Badge tone="danger">Sync failed</Badge>
            ) : lastRun.status === "partial" ? (
              <Badge tone="warning">Partial sync</Badge>
            ) : (
              <span>Synced</span>
            )}
            <RelativeTime iso={lastRun.finishedAt ?? lastRun.startedAt} />
          </span>
        ) : (
          <span className="hidden sm:inline">Never synced</span>
        )}
      </div>
      {canSync ? (
        <Button
          size="sm"
          variant="secondary"
          onClick={() => trigger.mutate()}
          disabled={running || queued || trigger.isPending}
          aria-describedby={trigger.isError ? "sync-now-error" : undefined}
        >
          <RefreshIcon className={running || queued || trigger.isPending ? "size-3.5 animate-spin" : "size-3.5"} />
          Sync now
        </Button>
      ) : null}
      {canSync && trigger.isError ? (
        <span id="sync-now-error" role="alert" className="max-w-48 truncate text-red-700 text-xs dark:text-red-300">
          {trigger.error.message}
        </span>
      ) : null}
    </div>
  );
}
