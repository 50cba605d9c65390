import { describe, expect, it } from "vitest";
import {
  blobsFreedNote,
  confirmationWord,
  confirmState,
  confirmTags,
  deleteDialogStage,
  deletedSummary,
  manifestsHeading,
  platformLine,
  removesNothing,
} from "@/components/deletions/delete-dialog-model";
import type { DeletionPreview, DeletionResult } from "@/lib/contract/deletions";

const digest = (c: string) => `sha256:${c.repeat(64)}`;

const preview = (over: Partial<DeletionPreview> = {}): DeletionPreview => ({
  repository: "team/app",
  tagsRemoved: [
    { repository: "team/app", tag: "v1" },
    { repository: "team/app", tag: "latest" },
  ],
  manifestsRemoved: [digest("a")],
  platformsAffected: [],
  bytesFreed: 1_500_000,
  blobsFreed: [{ digest: digest("b"), kind: "layer", bytes: 1_500_000 }],
  tagDeleteSupported: false,
  deleteEnabled: true,
  warnings: [],
  ...over,
});

const result = (over: Partial<DeletionResult> = {}): DeletionResult => ({
  ...preview(),
  deleted: [{ reference: "team/app:v1", result: "deleted" }],
  failed: [],
  ...over,
});

const input = { repository: "team/app", tags: ["v1"] };

describe("delete dialog model", () => {
  it("asks for the one picked tag, else the repository name", () => {
    expect(confirmationWord({ repository: "team/app", tags: ["v1"] })).toBe("v1");
    expect(confirmationWord({ repository: "team/app", tags: ["v1", "v2"] })).toBe("team/app");
    expect(confirmationWord({ repository: "team/app", tags: ["v1"], digests: [digest("a")] })).toBe("team/app");
    expect(confirmationWord({ repository: "team/app", tags: ["v1"], allTags: true })).toBe("team/app");
    expect(confirmationWord({ repository: "team/app", tags: ["v1"], tagFilter: "v*" })).toBe("team/app");
    expect(confirmationWord({ repository: "team/app", digests: [digest("a")] })).toBe("team/app");
  });

  it("moves from working out the preview to its error, the preview, and the result", () => {
    const base = { previewPending: false, previewFailed: false, preview: preview(), result: undefined };
    expect(deleteDialogStage({ ...base, previewPending: true, preview: undefined })).toBe("loading");
    expect(deleteDialogStage({ ...base, previewFailed: true })).toBe("error");
    expect(deleteDialogStage(base)).toBe("preview");
    expect(deleteDialogStage({ ...base, result: result() })).toBe("done");
    expect(deleteDialogStage({ ...base, preview: undefined })).toBe("none");
  });

  it("enables the delete only when the typed text matches exactly and no delete runs", () => {
    const base = { input, preview: preview(), result: undefined, typed: "", deleting: false };
    expect(confirmState(base)).toEqual({
      word: "v1",
      confirmable: true,
      canDelete: false,
      deleteLabel: "Delete 2 tags",
      dismissLabel: "Cancel",
    });
    expect(confirmState({ ...base, typed: "v1" }).canDelete).toBe(true);
    expect(confirmState({ ...base, typed: "V1" }).canDelete).toBe(false);
    expect(confirmState({ ...base, typed: "v1 " }).canDelete).toBe(false);
    expect(confirmState({ ...base, typed: "v1", deleting: true })).toMatchObject({ canDelete: false, deleteLabel: "Deleting…" });
  });

  it("offers no confirmation before the preview, when it removes nothing, or after the delete", () => {
    const base = { input, preview: preview(), result: undefined, typed: "v1", deleting: false };
    expect(confirmState({ ...base, preview: undefined })).toMatchObject({ word: "", confirmable: false, canDelete: false });
    const empty = preview({ tagsRemoved: [], manifestsRemoved: [] });
    expect(removesNothing(empty)).toBe(true);
    expect(removesNothing(preview({ tagsRemoved: [] }))).toBe(false);
    expect(confirmState({ ...base, preview: empty })).toMatchObject({ confirmable: false, canDelete: false });
    expect(confirmState({ ...base, result: result() })).toMatchObject({ confirmable: false, dismissLabel: "Close" });
  });

  it("counts manifests on the button when no tag goes", () => {
    const untagged = preview({ tagsRemoved: [], manifestsRemoved: [digest("a"), digest("c")] });
    expect(confirmState({ input, preview: untagged, result: undefined, typed: "", deleting: false }).deleteLabel).toBe(
      "Delete 2 manifests",
    );
    expect(confirmTags(preview())).toEqual(["v1", "latest"]);
  });

  it("words the manifests heading, affected platforms and blobs freed", () => {
    expect(manifestsHeading(preview())).toBe("Manifests deleted (1)");
    expect(manifestsHeading(preview({ tagDeleteSupported: true, manifestsRemoved: [] }))).toBe(
      "Manifests left untagged (removed by the next GC) (0)",
    );
    const x = { index: digest("d"), indexTags: ["multi", "stable"], manifest: digest("a"), platform: "linux/arm64", breaksIndex: false };
    expect(platformLine(x)).toBe("linux/arm64 of multi, stable");
    expect(platformLine({ ...x, indexTags: [], breaksIndex: true })).toBe(
      `linux/arm64 of ${digest("d").slice(0, 19)} — the index stays and breaks`,
    );
    expect(blobsFreedNote(preview())).toBe("(1 blob no remaining tag uses)");
    expect(blobsFreedNote(preview({ blobsFreed: [] }))).toBe("(0 blobs no remaining tag uses)");
  });

  it("sums up the delete and whether a garbage collection frees anything", () => {
    expect(deletedSummary(result())).toBe("Deleted 2 tags and 1 manifest. Run garbage collection to free 1.5 MB.");
    expect(deletedSummary(result({ tagsRemoved: [{ repository: "team/app", tag: "v1" }], bytesFreed: 0 }))).toBe(
      "Deleted 1 tag and 1 manifest. No blob becomes unreferenced.",
    );
  });
});
