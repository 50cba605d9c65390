import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { ProgressBar } from "@/components/ui/progress-bar";
import { shortDigest } from "@/lib/oci/reference";
import { formatBytes } from "@/lib/oci/size";
import { type ImageLayer, isIndexing } from "@/lib/queries";

/** Bytes of the compressed blobs read so far (a done layer counts whole). */
export function indexProgress(layers: readonly ImageLayer[]): { read: number; total: number } {
  let read = 0;
  let total = 0;
  for (const l of layers) {
    total += l.sizeBytes;
    read += l.index.status === "done" ? l.sizeBytes : Math.min(l.index.bytesRead, l.sizeBytes);
  }
  return { read, total };
}

/** Shown until every layer is indexed: progress while reading, errors and a retry once something failed. */
export function IndexStatus({
  layers,
  requesting,
  requestError,
  onRequest,
}: {
  layers: readonly ImageLayer[];
  requesting: boolean;
  requestError: unknown;
  onRequest: () => void;
}) {
  const { read, total } = indexProgress(layers);
  const problems = layers
    .map((l, i) => ({ layer: l, position: i + 1 }))
    .filter(({ layer }) => ["failed", "skipped"].includes(layer.index.status));
  const working = requesting || isIndexing(layers);
  const done = layers.filter((l) => l.index.status === "done").length;
  const percent = total > 0 ? Math.floor((read / total) * 100) : 0;

  return (
    <div className="space-y-3 rounded-lg border border-zinc-200 bg-zinc-50 p-4 text-sm dark:border-zinc-800 dark:bg-zinc-950">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="font-medium text-zinc-900 dark:text-zinc-100" role="status" aria-live="polite">
          {working ? "Indexing layers…" : problems.length > 0 ? "Some layers couldn't be indexed" : "Layers aren't indexed yet"}
        </p>
        <span className="text-xs text-zinc-600 dark:text-zinc-400">
          {done} of {layers.length} layers indexed · {formatBytes(read)} of {formatBytes(total)} read
        </span>
      </div>
      <ProgressBar
        value={read}
        max={total}
        label="Layer indexing progress"
        valueText={`${percent}% (${formatBytes(read)} of ${formatBytes(total)})`}
      />
      <p className="text-zinc-600 dark:text-zinc-400">
        Layerscope reads each layer blob once and remembers its files; the file views open when every layer is indexed.
      </p>
      {problems.length > 0 ? (
        <ul className="space-y-1">
          {problems.map(({ layer, position }) => (
            <li key={`${position}-${layer.digest}`} className="text-red-800 dark:text-red-200">
              <span className="font-medium">
                Layer {position} ({shortDigest(layer.digest)}) {layer.index.status === "failed" ? "failed" : "was skipped"}:
              </span>{" "}
              <span className="break-words">{layer.index.error ?? "no reason given"}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {problems.length > 0 || (!working && layers.some((l) => !l.index.queued)) ? (
        <Button size="sm" onClick={onRequest} disabled={requesting}>
          {requesting ? "Retrying…" : "Retry"}
        </Button>
      ) : null}
      {requestError ? <ErrorState title="Couldn't start indexing" error={requestError} onRetry={onRequest} /> : null}
    </div>
  );
}
