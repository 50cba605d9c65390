"use client";

import { useState } from "react";
import { formatShare, layerBytes, layerSizeBasis } from "@/components/layer-tree/layer-labels";
import { cn } from "@/components/ui/cn";
import { formatBytes } from "@/lib/oci/size";
import type { ImageLayer } from "@/lib/queries";

// Neighbours differ in hue and lightness, so segments stay apart without relying on one colour.
const SEGMENT_COLOURS = [
  "bg-indigo-600 dark:bg-indigo-400",
  "bg-sky-700 dark:bg-sky-300",
  "bg-emerald-600 dark:bg-emerald-400",
  "bg-amber-600 dark:bg-amber-300",
  "bg-rose-600 dark:bg-rose-400",
  "bg-violet-700 dark:bg-violet-300",
  "bg-teal-700 dark:bg-teal-300",
  "bg-orange-700 dark:bg-orange-300",
];

const segmentFocus =
  "focus-visible:z-10 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:focus-visible:outline-indigo-400";

const toggleClass =
  "rounded-md px-2 py-1 text-xs font-medium text-zinc-700 hover:bg-zinc-100 aria-pressed:bg-zinc-900 aria-pressed:text-white dark:text-zinc-300 dark:hover:bg-zinc-800 dark:aria-pressed:bg-zinc-100 dark:aria-pressed:text-zinc-900";

/** One stacked bar, a segment per layer (base first); choosing a segment selects that layer. */
export function LayerSizeBar({
  layers,
  selected,
  onSelect,
}: {
  layers: readonly ImageLayer[];
  selected: "merged" | number;
  onSelect: (position: number) => void;
}) {
  const known = layerSizeBasis(layers);
  const [choice, setChoice] = useState<"uncompressed" | "compressed">("uncompressed");
  // sizes on disk are known only once every layer is indexed
  const basis = known === "uncompressed" ? choice : "compressed";
  const total = layers.reduce((s, l) => s + layerBytes(l, basis), 0);

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {formatBytes(total)} {basis === "uncompressed" ? "on disk" : "compressed"} across {layers.length}{" "}
          {layers.length === 1 ? "layer" : "layers"}
        </p>
        {known === "uncompressed" ? (
          <fieldset className="flex items-center gap-1">
            <legend className="sr-only">Size segments by</legend>
            {(["uncompressed", "compressed"] as const).map((b) => (
              <button
                key={b}
                type="button"
                aria-pressed={basis === b}
                onClick={() => setChoice(b)}
                className={cn(toggleClass, segmentFocus)}
              >
                {b === "uncompressed" ? "On disk" : "Compressed"}
              </button>
            ))}
          </fieldset>
        ) : null}
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a chart of buttons, not form fields: a <fieldset> would announce it as a form section */}
      <div
        role="group"
        aria-label={`Layer sizes (${basis}), base layer first`}
        className="flex h-8 w-full gap-px rounded-md bg-zinc-200 p-px dark:bg-zinc-700"
      >
        {layers.map((layer, i) => {
          const bytes = layerBytes(layer, basis);
          const share = total > 0 ? bytes / total : 0;
          const label = `Layer ${i + 1}, ${formatBytes(bytes)} ${basis === "uncompressed" ? "on disk" : "compressed"} (${formatShare(share)})`;
          return (
            <button
              // biome-ignore lint/suspicious/noArrayIndexKey: the same blob can appear twice in one image, so the position is part of the key
              key={`${i}-${layer.digest}`}
              type="button"
              aria-label={label}
              aria-pressed={selected === i}
              title={layer.createdBy ? `${label}: ${layer.createdBy}` : label}
              onClick={() => onSelect(i)}
              className={cn(
                "relative h-full min-w-1.5 rounded-sm transition-opacity first:rounded-l-md last:rounded-r-md",
                SEGMENT_COLOURS[i % SEGMENT_COLOURS.length],
                selected !== "merged" && selected !== i && "opacity-40",
                selected === i && "ring-2 ring-zinc-900 ring-offset-1 dark:ring-white dark:ring-offset-zinc-900",
                segmentFocus,
              )}
              style={{ flexGrow: bytes, flexBasis: 0 }}
            />
          );
        })}
      </div>
    </div>
  );
}
