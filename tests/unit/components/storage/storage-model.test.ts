import { describe, expect, it } from "vitest";
import {
  isScanning,
  orphanLinkNote,
  removeButton,
  repositoriesBySize,
  scanButton,
  scanDescription,
  scanFailure,
  scanStatusText,
  storagePage,
  storageTotals,
  uploadStartedNote,
} from "@/components/storage/storage-model";
import type { StorageScanJob, StorageScanResult } from "@/lib/contract/storage";

const job = (over: Partial<StorageScanJob> = {}): StorageScanJob => ({
  id: 1,
  status: "running",
  trigger: "manual",
  createdAt: "2026-01-02T03:04:05.000Z",
  startedAt: "2026-01-02T03:04:06.000Z",
  finishedAt: null,
  progress: null,
  error: null,
  ...over,
});

const repo = (name: string, linkedBytes: number): StorageScanResult["repositories"][number] => ({
  name,
  manifests: 1,
  tags: 1,
  layerLinks: 2,
  linkedBytes,
  uploads: { count: 0, bytes: 0 },
  empty: false,
});

const result: StorageScanResult = {
  scannedAt: "2026-01-02T03:04:05.000Z",
  totalBytes: 3_000_000,
  blobs: { count: 12, bytes: 2_500_000 },
  repositories: [repo("small", 10), repo("big", 1000), repo("mid", 100)],
  orphanedBlobs: [
    { digest: `sha256:${"a".repeat(64)}`, bytes: 5, path: "blobs/a", linkedBy: 0 },
    { digest: `sha256:${"b".repeat(64)}`, bytes: 7, path: "blobs/b", linkedBy: 2 },
  ],
  referencedBlobs: 10,
  uploads: [{ repository: "big", uuid: "u1", bytes: 40, startedAt: null, path: "uploads/u1" }],
  emptyRepositories: ["gone"],
  durationMs: 42,
};

describe("storage page model", () => {
  it("picks setup help, a scan prompt or the result from the overview", () => {
    expect(storagePage({ configured: false })).toEqual({ view: "unconfigured" });
    const scan = job();
    expect(storagePage({ configured: true, scan, result: null })).toEqual({ view: "no-result", scan });
    expect(storagePage({ configured: true, scan: null, result })).toEqual({ view: "result", scan: null, result });
  });

  it("counts queued and running scans as under way, finished and failed ones not", () => {
    expect(isScanning(null)).toBe(false);
    expect(isScanning(job({ status: "queued" }))).toBe(true);
    expect(isScanning(job({ status: "running" }))).toBe(true);
    expect(isScanning(job({ status: "succeeded" }))).toBe(false);
    expect(isScanning(job({ status: "failed" }))).toBe(false);
  });

  it("words the running scan's phase and counts", () => {
    expect(scanStatusText(job({ status: "queued" }))).toBe("Scan queued…");
    expect(scanStatusText(job())).toBe("Scanning…");
    const progress = { phase: "manifests" as const, directories: 3, files: 1234, bytes: 2048, blobs: 1, repositories: 2 };
    expect(scanStatusText(job({ progress }))).toBe("Scanning: reading manifests · 1,234 files (2.0 kB) · 1 blob");
    expect(scanStatusText(job({ progress: { ...progress, phase: "done", blobs: 3 } }))).toMatch(/^Scanning: saving · .* · 3 blobs$/);
  });

  it("labels and disables the scan button", () => {
    expect(scanButton({ scanning: false, hasResult: false, requesting: false })).toEqual({ label: "Scan now", disabled: false });
    expect(scanButton({ scanning: false, hasResult: true, requesting: false })).toEqual({ label: "Scan again", disabled: false });
    expect(scanButton({ scanning: true, hasResult: true, requesting: false })).toEqual({ label: "Scanning…", disabled: true });
    expect(scanButton({ scanning: false, hasResult: true, requesting: true }).disabled).toBe(true);
  });

  it("reports why the last scan failed, with a fallback", () => {
    expect(scanFailure(null)).toBeNull();
    expect(scanFailure(job({ status: "succeeded", error: "ignored" }))).toBeNull();
    expect(scanFailure(job({ status: "failed", error: "EACCES" }))).toBe("EACCES");
    expect(scanFailure(job({ status: "failed" }))).toBe("unknown error");
  });

  it("sums the bytes, describes the scan and sorts repositories largest first", () => {
    expect(storageTotals(result)).toEqual({ linked: 1110, orphaned: 12, uploads: 40 });
    expect(scanDescription(result)).toBe("On disk: 3.0 MB · 12 blobs (2.5 MB) · scanned 2026-01-02 03:04:05 UTC in 42 ms");
    expect(repositoriesBySize(result).map((r) => r.name)).toEqual(["big", "mid", "small"]);
    expect(result.repositories.map((r) => r.name)).toEqual(["small", "big", "mid"]);
  });

  it("enables removing folders only once the registry is said to be read-only, and not while removing", () => {
    expect(removeButton({ readOnly: false, removing: false })).toEqual({
      disabled: true,
      title: "Tick “The registry is read-only or stopped” first",
    });
    expect(removeButton({ readOnly: true, removing: false })).toEqual({ disabled: false, title: undefined });
    expect(removeButton({ readOnly: true, removing: true }).disabled).toBe(true);
  });

  it("notes orphaned blobs still linked and when an upload started", () => {
    expect(orphanLinkNote(0)).toBe("");
    expect(orphanLinkNote(1)).toBe(" · still linked by 1 repository, referenced by no manifest");
    expect(orphanLinkNote(2)).toBe(" · still linked by 2 repositories, referenced by no manifest");
    expect(uploadStartedNote(null)).toBe("");
    expect(uploadStartedNote("2026-01-02T03:04:05.000Z")).toBe(" · started 2026-01-02 03:04:05 UTC");
  });
});
