import { TitledCard } from "@/components/ui/card";
import { describeMediaType } from "@/lib/oci/media-types";
import { formatBytes } from "@/lib/oci/size";
import type { ManifestDetail } from "@/lib/services/api-types";
import { DigestText } from "./digest-text";
import { tableClass, tdClass, thClass } from "./table-styles";

/** "application/vnd.oci.image.layer.v1.tar+gzip" → "tar+gzip"; other types as describeMediaType has them. */
export function layerFormat(mediaType: string): string {
  const m = /\.(tar(?:[.+](?:gzip|zstd))?)$/.exec(mediaType);
  if (!m?.[1]) return describeMediaType(mediaType);
  const format = m[1].replace(".", "+");
  if (mediaType.includes("foreign") || mediaType.includes("nondistributable")) return `${format} (non-distributable)`;
  return format;
}

export function LayersTable({ manifest }: { manifest: ManifestDetail }) {
  const total = manifest.layers.reduce((sum, l) => sum + l.sizeBytes, 0);
  return (
    <TitledCard
      id="layers"
      title={`Layers (${manifest.layers.length})`}
      actions={<span className="text-sm text-zinc-600 dark:text-zinc-400">{formatBytes(total)} compressed</span>}
    >
      <div className="-m-4 overflow-x-auto">
        <table className={tableClass}>
          <caption className="sr-only">Layers of this image, base layer first</caption>
          <thead>
            <tr>
              <th scope="col" className={`${thClass} w-12`}>
                #
              </th>
              <th scope="col" className={thClass}>
                Digest
              </th>
              <th scope="col" className={thClass}>
                Format
              </th>
              <th scope="col" className={`${thClass} text-right`}>
                Size
              </th>
              <th scope="col" className={`${thClass} w-48`}>
                Share of image
              </th>
            </tr>
          </thead>
          <tbody>
            {manifest.layers.map((layer, i) => {
              const share = total > 0 ? layer.sizeBytes / total : 0;
              const percent = share * 100;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: the same blob can appear twice in one image, so the position is part of the key
                <tr key={`${i}-${layer.digest}`}>
                  <td className={`${tdClass} text-zinc-600 dark:text-zinc-400`}>{i + 1}</td>
                  <td className={tdClass}>
                    <DigestText digest={layer.digest} short label={`Copy digest of layer ${i + 1}`} />
                  </td>
                  <td className={tdClass}>
                    <span title={layer.mediaType}>{layerFormat(layer.mediaType)}</span>
                  </td>
                  <td className={`${tdClass} text-right`}>{formatBytes(layer.sizeBytes)}</td>
                  <td className={tdClass}>
                    <span className="flex items-center gap-2">
                      <span aria-hidden="true" className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700">
                        <span
                          className="block h-full rounded-full bg-indigo-600 dark:bg-indigo-400"
                          style={{ width: `${Math.max(percent, percent > 0 ? 1 : 0)}%` }}
                        />
                      </span>
                      <span className="w-12 text-right text-xs text-zinc-600 dark:text-zinc-400">
                        {percent < 0.1 && percent > 0 ? "<0.1" : percent.toFixed(1)}%
                      </span>
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </TitledCard>
  );
}
