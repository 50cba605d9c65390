"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { TitledCard } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatExact, pluralize } from "@/components/ui/format";
import { InlineError } from "@/components/ui/inline-error";
import { PageHeader } from "@/components/ui/page-header";
import { Table, Td } from "@/components/ui/table";
import type { RetentionPreview } from "@/lib/contract/retention";
import { exactBytes, formatBytes } from "@/lib/oci/size";
import {
  deleteRetentionPolicy,
  postRetentionPolicy,
  postRetentionPreview,
  postRetentionRun,
  queryKeys,
  type RetentionPolicyInput,
  retentionPoliciesOptions,
  retentionRunsOptions,
} from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";
const inputClass = "h-9 w-full rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-950";

function num(v: string): number | null {
  return v.trim() === "" ? null : Number(v);
}

type RepositoryPreview = RetentionPreview["repositories"][number];

function RepositoryDecisions({ repository: r }: { repository: RepositoryPreview }) {
  return (
    <div className="rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
      <h3 className="font-medium font-mono">
        {r.name}
        {r.deleteTags.length > 0 ? (
          <span className={`ml-2 font-normal font-sans text-xs ${muted}`}>
            {pluralize(r.deleteTags.length, "tag")} to delete · frees{" "}
            <span title={exactBytes(r.bytesFreed)}>{formatBytes(r.bytesFreed)}</span>
          </span>
        ) : null}
      </h3>
      <ul className="mt-1 space-y-0.5 text-xs">
        {r.deleteTags.map((t) => (
          <li key={`d-${t.tag}`}>
            <Badge tone="danger">delete</Badge> <code>{t.tag}</code> <span className={muted}>{t.reasons.join("; ")}</span>
          </li>
        ))}
        {r.keepTags.map((t) => (
          <li key={`k-${t.tag}`}>
            <Badge tone="success">keep</Badge> <code>{t.tag}</code> <span className={muted}>{t.reasons.join("; ")}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Repositories the policy leaves alone: folded, and only rendered once opened. */
function Unchanged({ repositories }: { repositories: readonly RepositoryPreview[] }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="rounded-md border border-zinc-200 p-2 dark:border-zinc-800" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer">{pluralize(repositories.length, "repository", "repositories")} without deletions</summary>
      {open ? (
        <div className="mt-2 space-y-2">
          {repositories.map((r) => (
            <RepositoryDecisions key={r.name} repository={r} />
          ))}
        </div>
      ) : null}
    </details>
  );
}

/** The repositories with deletions first, most first; the ones the policy leaves alone folded away. */
function splitPreviewRepositories(repositories: readonly RepositoryPreview[]) {
  const changed = repositories
    .filter((r) => r.deleteTags.length > 0 || r.deleteDigests.length > 0)
    .sort((a, b) => b.deleteTags.length - a.deleteTags.length || a.name.localeCompare(b.name));
  const unchanged = repositories.filter((r) => r.deleteTags.length === 0 && r.deleteDigests.length === 0);
  return { changed, unchanged };
}

function PreviewView({ preview }: { preview: RetentionPreview }) {
  const { changed, unchanged } = splitPreviewRepositories(preview.repositories);
  return (
    <section aria-label="Retention preview" className="space-y-3 text-sm" data-testid="retention-preview">
      <p>
        Would delete <strong>{pluralize(preview.totals.tags, "tag")}</strong> ({pluralize(preview.totals.digests, "manifest")}) in{" "}
        {pluralize(preview.totals.repositories, "repository", "repositories")}; a garbage collection then frees{" "}
        <strong title={exactBytes(preview.totals.bytesFreed)}>{formatBytes(preview.totals.bytesFreed)}</strong>.
      </p>
      {preview.warnings.map((w) => (
        <p key={w} role="alert" className="text-amber-800 dark:text-amber-300">
          {w}
        </p>
      ))}
      {changed.map((r) => (
        <RepositoryDecisions key={r.name} repository={r} />
      ))}
      {unchanged.length > 0 ? <Unchanged repositories={unchanged} /> : null}
    </section>
  );
}

function Runs({ id }: { id: number }) {
  const { data } = useQuery(retentionRunsOptions(id));
  const runs = data?.items ?? [];
  if (runs.length === 0) return <p className={`text-xs ${muted}`}>No runs yet.</p>;
  return (
    <ul className="space-y-0.5 text-xs">
      {runs.slice(0, 5).map((r) => (
        <li key={r.id}>
          #{r.id} {r.dryRun ? "dry run" : "run"} · <Badge tone={r.status === "failed" ? "danger" : "neutral"}>{r.status}</Badge> ·{" "}
          {formatExact(r.startedAt)} · {pluralize(r.tagsDeleted, "tag")} · {formatBytes(r.bytesFreed)}
          {r.error ? <span className="text-red-700 dark:text-red-400"> · {r.error}</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function RetentionClient({ canManage }: { canManage: boolean }) {
  const queryClient = useQueryClient();
  const policies = useQuery(retentionPoliciesOptions());
  const ids = { name: useId(), glob: useId(), latest: useId(), pattern: useId(), older: useId(), pulled: useId(), schedule: useId() };
  const [form, setForm] = useState({ name: "", glob: "", latest: "", pattern: "", older: "", pulled: "", schedule: "" });
  // unset rules are left out (the API refuses null on create and preview)
  const input = (): RetentionPolicyInput => ({
    name: form.name,
    repositoryGlob: form.glob,
    keepLatest: num(form.latest) ?? undefined,
    keepTagPattern: form.pattern.trim() || undefined,
    deleteOlderThanDays: num(form.older) ?? undefined,
    keepPulledWithinDays: num(form.pulled) ?? undefined,
    schedule: form.schedule.trim() || undefined,
    enabled: true,
  });
  const preview = useMutation({ mutationFn: () => postRetentionPreview({ ...input(), name: form.name || "preview" }) });
  const save = useMutation({
    mutationFn: () => postRetentionPolicy(input()),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.retention() }),
  });
  const run = useMutation({
    mutationFn: ({ id, dryRun }: { id: number; dryRun: boolean }) => postRetentionRun(id, dryRun),
    onSuccess: (_, v) => queryClient.invalidateQueries({ queryKey: queryKeys.retentionRuns(v.id) }),
  });
  const remove = useMutation({
    mutationFn: (id: number) => deleteRetentionPolicy(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.retention() }),
  });
  const field = (key: keyof typeof form, id: string, label: string, hint: string, type = "text") => (
    <div className="space-y-1">
      <label htmlFor={id} className="block font-medium text-sm">
        {label}
      </label>
      <input
        id={id}
        type={type}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        className={inputClass}
        aria-describedby={`${id}-hint`}
      />
      <p id={`${id}-hint`} className={`text-xs ${muted}`}>
        {hint}
      </p>
    </div>
  );
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    preview.mutate();
  };

  return (
    <>
      <PageHeader
        title="Retention"
        description="Rules per repository glob. A policy never deletes a digest a kept tag or a kept index still uses; preview before saving."
      />
      <div className="space-y-6">
        <TitledCard id="retention-new" title="New policy">
          <form onSubmit={onSubmit} className="space-y-4">
            <div className="grid gap-4 sm:grid-cols-2">
              {field("name", ids.name, "Name", "Shown in runs and the audit log.")}
              {field("glob", ids.glob, "Repositories", "A glob: team/* (one level) or team/** (any depth).")}
              {field("latest", ids.latest, "Keep newest N", "By image creation time.", "number")}
              {field(
                "pattern",
                ids.pattern,
                "Keep tags matching",
                "A regular expression in RE2 syntax (no lookaround or backreferences), e.g. ^v?[0-9.]+$ or ^stable$.",
              )}
              {field("older", ids.older, "Delete older than (days)", "Tags whose image is older than this.", "number")}
              {field("pulled", ids.pulled, "Keep if pulled within (days)", "Needs registry pull notifications.", "number")}
              {field("schedule", ids.schedule, "Schedule", "Cron (UTC) or @daily; empty: only when run by hand.")}
            </div>
            <div className="flex flex-wrap gap-2">
              <Button type="submit" disabled={preview.isPending || !form.glob}>
                {preview.isPending ? "Previewing…" : "Preview"}
              </Button>
              {canManage ? (
                <Button variant="primary" disabled={!preview.data || save.isPending || !form.name} onClick={() => save.mutate()}>
                  Save policy
                </Button>
              ) : null}
            </div>
            {preview.isError ? <InlineError>{preview.error.message}</InlineError> : null}
            {save.isError ? <InlineError>{save.error.message}</InlineError> : null}
            {preview.data ? <PreviewView preview={preview.data} /> : null}
          </form>
        </TitledCard>

        <TitledCard id="retention-policies" title={`Policies (${policies.data?.items.length ?? 0})`}>
          {(policies.data?.items.length ?? 0) === 0 ? (
            <EmptyState title="No policies">Preview a policy above; save it to run it by hand or on a schedule.</EmptyState>
          ) : (
            <div className="-m-4 overflow-x-auto">
              <Table caption="Retention policies" columns={["Policy", "Rules", "Runs", { label: "Actions", srOnly: true }]}>
                {policies.data?.items.map((p) => (
                  <tr key={p.id}>
                    <Td>
                      <span className="font-medium">{p.name}</span>
                      <code className="block text-xs">{p.repositoryGlob}</code>
                      <span className={`text-xs ${muted}`}>
                        {p.schedule ? `${p.schedule}${p.nextRunAt ? ` · next ${formatExact(p.nextRunAt)}` : ""}` : "manual"}
                      </span>
                    </Td>
                    <Td className="text-xs">
                      {[
                        p.keepLatest !== null ? `keep newest ${p.keepLatest}` : null,
                        p.keepTagPattern ? `keep /${p.keepTagPattern}/` : null,
                        p.deleteOlderThanDays !== null ? `delete older than ${p.deleteOlderThanDays} d` : null,
                        p.keepPulledWithinDays !== null ? `keep pulled within ${p.keepPulledWithinDays} d` : null,
                      ]
                        .filter(Boolean)
                        .join(" · ")}
                    </Td>
                    <Td>
                      <Runs id={p.id} />
                    </Td>
                    <Td className="whitespace-nowrap">
                      {canManage ? (
                        <span className="flex gap-1">
                          <Button size="sm" onClick={() => run.mutate({ id: p.id, dryRun: true })}>
                            Dry run
                          </Button>
                          <Button size="sm" onClick={() => run.mutate({ id: p.id, dryRun: false })}>
                            Run now
                          </Button>
                          <Button size="sm" variant="ghost" onClick={() => remove.mutate(p.id)}>
                            Delete policy
                          </Button>
                        </span>
                      ) : null}
                    </Td>
                  </tr>
                ))}
              </Table>
            </div>
          )}
          {run.isError ? (
            <p role="alert" className="mt-2 text-red-700 text-sm dark:text-red-400">
              {run.error.message}
            </p>
          ) : null}
        </TitledCard>
      </div>
    </>
  );
}
