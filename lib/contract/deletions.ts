// Deleting tags and manifests: the request, its preview and its result. Client-safe: zod and types only.
import { z } from "zod";
import { isValidDigest, isValidTag } from "../oci/reference";

const MAX_ITEMS = 5000;

export const deletionRequest = z
  .object({
    repository: z.string().min(1).max(255),
    tags: z.array(z.string().refine(isValidTag, "invalid tag")).max(MAX_ITEMS).optional(),
    digests: z.array(z.string().refine(isValidDigest, "invalid digest")).max(MAX_ITEMS).optional(),
    /** Bulk: every cached tag whose name contains this text (case-insensitive). */
    tagFilter: z.string().min(1).max(128).optional(),
    /** Bulk: every tag of the repository. */
    allTags: z.boolean().optional(),
  })
  .refine((r) => (r.tags?.length ?? 0) + (r.digests?.length ?? 0) > 0 || r.tagFilter !== undefined || r.allTags === true, {
    message: "name what to delete: tags, digests, tagFilter or allTags",
  });
export type DeletionRequest = z.infer<typeof deletionRequest>;

export const deletionConfirm = z.object({ confirmTags: z.array(z.string()).max(MAX_ITEMS * 4) });

export const deletionPreview = z.object({
  repository: z.string(),
  tagsRemoved: z.array(z.object({ repository: z.string(), tag: z.string() })),
  manifestsRemoved: z.array(z.string()),
  platformsAffected: z.array(
    z.object({ index: z.string(), indexTags: z.array(z.string()), manifest: z.string(), platform: z.string(), breaksIndex: z.boolean() }),
  ),
  bytesFreed: z.number(),
  blobsFreed: z.array(z.object({ digest: z.string(), kind: z.enum(["layer", "config", "manifest"]), bytes: z.number() })),
  tagDeleteSupported: z.boolean(),
  deleteEnabled: z.boolean().nullable(),
  warnings: z.array(z.string()),
});
export type DeletionPreview = z.infer<typeof deletionPreview>;

export const deletionResult = deletionPreview.extend({
  deleted: z.array(z.object({ reference: z.string(), result: z.enum(["deleted", "absent"]) })),
  failed: z.array(z.object({ reference: z.string(), error: z.string() })),
});
export type DeletionResult = z.infer<typeof deletionResult>;
