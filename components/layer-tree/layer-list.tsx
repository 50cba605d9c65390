"use client";

import type { KeyboardEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { Bytes } from "@/components/ui/bytes";
import { cn, focusRing } from "@/components/ui/cn";
import { pluralize } from "@/components/ui/format";
import { formatBytes } from "@/lib/oci/size";
import type { ImageLayer } from "@/lib/queries";
import { IndexStatusBadge } from "./badges";
import { formatShare, layerBytes, layerSizeBasis } from "./layer-labels";

const rowClass = cn(
  "flex w-full flex-col gap-1 rounded-md border px-3 py-2 text-left text-sm transition-colors",
  "border-transparent hover:bg-zinc-50 dark:hover:bg-zinc-800",
  "aria-pressed:border-indigo-300 aria-pressed:bg-indigo-50 dark:aria-pressed:border-indigo-700 dark:aria-pressed:bg-indigo-950",
  focusRing,
);

const muted = "text-zinc-600 dark:text-zinc-400";

/** Up/down arrows move between the entries (Tab still works too). */
function moveFocus(e: KeyboardEvent<HTMLUListElement>) {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const buttons = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>("button[aria-pressed]"));
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0) return;
  e.preventDefault();
  buttons[Math.min(Math.max(at + (e.key === "ArrowDown" ? 1 : -1), 0), buttons.length - 1)]?.focus();
}

/** The layers, base first, and the merged file system; pressing one shows its files. */
export function LayerList({
  layers,
  selected,
  onSelect,
}: {
  layers: readonly ImageLayer[];
  /** "merged" or the position (0-based) of the selected layer. */
  selected: "merged" | number;
  onSelect: (selection: "merged" | number) => void;
}) {
  const basis = layerSizeBasis(layers);
  const total = layers.reduce((sum, l) => sum + layerBytes(l, basis), 0);
  const uncompressedTotal = layers.every((l) => l.uncompressedBytes !== null)
    ? layers.reduce((sum, l) => sum + (l.uncompressedBytes ?? 0), 0)
    : null;

  return (
    <ul aria-label="Layers" className="space-y-1" onKeyDown={moveFocus}>
      <li>
        <button type="button" aria-pressed={selected === "merged"} onClick={() => onSelect("merged")} className={rowClass}>
          <span className="font-medium text-zinc-900 dark:text-zinc-100">Merged file system</span>
          <span className={cn("text-xs", muted)}>
            What a container sees: every layer applied{uncompressedTotal !== null ? ` · ${formatBytes(uncompressedTotal)} on disk` : ""}
          </span>
        </button>
      </li>
      {layers.map((layer, i) => {
        const share = total > 0 ? layerBytes(layer, basis) / total : 0;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: the same blob can appear twice in one image, so the position is part of the key
          <li key={`${i}-${layer.digest}`}>
            <button type="button" aria-pressed={selected === i} onClick={() => onSelect(i)} className={rowClass}>
              <span className="flex w-full min-w-0 items-center gap-2">
                <span className={cn("w-6 shrink-0 text-xs tabular-nums", muted)}>
                  <span className="sr-only">Layer </span>
                  {i + 1}
                </span>
                <code
                  className="min-w-0 flex-1 truncate font-mono text-xs text-zinc-900 dark:text-zinc-100"
                  title={layer.createdBy ?? "No build history for this layer"}
                >
                  {layer.createdBy ?? <span className={muted}>No build history</span>}
                </code>
                {layer.emptyLayer ? <Badge>Empty</Badge> : null}
                {layer.index.status !== "done" ? <IndexStatusBadge index={layer.index} /> : null}
              </span>
              <span className="flex w-full items-center gap-3 pl-8 text-xs tabular-nums">
                <span className={cn("flex flex-wrap gap-x-2", muted)}>
                  <span>
                    <Bytes value={layer.sizeBytes} /> compressed
                  </span>
                  <span>
                    {layer.uncompressedBytes !== null ? `${formatBytes(layer.uncompressedBytes)} on disk` : "size on disk unknown"}
                  </span>
                  <span>{layer.fileCount !== null ? pluralize(layer.fileCount, "file") : ""}</span>
                </span>
                <span className="ml-auto flex w-28 shrink-0 items-center gap-2">
                  <span aria-hidden="true" className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700">
                    <span
                      className="block h-full rounded-full bg-indigo-600 dark:bg-indigo-400"
                      style={{ width: `${Math.max(share * 100, share > 0 ? 1 : 0)}%` }}
                    />
                  </span>
                  <span className={cn("w-11 text-right", muted)}>
                    {formatShare(share)}
                    <span className="sr-only"> of the image ({basis})</span>
                  </span>
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
