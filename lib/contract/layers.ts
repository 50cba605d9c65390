// The layer file index ("Layers and files" on the manifest page): layers, files, efficiency, findings, history
// and comparisons, with their query parameters. Client-safe: zod and types only.
import { z } from "zod";

export const layerIndexStatus = z.enum(["pending", "running", "done", "failed", "skipped"]);
export type LayerIndexStatus = z.infer<typeof layerIndexStatus>;

export const imageLayer = z.object({
  digest: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number(),
  uncompressedBytes: z.number().nullable(),
  fileCount: z.number().int().nullable(),
  createdBy: z.string().nullable(),
  emptyLayer: z.boolean().nullable(),
  index: z.object({
    status: layerIndexStatus,
    error: z.string().nullable(),
    bytesRead: z.number(),
    // false: nobody has asked to index this layer yet
    queued: z.boolean(),
  }),
});
export type ImageLayer = z.infer<typeof imageLayer>;
export const imageLayerList = z.array(imageLayer);

export const layerIndexRequest = z.object({
  digest: z.string(),
  // how many layers were queued by this call (a count, or a flag)
  queued: z.union([z.number(), z.boolean()]),
  layers: imageLayerList,
});
export type LayerIndexRequest = z.infer<typeof layerIndexRequest>;

export const fileEntryType = z.enum(["file", "dir", "symlink", "hardlink", "char", "block", "fifo", "other"]);
export type FileEntryType = z.infer<typeof fileEntryType>;
export const fileChange = z.enum(["added", "modified", "removed", "unchanged"]);
export type FileChange = z.infer<typeof fileChange>;

export const fileItem = z.object({
  path: z.string(),
  // a type the client doesn't know yet still lists
  type: fileEntryType.catch("other"),
  sizeBytes: z.number(),
  mode: z.number().int(),
  linkTarget: z.string().nullable(),
  change: fileChange,
  // digest of the layer that last touched the entry
  layer: z.string(),
  // the name as the archive wrote it, when it escaped the image root ("../../x"); `path` is where it is indexed
  storedName: z.string().optional(),
  // a regular file's content digest ("sha256:…"; null when not a file or not known)
  contentDigest: z.string().nullable().optional(),
});
export type FileItem = z.infer<typeof fileItem>;

export const fileList = z.object({
  layer: z.string(),
  path: z.string(),
  total: z.number().int(),
  items: z.array(fileItem),
  nextCursor: z.string().nullable(),
});
export type FileList = z.infer<typeof fileList>;

export const imageEfficiency = z.object({
  digest: z.string(),
  totalBytes: z.number(),
  finalBytes: z.number(),
  wastedBytes: z.number(),
  efficiency: z.number(),
  wasted: z.array(z.object({ path: z.string(), bytes: z.number(), layers: z.array(z.string()) })),
  formula: z.string(),
});
export type ImageEfficiency = z.infer<typeof imageEfficiency>;

export const findingSeverity = z.enum(["info", "warning", "critical"]);
export type FindingSeverity = z.infer<typeof findingSeverity>;

export const imageFinding = z.object({
  id: z.string(),
  severity: findingSeverity,
  title: z.string(),
  detail: z.string(),
  bytes: z.number().nullable(),
  paths: z.array(z.string()),
  // 0-based positions in the manifest's layer list
  layers: z.array(z.number().int()),
  fix: z.string(),
});
export type ImageFinding = z.infer<typeof imageFinding>;

export const imageFindings = z.object({ digest: z.string(), items: z.array(imageFinding) });
export type ImageFindings = z.infer<typeof imageFindings>;

export const imageHistory = z.object({
  digest: z.string(),
  steps: z.array(
    z.object({
      historyIndex: z.number().int().nullable(),
      instruction: z.string(),
      emptyLayer: z.boolean(),
      layerIndex: z.number().int().nullable(),
      created: z.string().nullable(),
      layer: z.object({ digest: z.string(), sizeBytes: z.number() }).nullable(),
    }),
  ),
  mismatch: z.object({ historyLayers: z.number().int(), manifestLayers: z.number().int() }).nullable(),
});
export type ImageHistory = z.infer<typeof imageHistory>;

const comparedLayer = z.object({ digest: z.string(), sizeBytes: z.number() });
const comparedFile = z.object({ path: z.string(), type: fileEntryType.catch("other"), sizeBytes: z.number() });
export type ComparedFile = z.infer<typeof comparedFile>;
const changedFile = z.object({
  path: z.string(),
  type: fileEntryType.catch("other"),
  fromBytes: z.number(),
  toBytes: z.number(),
  // a regular file's content digest on each side ("sha256:…"; null when not a file or not known)
  fromDigest: z.string().nullable().default(null),
  toDigest: z.string().nullable().default(null),
});
export type ChangedFile = z.infer<typeof changedFile>;

export const imageComparison = z.object({
  from: z.object({ reference: z.string(), digest: z.string() }),
  to: z.object({ reference: z.string(), digest: z.string() }),
  layers: z.object({ shared: z.array(comparedLayer), onlyFrom: z.array(comparedLayer), onlyTo: z.array(comparedLayer) }),
  files: z.object({
    // false until every layer of both images is indexed: then the lists are empty
    indexed: z.boolean(),
    // files were compared by content digest too; false while some layer still waits for its digests
    content: z.boolean().default(false),
    counts: z.object({ added: z.number().int(), removed: z.number().int(), modified: z.number().int() }).optional(),
    added: z.array(comparedFile),
    removed: z.array(comparedFile),
    modified: z.array(changedFile),
    // a list holds at most the API's limit; `counts` has the full numbers
    truncated: z.boolean(),
  }),
});
export type ImageComparison = z.infer<typeof imageComparison>;

// ---- query parameters ----------------------------------------------------------------------------

/** `?platform=os/architecture[/variant]`: the image of an index (default linux/amd64, else the first). */
export const imageQuery = z.object({
  platform: z
    .string()
    .regex(/^[a-z0-9._-]+\/[a-z0-9._-]+(\/[a-z0-9._-]+)?$/i, "platform is os/architecture[/variant], e.g. linux/amd64")
    .optional(),
});

export const filesQuery = imageQuery.extend({
  layer: z.union([z.literal("merged"), z.string().regex(/^sha256:[a-f0-9]{64}$/, "layer is a layer digest or merged")]).default("merged"),
  path: z.string().max(4096).default(""),
  changes: z.enum(["only", "all"]).default("all"),
  recursive: z.enum(["true", "false"]).default("false"),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  cursor: z.string().max(200).optional(),
});
export type FilesQuery = z.infer<typeof filesQuery>;

export const compareQuery = imageQuery.extend({
  from: z.string().min(1).max(200),
  to: z.string().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(10_000).default(2000),
});
export type CompareQuery = z.infer<typeof compareQuery>;
