"use client";

import { useQuery } from "@tanstack/react-query";
import { cn, focusRing } from "@/components/ui/cn";
import { CopyButton } from "@/components/ui/copy-button";
import { ErrorState } from "@/components/ui/error-state";
import { pluralize } from "@/components/ui/format";
import { Skeleton } from "@/components/ui/skeleton";
import { dockerfileFromLines } from "@/lib/layers/history";
import { exactBytes, formatBytes } from "@/lib/oci/size";
import { historyOptions } from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";

/**
 * The image history as a Dockerfile: every entry in order, the steps that made no layer (ENV, LABEL, CMD…)
 * marked "no layer", each layer beside the step that made it, with a copy button.
 */
export function DockerfileCard({
  repository,
  reference,
  platform,
  titleId,
}: {
  repository: string;
  reference: string;
  platform: string | undefined;
  titleId: string;
}) {
  const query = useQuery(historyOptions(repository, reference, platform));
  if (query.isPending) {
    return (
      <div role="status" aria-busy="true">
        <span className="sr-only">Loading the history</span>
        <Skeleton className="h-32 w-full" />
      </div>
    );
  }
  if (query.isError) return <ErrorState title="Couldn't load the history" error={query.error} onRetry={() => void query.refetch()} />;
  const { steps, mismatch } = query.data;
  if (!steps.some((s) => s.instruction !== "")) {
    return <p className={cn("text-sm", muted)}>The image config records no history, so there is no Dockerfile to reconstruct.</p>;
  }
  const text = dockerfileFromLines(steps);
  const layers = steps.filter((s) => s.layer !== null).length;
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className={cn("text-sm", muted)}>
          {pluralize(steps.filter((s) => s.historyIndex !== null).length, "history entry", "history entries")}, base first;{" "}
          {pluralize(layers, "layer")} beside the step that made it.
          {mismatch
            ? ` The history records ${pluralize(mismatch.historyLayers, "layer")} but the manifest has ${mismatch.manifestLayers}: the pairing is by order and may be off.`
            : ""}
        </p>
        <CopyButton value={text} label="Copy Dockerfile" variant="secondary">
          Copy Dockerfile
        </CopyButton>
      </div>
      {/* a named, focusable region: a long or wide history scrolls, and keyboard users must be able to scroll it */}
      <section
        aria-labelledby={titleId}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region takes focus (axe: scrollable-region-focusable)
        tabIndex={0}
        className={cn(
          "max-h-96 overflow-auto rounded-lg border border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-950",
          focusRing,
        )}
      >
        <ol className="w-max min-w-full p-3 font-mono text-xs text-zinc-900 leading-relaxed dark:text-zinc-100">
          {steps.map((s, i) => (
            <li
              key={s.historyIndex !== null ? `h${s.historyIndex}` : `l${s.layerIndex ?? i}`}
              className="grid grid-cols-[10rem_minmax(0,1fr)] gap-3"
              data-empty-layer={s.emptyLayer ? "true" : undefined}
            >
              <span className={cn("font-sans", s.layer ? "" : muted)}>
                {s.layer ? (
                  <span title={`${s.layer.digest} · ${exactBytes(s.layer.sizeBytes)}`}>
                    Layer {(s.layerIndex ?? 0) + 1} · {formatBytes(s.layer.sizeBytes)}
                  </span>
                ) : s.emptyLayer ? (
                  "no layer"
                ) : (
                  "layer not in manifest"
                )}
              </span>
              <span className={cn("whitespace-pre", s.emptyLayer && muted)}>
                {s.instruction !== "" ? s.instruction : s.historyIndex === null ? "# no history entry" : "# no created_by recorded"}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
