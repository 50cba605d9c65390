"use client";

import { useQuery } from "@tanstack/react-query";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { pluralize } from "@/components/ui/format";
import { BytesCell, Table, Td } from "@/components/ui/table";
import type { ManifestDetail } from "@/lib/contract/images";
import { describeMediaType } from "@/lib/oci/media-types";
import { type ImageLayer, imageLayersOptions, type ManifestUsage, manifestUsageOptions } from "@/lib/queries";
import { DigestText } from "./digest-text";

const muted = "text-zinc-600 dark:text-zinc-400";

/** "application/vnd.oci.image.layer.v1.tar+gzip" → "tar+gzip"; other types as describeMediaType has them. */
export function layerFormat(mediaType: string): string {
  const m = /\.(tar(?:[.+](?:gzip|zstd))?)$/.exec(mediaType);
  if (!m?.[1]) return describeMediaType(mediaType);
  const format = m[1].replace(".", "+");
  if (mediaType.includes("foreign") || mediaType.includes("nondistributable")) return `${format} (non-distributable)`;
  return format;
}

type BlobUse = ManifestUsage["blobs"][number];

function SharedWith({ use }: { use: BlobUse | undefined }) {
  if (!use) return <span className={muted}>…</span>;
  if (use.otherTags === 0) return <span className="font-medium text-emerald-700 dark:text-emerald-400">Only this image</span>;
  return (
    <span>
      {pluralize(use.otherTags, "other tag")}
      <span className={muted}> · {pluralize(use.otherRepositories, "repository", "repositories")}</span>
    </span>
  );
}

/** What deleting this manifest would free: blobs no other tag reaches. */
export function UniqueSize({ usage }: { usage: ManifestUsage | undefined }) {
  if (!usage) return <span className={`text-sm ${muted}`}>Computing unique size…</span>;
  return (
    <span className="text-sm" data-testid="unique-size">
      <span className="font-medium">
        <Bytes value={usage.uniqueBytes} />
      </span>
      <span className={muted}>
        {" "}
        unique of <Bytes value={usage.totalBytes} />
      </span>
    </span>
  );
}

/**
 * The layers of an image (with what the file index and the cache know about each) or the files of
 * an artifact. Sharing comes from the cache: how many other tags, in any repository, reach each blob.
 */
export function LayersTable({ manifest }: { manifest: ManifestDetail }) {
  const isImage = manifest.kind === "image";
  const usageQuery = useQuery(manifestUsageOptions(manifest.repository, manifest.reference));
  const layersQuery = useQuery({ ...imageLayersOptions(manifest.repository, manifest.reference, undefined), enabled: isImage });
  const usage = new Map((usageQuery.data?.blobs ?? []).map((b) => [b.digest, b]));
  const indexed = new Map<string, ImageLayer>((layersQuery.data ?? []).map((l) => [l.digest, l]));
  const total = manifest.layers.reduce((sum, l) => sum + l.sizeBytes, 0);
  const isArtifact = manifest.kind === "artifact";

  return (
    <TitledCard
      id="layers"
      title={isArtifact ? `Files (${manifest.layers.length})` : `Layers (${manifest.layers.length})`}
      actions={<UniqueSize usage={usageQuery.data} />}
    >
      <p className={`mb-3 text-xs ${muted}`}>
        Unique size: the bytes of blobs no other tag uses — what deleting this {isArtifact ? "artifact" : "image"} (and every tag on its
        digest) frees after a garbage collection. <Bytes value={total} /> compressed in all.
      </p>
      <div className="-mx-4 -mb-4 overflow-x-auto">
        <Table
          caption={isArtifact ? "Files of this artifact" : "Layers of this image, base layer first"}
          columns={[
            { label: "#", className: "w-10" },
            isArtifact ? "File" : "Instruction",
            "Digest",
            "Format",
            { label: "Size", align: "right" },
            isImage && { label: "Uncompressed", align: "right" },
            isImage && { label: "Files", align: "right" },
            { label: "Share of image", className: "w-36" },
            "Shared with",
          ]}
        >
          {manifest.layers.map((layer, i) => {
            const percent = total > 0 ? (layer.sizeBytes / total) * 100 : 0;
            const info = indexed.get(layer.digest);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: the same blob can appear twice in one image, so the position is part of the key
              <tr key={`${i}-${layer.digest}`}>
                <Td className={muted}>{i + 1}</Td>
                <Td className="max-w-[22rem]">
                  {isArtifact ? (
                    <code className="break-all font-mono text-xs">{layer.title ?? "—"}</code>
                  ) : info?.createdBy ? (
                    <code className="block truncate font-mono text-xs" title={info.createdBy}>
                      {info.createdBy}
                    </code>
                  ) : (
                    <span className={`text-xs ${muted}`}>{layersQuery.isPending ? "…" : "No build history"}</span>
                  )}
                </Td>
                <Td>
                  <DigestText digest={layer.digest} short label={`Copy digest of layer ${i + 1}`} />
                </Td>
                <Td>
                  <span title={layer.mediaType}>{layerFormat(layer.mediaType)}</span>
                </Td>
                <BytesCell value={layer.sizeBytes} />
                {isImage ? (
                  <>
                    <Td align="right">
                      {info?.uncompressedBytes != null ? (
                        <Bytes value={info.uncompressedBytes} />
                      ) : (
                        <span className={muted}>not indexed</span>
                      )}
                    </Td>
                    <Td align="right">
                      {info?.fileCount != null ? info.fileCount.toLocaleString("en") : <span className={muted}>—</span>}
                    </Td>
                  </>
                ) : null}
                <Td>
                  <span className="flex items-center gap-2">
                    <span aria-hidden="true" className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700">
                      <span
                        className="block h-full rounded-full bg-indigo-600 dark:bg-indigo-400"
                        style={{ width: `${Math.max(percent, percent > 0 ? 1 : 0)}%` }}
                      />
                    </span>
                    <span className={`w-12 text-right text-xs ${muted}`}>
                      {percent < 0.1 && percent > 0 ? "<0.1" : percent.toFixed(1)}%
                    </span>
                  </span>
                </Td>
                <Td className="text-xs">
                  <SharedWith use={usage.get(layer.digest)} />
                </Td>
              </tr>
            );
          })}
        </Table>
      </div>
    </TitledCard>
  );
}
