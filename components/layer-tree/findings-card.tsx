"use client";

import { useQuery } from "@tanstack/react-query";
import { Fragment, type ReactNode, useId } from "react";
import { Badge } from "@/components/ui/badge";
import { Bytes } from "@/components/ui/bytes";
import { cn } from "@/components/ui/cn";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { type FindingSeverity, findingsOptions, type ImageFinding } from "@/lib/queries";

/** lib/layers/findings' PATH_ESCAPES_ROOT: its paths are archive names as stored, shown verbatim. */
const PATH_ESCAPES_ROOT = "path-escapes-root";

/** The API sends at most this many paths per finding; the card never shows more. */
const MAX_PATHS = 20;
const muted = "text-zinc-600 dark:text-zinc-400";

const SEVERITY: Record<FindingSeverity, { label: string; tone: "danger" | "warning" | "accent" }> = {
  critical: { label: "Critical", tone: "danger" },
  warning: { label: "Warning", tone: "warning" },
  info: { label: "Info", tone: "accent" },
};

/** The severity in words as well as colour. */
export function SeverityBadge({ severity }: { severity: FindingSeverity }) {
  const { label, tone } = SEVERITY[severity];
  return <Badge tone={tone}>{label}</Badge>;
}

/** Fixes quote Dockerfile syntax in `backticks`: shown as code (an unpaired last backtick stays text). */
export function splitCode(text: string): { text: string; code: boolean; offset: number }[] {
  const parts = text.split("`");
  const out: { text: string; code: boolean; offset: number }[] = [];
  let offset = 0;
  parts.forEach((part, i) => {
    out.push({ text: part, code: i % 2 === 1 && i < parts.length - 1, offset });
    offset += part.length + 1;
  });
  return out;
}

function WithCode({ text }: { text: string }) {
  return (
    <>
      {splitCode(text).map((part) =>
        part.code ? (
          <code key={part.offset} className="rounded bg-zinc-100 px-1 font-mono text-xs dark:bg-zinc-800">
            {part.text}
          </code>
        ) : (
          <Fragment key={part.offset}>{part.text}</Fragment>
        ),
      )}
    </>
  );
}

/** Stable keys for items that may repeat: "id", then "id#2", "id#3"… */
function occurrenceKeys(ids: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return ids.map((id) => {
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    return n === 1 ? id : `${id}#${n}`;
  });
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 sm:grid-cols-[7rem_minmax(0,1fr)] sm:gap-3">
      <dt className={cn("font-medium text-xs uppercase tracking-wide", muted)}>{label}</dt>
      <dd className="min-w-0 text-sm text-zinc-800 dark:text-zinc-200">{children}</dd>
    </div>
  );
}

function FindingItem({ finding, headingId }: { finding: ImageFinding; headingId: string }) {
  const paths = finding.paths.slice(0, MAX_PATHS);
  return (
    <li>
      <article aria-labelledby={headingId} className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
        <div className="flex flex-wrap items-center gap-2">
          <SeverityBadge severity={finding.severity} />
          <h4 id={headingId} className="font-semibold text-sm text-zinc-900 dark:text-zinc-100">
            {finding.title}
          </h4>
        </div>
        <p className="text-sm text-zinc-700 dark:text-zinc-300">{finding.detail}</p>
        <dl className="space-y-2">
          {finding.bytes !== null ? (
            <Field label="At stake">
              <Bytes value={finding.bytes} className="tabular-nums" />
            </Field>
          ) : null}
          {finding.layers.length > 0 ? (
            <Field label={finding.layers.length === 1 ? "Layer" : "Layers"}>{finding.layers.map((l) => `Layer ${l + 1}`).join(", ")}</Field>
          ) : null}
          {paths.length > 0 ? (
            <Field label="Paths">
              <ul className="space-y-0.5">
                {paths.map((p) => (
                  <li key={p} className="break-all font-mono text-xs">
                    {finding.id === PATH_ESCAPES_ROOT ? p : `/${p.replace(/^\/+/, "")}`}
                  </li>
                ))}
              </ul>
              {finding.paths.length > MAX_PATHS ? (
                <p className={cn("mt-1 text-xs", muted)}>and {finding.paths.length - MAX_PATHS} more</p>
              ) : null}
            </Field>
          ) : null}
          <Field label="Fix">
            <WithCode text={finding.fix} />
          </Field>
        </dl>
      </article>
    </li>
  );
}

/** Dockerfile guidance checked against the indexed image. Render only once every layer is indexed. */
export function FindingsCard({ repository, reference, platform }: { repository: string; reference: string; platform: string | undefined }) {
  const query = useQuery(findingsOptions(repository, reference, platform));
  const idPrefix = useId();

  if (query.isPending) {
    return (
      <div role="status" aria-busy="true" className="space-y-3">
        <span className="sr-only">Loading findings</span>
        <Skeleton className="h-20 w-full" />
        <Skeleton className="h-20 w-full" />
      </div>
    );
  }
  if (query.isError) return <ErrorState title="Couldn't load the findings" error={query.error} onRetry={() => void query.refetch()} />;

  const items = query.data.items;
  const keys = occurrenceKeys(items.map((f) => f.id));
  if (items.length === 0) {
    return <p className={cn("text-sm", muted)}>No findings: nothing to fix from the Dockerfile guidance we check</p>;
  }
  const counts = (["critical", "warning", "info"] as const)
    .map((s) => ({ s, n: items.filter((f) => f.severity === s).length }))
    .filter(({ n }) => n > 0)
    .map(({ s, n }) => `${n} ${SEVERITY[s].label.toLowerCase()}`);
  return (
    <div className="space-y-3">
      <p className={cn("text-sm", muted)}>
        {items.length === 1 ? "1 finding" : `${items.length} findings`}: {counts.join(", ")}
      </p>
      <ul className="space-y-3">
        {items.map((f, i) => {
          const key = keys[i] ?? f.id;
          return <FindingItem key={key} finding={f} headingId={`${idPrefix}-${key}`} />;
        })}
      </ul>
    </div>
  );
}
