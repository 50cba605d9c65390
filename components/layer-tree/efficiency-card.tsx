"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Bytes } from "@/components/ui/bytes";
import { cn } from "@/components/ui/cn";
import { ErrorState } from "@/components/ui/error-state";
import { type KeyValue, KeyValueList } from "@/components/ui/key-value-list";
import { Skeleton } from "@/components/ui/skeleton";
import { BytesCell, Table, Td } from "@/components/ui/table";
import { formatBytes } from "@/lib/oci/size";
import { efficiencyOptions } from "@/lib/queries";

const TOP_WASTED = 10;
const muted = "text-zinc-600 dark:text-zinc-400";

/** How much of what the layers ship ends up in the final file system, and where the rest went. */
export function EfficiencyCard({
  repository,
  reference,
  platform,
  layerPosition,
}: {
  repository: string;
  reference: string;
  platform: string | undefined;
  layerPosition: (digest: string) => number | undefined;
}) {
  const query = useQuery(efficiencyOptions(repository, reference, platform));
  const [showAll, setShowAll] = useState(false);

  if (query.isPending) {
    return (
      <div className="space-y-3" aria-hidden="true">
        <Skeleton className="h-8 w-32" />
        <Skeleton className="h-24 w-full" />
      </div>
    );
  }
  if (query.isError) return <ErrorState title="Couldn't compute the efficiency" error={query.error} onRetry={() => void query.refetch()} />;

  const e = query.data;
  const wasted = showAll ? e.wasted : e.wasted.slice(0, TOP_WASTED);
  const items: KeyValue[] = [
    { key: "wasted", label: "Wasted", value: formatBytes(e.wastedBytes) },
    {
      key: "final",
      label: "Final / total",
      value: (
        <span>
          <Bytes value={e.finalBytes} /> in the final file system of <Bytes value={e.totalBytes} /> shipped by all layers
        </span>
      ),
    },
    {
      key: "formula",
      label: "How it's computed",
      value: <code className="block whitespace-pre-wrap break-words font-mono text-xs">{e.formula}</code>,
    },
  ];

  return (
    <div className="space-y-4">
      <p className="flex items-baseline gap-2">
        <span className="font-semibold text-3xl text-zinc-900 tabular-nums dark:text-white">{(e.efficiency * 100).toFixed(1)}%</span>
        <span className={cn("text-sm", muted)}>efficiency</span>
      </p>
      <KeyValueList items={items} />
      {e.wasted.length > 0 ? (
        <div>
          <div className="-mx-4 overflow-x-auto">
            <Table
              caption="Wasted space by path (largest first)"
              captionClassName="px-4 pb-2 text-left font-medium text-sm text-zinc-900 dark:text-zinc-100"
              columns={["Path", { label: "Wasted", align: "right" }, "Layers"]}
            >
              {wasted.map((w) => (
                <tr key={w.path}>
                  <Td className="max-w-80 truncate font-mono text-xs" title={`/${w.path.replace(/^\/+/, "")}`}>
                    /{w.path.replace(/^\/+/, "")}
                  </Td>
                  <BytesCell value={w.bytes} />
                  <Td className={cn("text-xs", muted)} title={w.layers.join("\n")}>
                    {w.layers.map((d) => layerPosition(d) ?? "?").join(", ")}
                  </Td>
                </tr>
              ))}
            </Table>
          </div>
          {e.wasted.length > TOP_WASTED ? (
            <Button size="sm" variant="ghost" className="mt-2" onClick={() => setShowAll((v) => !v)}>
              {showAll ? `Show the top ${TOP_WASTED}` : `Show all ${e.wasted.length} paths`}
            </Button>
          ) : null}
        </div>
      ) : (
        <p className={cn("text-sm", muted)}>No layer overwrites or removes files of another: nothing is wasted.</p>
      )}
    </div>
  );
}
