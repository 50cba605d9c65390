"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatExact } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { SearchInput } from "@/components/ui/search-input";
import { Select, type SelectOption } from "@/components/ui/select";
import { Table, Td } from "@/components/ui/table";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import type { AuditList } from "@/lib/contract/audit";
import { exactBytes, formatBytes, plural } from "@/lib/oci/size";
import { auditListOptions, auditListParams, fetchAudit } from "@/lib/queries";

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

const LABELS: Record<string, string> = {
  bytesFreed: "frees",
  bytesEligible: "eligible",
  blobsDeleted: "blobs deleted",
  error: "error",
  role: "role",
};
const BYTE_KEYS = new Set(["bytesFreed", "bytesEligible"]);

/** The details of an event in words: sizes formatted (exact bytes on hover), counts pluralised. */
function summary(details: unknown): { text: string; title?: string }[] {
  if (!details || typeof details !== "object") return [];
  const d = details as Record<string, unknown>;
  const parts: { text: string; title?: string }[] = [];
  if (Array.isArray(d.tags)) parts.push({ text: `tags: ${d.tags.slice(0, 8).join(", ")}${d.tags.length > 8 ? ", …" : ""}` });
  if (Array.isArray(d.digests)) parts.push({ text: plural(d.digests.length, "manifest") });
  for (const [k, label] of Object.entries(LABELS)) {
    const v = d[k];
    if (v === undefined || v === null) continue;
    if (BYTE_KEYS.has(k) && typeof v === "number") parts.push({ text: `${label} ${formatBytes(v)}`, title: exactBytes(v) });
    else parts.push({ text: `${label}: ${String(v)}` });
  }
  return parts;
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
              <Table caption="Audit entries, newest first" columns={["When", "Actor", "Action", "Target", "Result", "Details"]}>
                {items.map((e) => (
                  <tr key={e.id}>
                    <Td className="whitespace-nowrap">{formatExact(e.at)}</Td>
                    <Td>{e.actor}</Td>
                    <Td className="font-mono text-xs">{e.action}</Td>
                    <Td className="font-mono text-xs">{e.target ?? "—"}</Td>
                    <Td>
                      <Badge tone={e.result === "success" ? "success" : "danger"}>{e.result}</Badge>
                    </Td>
                    <Td className="max-w-[28rem] break-words text-xs">
                      {summary(e.details).map((p, i) => (
                        <span key={p.text} title={p.title}>
                          {i > 0 ? " · " : ""}
                          {p.text}
                        </span>
                      ))}
                    </Td>
                  </tr>
                ))}
              </Table>
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
