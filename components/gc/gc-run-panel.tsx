"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { InlineError } from "@/components/ui/inline-error";
import { ProgressBar } from "@/components/ui/progress-bar";
import { Table, Td } from "@/components/ui/table";
import type { GcRun, GcRunItem } from "@/lib/contract/gc";
import { gcRunOptions } from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";

export function GcStatusBadge({ run }: { run: Pick<GcRun, "status"> }) {
  const tone = run.status === "succeeded" ? "success" : run.status === "failed" ? "danger" : "accent";
  return <Badge tone={tone}>{run.status}</Badge>;
}

/** Marking has no known total; deleting does (the eligible blobs), so the bar is determinate once GC deletes. */
function RunProgress({ run }: { run: GcRun }) {
  const p = run.progress;
  const deleting = !run.dryRun && p.blobsEligible > 0;
  const active = run.status === "queued" || run.status === "running";
  return (
    <div className="space-y-2">
      {active || deleting ? (
        <ProgressBar
          label="Garbage collection progress"
          value={deleting ? p.blobsDeleted : 0}
          max={deleting ? p.blobsEligible : 0}
          valueText={deleting ? `${p.blobsDeleted} of ${p.blobsEligible} blobs deleted` : `phase: ${run.phase ?? run.status}`}
        />
      ) : null}
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4" data-testid="gc-progress">
        <dt className={muted}>Repositories marked</dt>
        <dd>{p.repositoriesMarked}</dd>
        <dt className={muted}>Blobs eligible</dt>
        <dd>{p.blobsEligible}</dd>
        <dt className={muted}>Blobs deleted</dt>
        <dd>{p.blobsDeleted}</dd>
        <dt className={muted}>Untagged manifests deleted</dt>
        <dd>{p.untaggedDeleted}</dd>
        <dt className={muted}>{run.dryRun ? "Would free" : "Eligible (sizes the cache knows)"}</dt>
        <dd>
          <Bytes value={run.bytesEligible} />
        </dd>
        <dt className={muted}>Freed on disk</dt>
        <dd>{run.dryRun ? "— (dry run)" : <Bytes value={run.bytesFreed} />}</dd>
      </dl>
    </div>
  );
}

/** The blobs and manifests a run named, largest first: what it will delete (dry run) or deleted. */
function RunItems({ title, items, total, id }: { title: string; items: GcRunItem[]; total: number; id: string }) {
  return (
    <section aria-labelledby={id} className="space-y-2">
      <h3 id={id} className="font-medium text-sm">
        {title} ({total})
      </h3>
      {items.length === 0 ? (
        <p className={`text-sm ${muted}`}>None.</p>
      ) : (
        <div className="max-h-96 overflow-auto">
          <Table
            caption="{title}, largest first"
            data-testid={id}
            columns={["Digest", "Kind", { label: "Size", align: "right" }, "Last referenced in"]}
          >
            {items.map((i) => (
              <tr key={`${i.kind}:${i.digest}`}>
                <Td className="break-all font-mono text-xs">{i.digest}</Td>
                <Td>{i.kind}</Td>
                <Td align="right">{i.bytes === null ? "—" : <Bytes value={i.bytes} />}</Td>
                <Td className="font-mono text-xs">{i.repositories.length > 0 ? i.repositories.join(", ") : "—"}</Td>
              </tr>
            ))}
          </Table>
          {items.length < total ? <p className={`mt-1 text-xs ${muted}`}>The {items.length} largest are listed.</p> : null}
        </div>
      )}
    </section>
  );
}

/** One run: phase, progress from the parsed output, and the live log. */
export function GcRunPanel({ id }: { id: number }) {
  const { data: run, error } = useQuery(gcRunOptions(id));
  if (error) {
    return <InlineError>{error.message}</InlineError>;
  }
  if (!run) return <p className={`text-sm ${muted}`}>Loading run {id}…</p>;
  return (
    <TitledCard
      id="gc-run"
      title={
        <span className="flex items-center gap-2">
          Run {run.id} {run.dryRun ? "(dry run)" : ""} <GcStatusBadge run={run} />
        </span>
      }
      actions={<span className={`text-sm ${muted}`}>Phase: {run.phase ?? "waiting"}</span>}
    >
      <div className="space-y-4">
        <RunProgress run={run} />
        {run.error ? (
          <p
            role="alert"
            className="whitespace-pre-wrap rounded-md border border-red-300 bg-red-50 p-2 text-red-900 text-sm dark:border-red-800 dark:bg-red-950 dark:text-red-100"
          >
            {run.error}
          </p>
        ) : null}
        {run.eligible && run.status !== "queued" && run.status !== "running" ? (
          <RunItems
            id="gc-eligible"
            title={run.dryRun ? "Would be deleted" : "Eligible for deletion"}
            items={run.eligible}
            total={Math.max(run.eligible.length, run.progress.blobsEligible + run.progress.manifestsEligible)}
          />
        ) : null}
        {!run.dryRun && run.deleted && run.deleted.length > 0 ? (
          <RunItems id="gc-deleted" title="Deleted" items={run.deleted} total={Math.max(run.deleted.length, run.progress.blobsDeleted)} />
        ) : null}
        <details open>
          <summary className="cursor-pointer font-medium text-sm">Log</summary>
          <pre
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it
            tabIndex={0}
            role="log"
            aria-label="Garbage collection log"
            className="mt-2 max-h-80 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs text-zinc-100"
          >
            {run.log || "No output yet."}
          </pre>
        </details>
      </div>
    </TitledCard>
  );
}
