import type { ImageLayer } from "@/lib/queries";

/** "Layer 3" (1-based, base layer first), by digest: the first position when a blob appears twice. */
export function layerPositions(layers: readonly ImageLayer[]): Map<string, number> {
  const positions = new Map<string, number>();
  layers.forEach((l, i) => {
    if (!positions.has(l.digest)) positions.set(l.digest, i + 1);
  });
  return positions;
}

/** Bytes on disk when every layer's are known, else the compressed blob sizes. */
export function layerSizeBasis(layers: readonly ImageLayer[]): "uncompressed" | "compressed" {
  return layers.length > 0 && layers.every((l) => l.uncompressedBytes !== null) ? "uncompressed" : "compressed";
}

export function layerBytes(layer: ImageLayer, basis: "uncompressed" | "compressed"): number {
  return basis === "uncompressed" ? (layer.uncompressedBytes ?? 0) : layer.sizeBytes;
}

export function formatShare(share: number): string {
  const percent = share * 100;
  return `${percent > 0 && percent < 0.1 ? "<0.1" : percent.toFixed(1)}%`;
}
