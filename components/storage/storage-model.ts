// What the storage page shows, decided from the overview the API returns. Pure: no React.
import { formatCount, formatExact, pluralize } from "@/components/ui/format";
import type { StorageOverview, StorageScanJob, StorageScanResult } from "@/lib/contract/storage";
import { formatBytes } from "@/lib/oci/size";

const PHASES: Record<NonNullable<StorageScanJob["progress"]>["phase"], string> = {
  blobs: "listing blobs",
  repositories: "reading repositories",
  manifests: "reading manifests",
  other: "measuring the rest",
  done: "saving",
};

/** Which page shows: setup help without a storage root, a scan prompt before the first finished scan, else the result. */
export type StoragePage =
  | { view: "unconfigured" }
  | { view: "no-result"; scan: StorageScanJob | null }
  | { view: "result"; scan: StorageScanJob | null; result: StorageScanResult };

export function storagePage(overview: StorageOverview): StoragePage {
  if (!overview.configured) return { view: "unconfigured" };
  return overview.result ? { view: "result", scan: overview.scan, result: overview.result } : { view: "no-result", scan: overview.scan };
}

/** A scan is under way while queued or running: the scan button waits for it. */
export function isScanning(scan: StorageScanJob | null): scan is StorageScanJob {
  return scan !== null && (scan.status === "queued" || scan.status === "running");
}

/** The background scan running now: its phase and what it has counted so far (the total is not known). */
export function scanStatusText(scan: StorageScanJob): string {
  const p = scan.progress;
  if (scan.status === "queued") return "Scan queued…";
  if (!p) return "Scanning…";
  return `Scanning: ${PHASES[p.phase]} · ${formatCount(p.files)} files (${formatBytes(p.bytes)}) · ${pluralize(p.blobs, "blob")}`;
}

export function scanButton(state: { scanning: boolean; hasResult: boolean; requesting: boolean }): {
  label: string;
  disabled: boolean;
} {
  return {
    label: state.scanning ? "Scanning…" : state.hasResult ? "Scan again" : "Scan now",
    disabled: state.requesting || state.scanning,
  };
}

/** Why the last scan failed, or null when it didn't. */
export function scanFailure(scan: StorageScanJob | null): string | null {
  return scan?.status === "failed" ? (scan.error ?? "unknown error") : null;
}

/** The header line of a finished scan. */
export function scanDescription(result: StorageScanResult): string {
  return `On disk: ${formatBytes(result.totalBytes)} · ${pluralize(result.blobs.count, "blob")} (${formatBytes(result.blobs.bytes)}) · scanned ${formatExact(result.scannedAt)} in ${result.durationMs} ms`;
}

/** "Where the bytes are": bytes linked by repositories (a blob once per repository), orphaned and left in uploads. */
export function storageTotals(result: StorageScanResult): { linked: number; orphaned: number; uploads: number } {
  return {
    linked: result.repositories.reduce((s, r) => s + r.linkedBytes, 0),
    orphaned: result.orphanedBlobs.reduce((s, b) => s + b.bytes, 0),
    uploads: result.uploads.reduce((s, u) => s + u.bytes, 0),
  };
}

/** Repositories on disk, largest (linked bytes) first; the input is left as it is. */
export function repositoriesBySize(result: StorageScanResult): StorageScanResult["repositories"] {
  return [...result.repositories].sort((a, b) => b.linkedBytes - a.linkedBytes);
}

/** Removing an empty repository's folders waits for the user to say the registry is read-only or stopped. */
export function removeButton(state: { readOnly: boolean; removing: boolean }): { disabled: boolean; title: string | undefined } {
  return {
    disabled: !state.readOnly || state.removing,
    title: state.readOnly ? undefined : "Tick “The registry is read-only or stopped” first",
  };
}

/** The note after an orphaned blob still linked under _layers (GC ignores those links). */
export function orphanLinkNote(linkedBy: number): string {
  return linkedBy > 0 ? ` · still linked by ${pluralize(linkedBy, "repository", "repositories")}, referenced by no manifest` : "";
}

/** The note after a leftover upload with a known start. */
export function uploadStartedNote(startedAt: string | null): string {
  return startedAt ? ` · started ${formatExact(startedAt)}` : "";
}
