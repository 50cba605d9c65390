"use client";

import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import type { ImageLayer } from "@/lib/queries";

export type SideProgress = { label: string; layers: readonly ImageLayer[] | undefined };

export function layerProblems(layers: readonly ImageLayer[] | undefined): number {
  return layers?.filter((l) => l.index.status === "failed" || l.index.status === "skipped").length ?? 0;
}

function sideText({ label, layers }: SideProgress): string {
  if (!layers) return `${label}: waiting for the layer status…`;
  const done = layers.filter((l) => l.index.status === "done").length;
  const problems = layerProblems(layers);
  return `${label}: ${done} of ${layers.length} layers indexed${problems > 0 ? `, ${problems} failed or skipped` : ""}`;
}

/**
 * The file lists need both images' layers indexed. Until then: why, a button that queues both, and
 * per-image progress while the comparison polls.
 */
export function IndexRequest({
  requested,
  requesting,
  failed,
  requestError,
  sides,
  onRequest,
}: {
  requested: boolean;
  requesting: boolean;
  failed: boolean;
  requestError: unknown;
  sides: readonly SideProgress[];
  onRequest: () => void;
}) {
  const working = requesting || (requested && !failed);
  return (
    <div className="space-y-3 rounded-lg border border-zinc-200 bg-zinc-50 p-4 text-sm dark:border-zinc-800 dark:bg-zinc-950">
      <p className="font-medium text-zinc-900 dark:text-zinc-100" role="status" aria-live="polite">
        {failed
          ? "Some layers couldn't be indexed"
          : working
            ? "Indexing both images… the file changes appear when they are done"
            : "The file changes need both images indexed"}
      </p>
      <p className="text-zinc-600 dark:text-zinc-400">
        Layerscope reads each layer blob once and remembers its files. The layer summary above needs no index.
      </p>
      {requested ? (
        <ul className="space-y-0.5 text-zinc-700 dark:text-zinc-300">
          {sides.map((s) => (
            <li key={s.label}>{sideText(s)}</li>
          ))}
        </ul>
      ) : null}
      {/* stays in place (disabled) while indexing, so keyboard focus isn't lost */}
      <Button variant="primary" size="md" onClick={onRequest} disabled={working && !failed}>
        {failed ? "Retry indexing" : working ? "Indexing…" : "Index both images"}
      </Button>
      {requestError ? <ErrorState title="Couldn't start indexing" error={requestError} onRetry={onRequest} /> : null}
    </div>
  );
}
