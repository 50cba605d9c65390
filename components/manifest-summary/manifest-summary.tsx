import Link from "next/link";
import { RELATION_LABELS, RelatedBadges } from "@/components/tag-table/related-badges";
import { Badge } from "@/components/ui/badge";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { linkClass } from "@/components/ui/cn";
import { CopyButton } from "@/components/ui/copy-button";
import { formatExact } from "@/components/ui/format";
import { type KeyValue, KeyValueList } from "@/components/ui/key-value-list";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ManifestDetail } from "@/lib/contract/images";
import { describeMediaType } from "@/lib/oci/media-types";
import { pullByDigestCommand, pullByTagCommand, pullTool } from "@/lib/oci/pull-command";
import { formatBytes } from "@/lib/oci/size";
import { isDigestReference, pageHrefs } from "@/lib/queries";
import { DigestText } from "./digest-text";
import { KindBadge } from "./kind-badge";

export function ManifestSummary({ manifest, pullHost }: { manifest: ManifestDetail; pullHost: string }) {
  // a chart is pulled by version (its tag), other artifacts with oras, signatures not at all
  const tag = isDigestReference(manifest.reference) ? manifest.tags[0] : manifest.reference;
  const pull =
    pullTool(manifest) === "helm"
      ? tag
        ? pullByTagCommand(pullHost, manifest.repository, tag, manifest)
        : null
      : pullByDigestCommand(pullHost, manifest.repository, manifest.digest, manifest);
  const items: KeyValue[] = [
    { key: "digest", label: "Digest", value: <DigestText digest={manifest.digest} label="Copy manifest digest" /> },
    {
      key: "mediaType",
      label: "Media type",
      value: (
        <span className="flex flex-col">
          <span>{describeMediaType(manifest.mediaType)}</span>
          <code className="break-all font-mono text-xs text-zinc-600 dark:text-zinc-400">{manifest.mediaType}</code>
        </span>
      ),
    },
    {
      key: "kind",
      label: "Kind",
      value: manifest.relatedTo ? (
        <Badge tone="accent">{RELATION_LABELS[manifest.relatedTo.relation]}</Badge>
      ) : (
        <KindBadge kind={manifest.kind} />
      ),
    },
    {
      key: "size",
      label: "Size",
      value: <Bytes value={manifest.sizeBytes} />,
    },
    {
      key: "created",
      label: "Created",
      value: manifest.createdAt ? (
        <span>
          {formatExact(manifest.createdAt)} (<RelativeTime iso={manifest.createdAt} />)
        </span>
      ) : (
        <span className="text-zinc-600 dark:text-zinc-400">—</span>
      ),
    },
    {
      key: "tags",
      label: "Tags",
      value:
        manifest.tags.length > 0 ? (
          <ul className="flex flex-wrap gap-x-3 gap-y-1">
            {manifest.tags.map((tag) => (
              <li key={tag}>
                <Link href={pageHrefs.manifest(manifest.repository, tag)} className={`font-mono ${linkClass}`}>
                  {tag}
                </Link>
              </li>
            ))}
          </ul>
        ) : (
          <span className="text-zinc-600 dark:text-zinc-400">No tag points here</span>
        ),
    },
  ];
  if (pull) {
    items.push({
      key: "pull",
      label: "Pull",
      value: (
        <span className="flex min-w-0 items-center gap-1">
          <code className="min-w-0 break-all rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-xs dark:bg-zinc-800">{pull}</code>
          <CopyButton value={pull} label={`Copy ${pull.split(" ")[0]} pull command`} />
        </span>
      ),
    });
  }
  const related = manifest.related;
  if (related.signatures + related.sboms + related.attestations > 0) {
    items.push({
      key: "related",
      label: "Signed and described by",
      value: (
        <span className="flex flex-wrap items-center gap-1">
          <RelatedBadges related={related} />
          <a href="#related" className={`text-xs ${linkClass}`}>
            see below
          </a>
        </span>
      ),
    });
  }
  if (manifest.artifactType) {
    items.push({
      key: "artifactType",
      label: "Artifact type",
      value: <code className="break-all font-mono text-xs">{manifest.artifactType}</code>,
    });
  }
  if (manifest.subject) {
    items.push({
      key: "subject",
      label: "Subject",
      value: (
        <Link href={pageHrefs.manifest(manifest.repository, manifest.subject)} className={`break-all font-mono text-xs ${linkClass}`}>
          {manifest.subject}
        </Link>
      ),
    });
  }
  return (
    <TitledCard id="manifest-summary" title="Summary">
      <KeyValueList items={items} />
    </TitledCard>
  );
}

export function LegacyNotice() {
  return (
    <div
      role="note"
      aria-labelledby="legacy-notice-title"
      className="rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-950 text-sm dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      <p id="legacy-notice-title" className="font-semibold">
        Legacy schema1 manifest
      </p>
      <p className="mt-1">
        This image was pushed in Docker's deprecated schema1 format. Its layer sizes, platforms and configuration aren't available, and
        current Docker and containerd versions refuse to pull it. Rebuild and push the image to store it as a schema2 or OCI manifest.
      </p>
    </div>
  );
}
