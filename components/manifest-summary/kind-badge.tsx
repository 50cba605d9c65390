import { Badge } from "@/components/ui/badge";
import type { ManifestKind } from "@/lib/contract/images";

const LABELS: Record<ManifestKind, { label: string; tone: "neutral" | "accent" | "warning" }> = {
  image: { label: "Image", tone: "neutral" },
  index: { label: "Multi-platform index", tone: "accent" },
  artifact: { label: "Artifact", tone: "accent" },
  legacy: { label: "Legacy schema1", tone: "warning" },
};

export function KindBadge({ kind }: { kind: ManifestKind }) {
  const { label, tone } = LABELS[kind];
  return <Badge tone={tone}>{label}</Badge>;
}
