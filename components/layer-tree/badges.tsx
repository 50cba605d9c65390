import { Badge } from "@/components/ui/badge";
import type { FileChange, ImageLayer } from "@/lib/queries";

const CHANGES: Record<FileChange, { label: string; tone: "success" | "warning" | "danger" | "neutral" }> = {
  added: { label: "Added", tone: "success" },
  modified: { label: "Modified", tone: "warning" },
  removed: { label: "Removed", tone: "danger" },
  unchanged: { label: "Unchanged", tone: "neutral" },
};

/** What a layer did to an entry, in words as well as colour. */
export function ChangeBadge({ change }: { change: FileChange }) {
  if (change === "unchanged") return <span className="text-xs text-zinc-600 dark:text-zinc-400">Unchanged</span>;
  const { label, tone } = CHANGES[change];
  return <Badge tone={tone}>{label}</Badge>;
}

/** The index status of one layer, for the layer list. */
export function IndexStatusBadge({ index }: { index: ImageLayer["index"] }) {
  switch (index.status) {
    case "done":
      return <Badge tone="success">Indexed</Badge>;
    case "running":
      return <Badge tone="accent">Reading</Badge>;
    case "failed":
      return <Badge tone="danger">Failed</Badge>;
    case "skipped":
      return <Badge tone="warning">Skipped</Badge>;
    default:
      return <Badge>{index.queued ? "Queued" : "Not indexed"}</Badge>;
  }
}
