"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { UniqueSize } from "@/components/manifest-summary/layers-table";
import { Badge } from "@/components/ui/badge";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { linkClass } from "@/components/ui/cn";
import { InlineError } from "@/components/ui/inline-error";
import { shortDigest } from "@/lib/oci/reference";
import { formatBytes } from "@/lib/oci/size";
import { manifestUsageOptions, pageHrefs, type RelatedArtifacts, relatedArtifactsOptions } from "@/lib/queries";
import type { ManifestDetail } from "@/lib/services/api-types";
import { tableClass, tdClass, thClass } from "./table-styles";

const muted = "text-zinc-600 dark:text-zinc-400";

const RELATION_LABEL: Record<RelatedArtifacts["items"][number]["relation"], string> = {
  signature: "Signature",
  attestation: "Attestation",
  sbom: "SBOM",
  artifact: "Artifact",
};

const SOURCE_LABEL: Record<RelatedArtifacts["items"][number]["sources"][number], string> = {
  "referrers-api": "referrers API",
  subject: "subject field",
  "cosign-tag": "cosign tag",
  index: "buildx index",
};

/** Signatures, SBOMs and attestations that describe this manifest, found however the registry allows. */
export function RelatedArtifactsCard({ manifest }: { manifest: ManifestDetail }) {
  const { data, isPending, error } = useQuery(relatedArtifactsOptions(manifest.repository, manifest.reference));
  const items = data?.items ?? [];
  return (
    <TitledCard id="related" title={`Related artifacts${data ? ` (${items.length})` : ""}`}>
      {isPending ? (
        <p className={`text-sm ${muted}`}>Looking for signatures, SBOMs and attestations…</p>
      ) : error ? (
        <InlineError>Could not list related artifacts: {error.message}</InlineError>
      ) : items.length === 0 ? (
        <p className={`text-sm ${muted}`}>
          No signatures, SBOMs or attestations refer to this manifest
          {data?.referrersApi === "supported" ? "" : " (searched the cache: cosign-style tags, subject fields and index attestations)"}.
        </p>
      ) : (
        <div className="-m-4 overflow-x-auto">
          <table className={tableClass}>
            <caption className="sr-only">Artifacts that describe this manifest</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>
                  Kind
                </th>
                <th scope="col" className={thClass}>
                  Digest
                </th>
                <th scope="col" className={thClass}>
                  Type
                </th>
                <th scope="col" className={thClass}>
                  Tags
                </th>
                <th scope="col" className={thClass}>
                  Found through
                </th>
                <th scope="col" className={`${thClass} text-right`}>
                  Size
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.digest}>
                  <td className={tdClass}>
                    <Badge tone={a.relation === "signature" ? "success" : "neutral"}>{RELATION_LABEL[a.relation]}</Badge>
                  </td>
                  <td className={tdClass}>
                    <Link
                      href={pageHrefs.manifest(manifest.repository, a.digest)}
                      className={`font-mono text-xs ${linkClass}`}
                      title={a.digest}
                    >
                      {shortDigest(a.digest)}
                    </Link>
                    {a.describes !== manifest.digest ? (
                      <span className={`block text-xs ${muted}`}>describes {shortDigest(a.describes)}</span>
                    ) : null}
                  </td>
                  <td className={`${tdClass} max-w-[18rem]`}>
                    <code className="break-all font-mono text-xs">{a.artifactType ?? a.mediaType}</code>
                  </td>
                  <td className={`${tdClass} font-mono text-xs`}>
                    {a.tags.length > 0 ? a.tags.join(", ") : <span className={muted}>—</span>}
                  </td>
                  <td className={`${tdClass} text-xs`}>{a.sources.map((s) => SOURCE_LABEL[s]).join(", ")}</td>
                  <td className={`${tdClass} text-right`}>
                    <Bytes value={a.sizeBytes} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </TitledCard>
  );
}

/** An index has no layers of its own: its storage card says what deleting it frees. */
export function IndexUsageCard({ manifest }: { manifest: ManifestDetail }) {
  const { data } = useQuery(manifestUsageOptions(manifest.repository, manifest.reference));
  return (
    <TitledCard id="usage" title="Storage" actions={<UniqueSize usage={data} />}>
      <p className={`text-sm ${muted}`}>
        Unique size: the bytes of blobs (every platform's layers and configs, and the manifests) that no other tag uses — what deleting this
        index and every tag on its digest frees after a garbage collection.
      </p>
    </TitledCard>
  );
}
