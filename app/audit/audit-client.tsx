"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { tableClass, tdClass, thClass } from "@/components/manifest-summary/table-styles";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatExact } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { SearchInput } from "@/components/ui/search-input";
import { Select, type SelectOption } from "@/components/ui/select";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import { auditListOptions, auditListParams, fetchAudit } from "@/lib/queries";
import type { AuditList } from "@/lib/services/api-types";

const ACTIONS: SelectOption<string>[] = [
  { value: "", label: "All actions" },
  { value: "delete", label: "Deletes" },
  { value: "retention", label: "Retention" },
  { value: "gc", label: "Garbage collection" },
  { value: "storage", label: "Storage" },
  { value: "login", label: "Sign-ins" },
  { value: "user", label: "Users" },
  { value: "token", label: "API tokens" },
];

function summary(details: unknown): string {
  if (!details || typeof details !== "object") return "";
  const d = details as Record<string, unknown>;
  const parts: string[] = [];
  if (Array.isArray(d.tags)) parts.push(`tags: ${d.tags.slice(0, 8).join(", ")}${d.tags.length > 8 ? ", …" : ""}`);
  if (Array.isArray(d.digests)) parts.push(`${d.digests.length} manifest(s)`);
  for (const k of ["bytesFreed", "bytesEligible", "blobsDeleted", "error", "role"]) {
    if (d[k] !== undefined && d[k] !== null) parts.push(`${k}: ${String(d[k])}`);
  }
  return parts.join(" · ");
}

export function AuditClient() {
  const sp = useSearchParams();
  const update = useSearchParamsUpdate();
  const params = auditListParams({ action: sp.get("action") || undefined, actor: sp.get("actor") || undefined, limit: 50 });
  const first = useQuery({ ...auditListOptions(params), placeholderData: keepPreviousData });
  const [more, setMore] = useState<AuditList["items"]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const nextCursor = cursor === undefined ? first.data?.nextCursor : cursor;
  const items = [...(first.data?.items ?? []), ...more];

  const loadMore = async () => {
    if (!nextCursor) return;
    const page = await fetchAudit({ ...params, cursor: nextCursor });
    setMore((m) => [...m, ...page.items]);
    setCursor(page.nextCursor);
  };
  const reset = () => {
    setMore([]);
    setCursor(undefined);
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who did what, when: deletes, retention runs, garbage collection, sign-ins and user changes."
      />
      <div className="space-y-3">
        <div className="flex flex-wrap items-center gap-3">
          <Select
            label="Action"
            value={params.action ?? ""}
            options={ACTIONS}
            onChange={(action) => {
              reset();
              update({ action: action || undefined }, "push");
            }}
          />
          <SearchInput
            label="Actor"
            placeholder="Filter by actor…"
            value={params.actor ?? ""}
            onDebouncedChange={(actor) => {
              reset();
              update({ actor: actor || undefined });
            }}
            className="min-w-48"
          />
        </div>
        <Card>
          {items.length === 0 ? (
            <EmptyState title="Nothing recorded">No audit entries match these filters.</EmptyState>
          ) : (
            <div className="overflow-x-auto">
              <table className={tableClass}>
                <caption className="sr-only">Audit entries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className={thClass}>
                      When
                    </th>
                    <th scope="col" className={thClass}>
                      Actor
                    </th>
                    <th scope="col" className={thClass}>
                      Action
                    </th>
                    <th scope="col" className={thClass}>
                      Target
                    </th>
                    <th scope="col" className={thClass}>
                      Result
                    </th>
                    <th scope="col" className={thClass}>
                      Details
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => (
                    <tr key={e.id}>
                      <td className={`${tdClass} whitespace-nowrap`}>{formatExact(e.at)}</td>
                      <td className={tdClass}>{e.actor}</td>
                      <td className={`${tdClass} font-mono text-xs`}>{e.action}</td>
                      <td className={`${tdClass} font-mono text-xs`}>{e.target ?? "—"}</td>
                      <td className={tdClass}>
                        <Badge tone={e.result === "success" ? "success" : "danger"}>{e.result}</Badge>
                      </td>
                      <td className={`${tdClass} max-w-[28rem] break-words text-xs`}>{summary(e.details)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
        {nextCursor ? (
          <Button onClick={() => void loadMore()} size="sm">
            Load older entries
          </Button>
        ) : null}
      </div>
    </>
  );
}
