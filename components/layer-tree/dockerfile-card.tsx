import { cn, focusRing } from "@/components/ui/cn";
import { CopyButton } from "@/components/ui/copy-button";
import type { ImageLayer } from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";

/**
 * One line per layer, base first: the history step that made it. A layer without a history entry
 * (squashed images, hand-made configs) becomes a comment, so lines still match layer positions.
 */
export function reconstructDockerfile(layers: readonly Pick<ImageLayer, "createdBy">[]): string {
  return layers
    .map((l, i) => {
      const step = l.createdBy?.trim();
      return step ? step : `# Layer ${i + 1}: no history entry`;
    })
    .join("\n");
}

/** The image history as a Dockerfile, with a copy button. */
export function DockerfileCard({ layers, titleId }: { layers: readonly ImageLayer[]; titleId: string }) {
  if (!layers.some((l) => l.createdBy?.trim())) {
    return <p className={cn("text-sm", muted)}>The image config records no history, so there is no Dockerfile to reconstruct.</p>;
  }
  const text = reconstructDockerfile(layers);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className={cn("text-sm", muted)}>
          One line per layer, base first. Steps that made no layer (ENV, CMD, LABEL…) are not listed; the config above shows their effect.
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
        <pre className="w-max min-w-full p-3 font-mono text-xs text-zinc-900 leading-relaxed dark:text-zinc-100">{text}</pre>
      </section>
    </div>
  );
}
