// The image-efficiency score dive popularised, computed from a merge so the bytes always add up.
import { comparePaths } from "./entries";
import type { MergeResult, WastedPath } from "./merge";

export type EfficiencyReport = {
  totalBytes: number;
  finalBytes: number;
  wastedBytes: number;
  efficiency: number;
  /** Paths with superseded versions, largest waste first. */
  wasted: WastedPath[];
};

/**
 * Image efficiency = finalBytes / totalBytes (1 when the image has no file content), where
 * - totalBytes = the sizes of every regular-file version in every layer, i.e. what the layers carry;
 * - finalBytes = the sizes of the regular files in the merged image, i.e. what a container sees;
 * - wastedBytes = the sizes of the versions a later entry overwrote or deleted, each version counted once.
 * Every version either survives or is superseded exactly once, so totalBytes = finalBytes + wastedBytes.
 * Directories, links, devices and whiteouts weigh 0; a hard link's bytes are its target's.
 */
export function efficiency(merge: MergeResult): EfficiencyReport {
  const totalBytes = merge.layers.reduce((sum, layer) => sum + layer.fileBytes, 0);
  let finalBytes = 0;
  for (const { entry } of merge.final.values()) if (entry.type === "file") finalBytes += entry.size;
  const wastedBytes = merge.wasted.reduce((sum, w) => sum + w.bytes, 0);
  const wasted = [...merge.wasted].sort((a, b) => b.bytes - a.bytes || comparePaths(a.path, b.path));
  return { totalBytes, finalBytes, wastedBytes, efficiency: totalBytes === 0 ? 1 : finalBytes / totalBytes, wasted };
}
