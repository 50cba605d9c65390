// What the delete dialog shows and allows: preview → confirm → result. Pure: no React.
import { pluralize } from "@/components/ui/format";
import type { DeletionPreview, DeletionResult } from "@/lib/contract/deletions";
import { shortDigest } from "@/lib/oci/reference";
import { formatBytes } from "@/lib/oci/size";
import type { DeletionInput } from "@/lib/queries";

/** What the user types to confirm: the tag they picked (its siblings are listed above it), else the repository name. */
export function confirmationWord(input: DeletionInput): string {
  if (input.tags?.length === 1 && !input.digests?.length && !input.allTags && !input.tagFilter) return input.tags[0] ?? input.repository;
  return input.repository;
}

/** The dialog's body: working out the preview, its error, the result of the delete, or the preview to confirm. */
export type DeleteDialogStage = "loading" | "error" | "done" | "preview" | "none";

export function deleteDialogStage(state: {
  previewPending: boolean;
  previewFailed: boolean;
  preview: DeletionPreview | undefined;
  result: DeletionResult | undefined;
}): DeleteDialogStage {
  if (state.previewPending) return "loading";
  if (state.previewFailed) return "error";
  if (state.result) return "done";
  return state.preview ? "preview" : "none";
}

/** A preview that removes no tag and no manifest asks for no confirmation and offers no delete button. */
export function removesNothing(preview: DeletionPreview): boolean {
  return preview.tagsRemoved.length === 0 && preview.manifestsRemoved.length === 0;
}

export type ConfirmState = {
  /** What to type; "" until the preview is known. */
  word: string;
  /** Show the confirmation field and the delete button. */
  confirmable: boolean;
  /** The delete button is enabled: the typed text matches exactly and no delete is running. */
  canDelete: boolean;
  /** The delete button's label. */
  deleteLabel: string;
  /** The secondary button: "Cancel" before the delete, "Close" after. */
  dismissLabel: string;
};

export function confirmState(state: {
  input: DeletionInput;
  preview: DeletionPreview | undefined;
  result: DeletionResult | undefined;
  typed: string;
  deleting: boolean;
}): ConfirmState {
  const { preview: p } = state;
  const word = p ? confirmationWord(state.input) : "";
  const confirmable = !state.result && p !== undefined && !removesNothing(p);
  return {
    word,
    confirmable,
    canDelete: confirmable && state.typed === word && !state.deleting,
    deleteLabel: state.deleting
      ? "Deleting…"
      : p
        ? `Delete ${p.tagsRemoved.length > 0 ? pluralize(p.tagsRemoved.length, "tag") : pluralize(p.manifestsRemoved.length, "manifest")}`
        : "",
    dismissLabel: state.result ? "Close" : "Cancel",
  };
}

/** The tags the delete confirms: exactly the preview's list (the server refuses with a fresh preview if it changed). */
export function confirmTags(preview: DeletionPreview): string[] {
  return preview.tagsRemoved.map((t) => t.tag);
}

/** Registry 2.x without tag delete removes the manifests now; with it, they stay untagged until the next GC. */
export function manifestsHeading(preview: DeletionPreview): string {
  const what = preview.tagDeleteSupported ? "Manifests left untagged (removed by the next GC)" : "Manifests deleted";
  return `${what} (${preview.manifestsRemoved.length})`;
}

/** One platform of an index losing a child: by the index's tags, else its short digest; a broken index says so. */
export function platformLine(x: DeletionPreview["platformsAffected"][number]): string {
  return `${x.platform} of ${x.indexTags.join(", ") || shortDigest(x.index)}${x.breaksIndex ? " — the index stays and breaks" : ""}`;
}

export function blobsFreedNote(preview: DeletionPreview): string {
  return `(${pluralize(preview.blobsFreed.length, "blob")} no remaining tag uses)`;
}

/** What the delete did, and whether a garbage collection frees anything. */
export function deletedSummary(result: DeletionResult): string {
  const gc = result.bytesFreed > 0 ? `Run garbage collection to free ${formatBytes(result.bytesFreed)}.` : "No blob becomes unreferenced.";
  return `Deleted ${pluralize(result.tagsRemoved.length, "tag")} and ${pluralize(result.manifestsRemoved.length, "manifest")}. ${gc}`;
}
