"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { GcRunPanel, GcStatusBadge } from "@/components/gc/gc-run-panel";
import { Button } from "@/components/ui/button";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatExact } from "@/components/ui/format";
import { InlineError } from "@/components/ui/inline-error";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import { gcOverviewOptions, postGc, queryKeys } from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";

function NotConfigured() {
  return (
    <TitledCard id="gc-setup" title="Garbage collection is not configured">
      <div className="space-y-2 text-sm">
        <p>
          The registry frees disk space only when its offline <code>garbage-collect</code> command runs. Tell Layerscope how to run it with{" "}
          <code>GC_RUNNER</code>:
        </p>
        <ul className="list-disc space-y-1 pl-5">
          <li>
            <code>GC_RUNNER=exec</code> with <code>GC_REGISTRY_BINARY</code> (e.g. <code>docker-registry</code>) and{" "}
            <code>GC_REGISTRY_CONFIG</code> when Layerscope shares the registry's host or volume; <code>GC_PRE_COMMAND</code> /{" "}
            <code>GC_POST_COMMAND</code> stop (or make read-only) and restart the registry.
          </li>
          <li>
            <code>GC_RUNNER=docker</code> with <code>GC_DOCKER_CONTAINER</code>: runs GC in the registry's container through the Docker
            Engine API, then restarts it.
          </li>
          <li>
            <code>GC_RUNNER=webhook</code> with <code>GC_WEBHOOK_URL</code> and <code>GC_WEBHOOK_CALLBACK_URL</code>: your automation runs
            it and calls back.
          </li>
        </ul>
        <p className={muted}>
          Set REGISTRY_STORAGE_ROOT too, so untagged manifests can be found and deleted safely first. See docs/registry-setup.md, "Garbage
          collection".
        </p>
      </div>
    </TitledCard>
  );
}

export function GcClient() {
  const queryClient = useQueryClient();
  const { data } = useQuery(gcOverviewOptions());
  const update = useSearchParamsUpdate();
  const selected = Number(useSearchParams().get("run") ?? "") || null;
  const [confirming, setConfirming] = useState(false);
  const start = useMutation({
    mutationFn: (dryRun: boolean) => postGc(dryRun),
    onSuccess: async ({ id }) => {
      setConfirming(false);
      update({ run: String(id) }, "push");
      await queryClient.invalidateQueries({ queryKey: queryKeys.gc() });
    },
  });
  if (!data) return null;
  const runs = data.items;
  const active = runs.find((r) => r.status === "queued" || r.status === "running");
  const lastDry = runs.find((r) => r.dryRun && r.status === "succeeded");
  const shown = selected ?? active?.id ?? runs[0]?.id ?? null;

  return (
    <>
      <PageHeader
        title="Garbage collection"
        description={
          data.configured ? (
            <span>
              Runner: <code className="font-mono text-xs">{data.runner}</code>
              {data.schedule ? ` · scheduled ${data.schedule} (UTC)` : " · runs when started here"}
            </span>
          ) : null
        }
        actions={
          data.configured ? (
            <>
              <Button disabled={active !== undefined || start.isPending} onClick={() => start.mutate(true)}>
                Start dry run
              </Button>
              <Button
                variant="primary"
                disabled={active !== undefined || start.isPending || !lastDry}
                title={lastDry ? undefined : "Run a dry run first"}
                onClick={() => setConfirming(true)}
              >
                Run garbage collection…
              </Button>
            </>
          ) : null
        }
      />
      <div className="space-y-6">
        {!data.configured ? <NotConfigured /> : null}
        {start.isError ? <InlineError>{start.error.message}</InlineError> : null}
        {confirming && lastDry ? (
          <TitledCard id="gc-confirm" title="Run garbage collection for real?">
            <div className="space-y-3 text-sm">
              <p>
                The last dry run (run {lastDry.id}, {formatExact(lastDry.finishedAt ?? lastDry.createdAt)}) found{" "}
                <strong>{lastDry.progress.blobsEligible} blobs</strong> (<Bytes value={lastDry.bytesEligible} />) eligible. A real run first
                deletes untagged manifests through the registry API (keeping the children of tagged indexes), then runs{" "}
                <code>garbage-collect</code> with the registry read-only or stopped by the runner's hooks, restarts it, and resyncs.
              </p>
              {!data.storageRoot ? (
                <p className="text-amber-800 dark:text-amber-300">
                  REGISTRY_STORAGE_ROOT is not set: untagged manifests cannot be found, so only blobs no manifest references are freed.
                </p>
              ) : null}
              <div className="flex gap-2">
                <Button variant="primary" onClick={() => start.mutate(false)} disabled={start.isPending}>
                  Start garbage collection
                </Button>
                <Button onClick={() => setConfirming(false)}>Cancel</Button>
              </div>
            </div>
          </TitledCard>
        ) : null}
        {shown !== null ? <GcRunPanel id={shown} /> : null}
        <TitledCard id="gc-history" title={`History (${runs.length})`}>
          {runs.length === 0 ? (
            <EmptyState title="No runs yet">Start with a dry run: it shows what a real run would free and changes nothing.</EmptyState>
          ) : (
            <div className="-m-4 overflow-x-auto">
              <Table
                caption="Garbage collection runs, newest first"
                columns={[
                  "Run",
                  "Status",
                  "Started",
                  "By",
                  { label: "Blobs eligible", align: "right" },
                  { label: "Freed", align: "right" },
                ]}
              >
                {runs.map((r) => (
                  <tr key={r.id} aria-current={r.id === shown ? "true" : undefined}>
                    <Td>
                      <Button size="sm" variant="ghost" onClick={() => update({ run: String(r.id) }, "push")}>
                        #{r.id} {r.dryRun ? "dry run" : "real"}
                      </Button>
                    </Td>
                    <Td>
                      <GcStatusBadge run={r} />
                    </Td>
                    <Td className={muted}>{formatExact(r.startedAt ?? r.createdAt)}</Td>
                    <Td>{r.requestedBy ?? "schedule"}</Td>
                    <Td align="right">{r.progress.blobsEligible}</Td>
                    <Td align="right">
                      {r.dryRun ? (
                        <>
                          <Bytes value={r.bytesEligible} /> (dry)
                        </>
                      ) : (
                        <Bytes value={r.bytesFreed} />
                      )}
                    </Td>
                  </tr>
                ))}
              </Table>
            </div>
          )}
        </TitledCard>
      </div>
    </>
  );
}
