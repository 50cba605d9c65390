"use client";

import { useQuery } from "@tanstack/react-query";
import { UniqueSize } from "@/components/manifest-summary/layers-table";
import { Badge } from "@/components/ui/badge";
import { TitledCard } from "@/components/ui/card";
import { InlineError } from "@/components/ui/inline-error";
import { BytesCell, Table, Td } from "@/components/ui/table";
import type { ManifestDetail } from "@/lib/contract/images";
import { shortDigest } from "@/lib/oci/reference";
import { manifestUsageOptions, type RelatedArtifacts, relatedArtifactsOptions } from "@/lib/queries";
import { ManifestLink } from "./manifest-link";

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
          <Table
            caption="Artifacts that describe this manifest"
            columns={["Kind", "Digest", "Type", "Tags", "Found through", { label: "Size", align: "right" }]}
          >
            {items.map((a) => (
              <tr key={a.digest}>
                <Td>
                  <Badge tone={a.relation === "signature" ? "success" : "neutral"}>{RELATION_LABEL[a.relation]}</Badge>
                </Td>
                <Td>
                  <ManifestLink repository={manifest.repository} digest={a.digest} />
                  {a.describes !== manifest.digest ? (
                    <span className={`block text-xs ${muted}`}>describes {shortDigest(a.describes)}</span>
                  ) : null}
                </Td>
                <Td className="max-w-[18rem]">
                  <code className="break-all font-mono text-xs">{a.artifactType ?? a.mediaType}</code>
                </Td>
                <Td className="font-mono text-xs">{a.tags.length > 0 ? a.tags.join(", ") : <span className={muted}>—</span>}</Td>
                <Td className="text-xs">{a.sources.map((s) => SOURCE_LABEL[s]).join(", ")}</Td>
                <BytesCell value={a.sizeBytes} />
              </tr>
            ))}
          </Table>
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
