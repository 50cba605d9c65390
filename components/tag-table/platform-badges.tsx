import { Badge } from "@/components/ui/badge";
import type { ManifestKind, Platform } from "@/lib/contract/images";
import { platformLabel } from "@/lib/oci/size";

/** os/arch badges; long lists collapse to the first few plus "+N" (full list in the title). */
export function PlatformBadges({ kind, platforms, max = 3 }: { kind: ManifestKind; platforms: readonly Platform[]; max?: number }) {
  if (kind === "artifact") return <Badge tone="accent">artifact</Badge>;
  if (kind === "legacy") return <Badge tone="warning">schema1</Badge>;
  if (platforms.length === 0) return <span className="text-zinc-500 dark:text-zinc-400">—</span>;
  const labels = platforms.map(platformLabel);
  const shown = labels.slice(0, max);
  const hidden = labels.length - shown.length;
  return (
    <span className="flex min-w-0 flex-nowrap items-center gap-1 overflow-hidden" title={labels.join(", ")}>
      {shown.map((label) => (
        <Badge key={label}>{label}</Badge>
      ))}
      {hidden > 0 ? (
        <Badge>
          +{hidden}
          <span className="sr-only"> more: {labels.slice(max).join(", ")}</span>
        </Badge>
      ) : null}
    </span>
  );
}
