import { cn } from "@/components/ui/cn";
import { pluralize } from "@/components/ui/format";
import { shortDigest } from "@/lib/oci/reference";
import { formatBytes } from "@/lib/oci/size";
import type { ImageComparison } from "@/lib/queries";

type ComparedLayer = ImageComparison["layers"]["shared"][number];

const muted = "text-zinc-600 dark:text-zinc-400";

function LayerGroup({ id, title, hint, layers: listed }: { id: string; title: string; hint: string; layers: readonly ComparedLayer[] }) {
  // a blob listed twice in one image is stored and downloaded once
  const layers = [...new Map(listed.map((l) => [l.digest, l])).values()];
  const total = layers.reduce((sum, l) => sum + l.sizeBytes, 0);
  return (
    <section aria-labelledby={id} className="min-w-0 rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
      <h3 id={id} className="font-semibold text-sm text-zinc-900 dark:text-zinc-100">
        {title}
      </h3>
      <p className={cn("mt-0.5 text-xs", muted)}>
        {pluralize(layers.length, "layer")} · {formatBytes(total)} · {hint}
      </p>
      {layers.length > 0 ? (
        <ul className="mt-2 space-y-1">
          {layers.map((l) => (
            <li key={l.digest} className="flex items-baseline justify-between gap-3 text-sm">
              <span className="truncate font-mono text-xs text-zinc-800 dark:text-zinc-200" title={l.digest}>
                {shortDigest(l.digest)}
              </span>
              <span className="shrink-0 text-zinc-700 tabular-nums dark:text-zinc-300">{formatBytes(l.sizeBytes)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className={cn("mt-2 text-sm", muted)}>None</p>
      )}
    </section>
  );
}

/** Which layer blobs both images share (pulled once) and which only one of them has (compressed sizes). */
export function LayerSummary({ comparison }: { comparison: ImageComparison }) {
  const { layers, from, to } = comparison;
  return (
    <div className="grid gap-3 md:grid-cols-3">
      <LayerGroup id="compare-layers-shared" title="Shared" hint="already on disk" layers={layers.shared} />
      <LayerGroup id="compare-layers-from" title={`Only in ${from.reference}`} hint="dropped" layers={layers.onlyFrom} />
      <LayerGroup id="compare-layers-to" title={`Only in ${to.reference}`} hint="to download" layers={layers.onlyTo} />
    </div>
  );
}
