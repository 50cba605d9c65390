"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { DeleteDialog } from "@/components/deletions/delete-dialog";
import { LayerInspector } from "@/components/layer-tree/layer-inspector";
import { ArtifactCard } from "@/components/manifest-summary/artifact-card";
import { AnnotationsList, ConfigDetails } from "@/components/manifest-summary/config-details";
import { HelmChartCard } from "@/components/manifest-summary/helm-chart-card";
import { KindBadge } from "@/components/manifest-summary/kind-badge";
import { LayersTable } from "@/components/manifest-summary/layers-table";
import { ManifestSkeleton } from "@/components/manifest-summary/manifest-skeleton";
import { LegacyNotice, ManifestSummary } from "@/components/manifest-summary/manifest-summary";
import { AttestationsTable, PlatformsTable } from "@/components/manifest-summary/platforms-table";
import { IndexUsageCard, RelatedArtifactsCard } from "@/components/manifest-summary/related-artifacts";
import { IncompleteBanner } from "@/components/problems/incomplete";
import { RepositoryBreadcrumbs } from "@/components/repository-list/repository-breadcrumbs";
import { RelatedBadges, RelationBadge } from "@/components/tag-table/related-badges";
import { Button, buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { shortDigest } from "@/lib/oci/reference";
import { isDigestReference, manifestOptions, meOptions, pageHrefs } from "@/lib/queries";

export function ManifestClient({ repository, reference, pullHost }: { repository: string; reference: string; pullHost: string }) {
  const { data: manifest, error, isPending } = useQuery(manifestOptions(repository, reference));
  const platform = useSearchParams().get("platform") ?? undefined;
  const { data: me } = useQuery(meOptions());
  const router = useRouter();
  const [deleting, setDeleting] = useState(false);
  const [gone, setGone] = useState(false);
  const canDelete = me?.permissions.includes("tag:delete") ?? false;
  if (error && !manifest) throw error;
  if (isPending) return <ManifestSkeleton />;

  const title = isDigestReference(reference) ? `${repository}@${shortDigest(reference)}` : `${repository}:${reference}`;
  return (
    <>
      <PageHeader
        eyebrow={<RepositoryBreadcrumbs name={repository} linkRepository />}
        title={<span className="font-mono">{title}</span>}
        description={
          manifest.relatedTo ? (
            <span className="flex flex-wrap items-center gap-2">
              <RelationBadge relatedTo={manifest.relatedTo} />
            </span>
          ) : (
            <span className="flex flex-wrap items-center gap-2">
              <KindBadge kind={manifest.kind} />
              <RelatedBadges related={manifest.related} />
            </span>
          )
        }
        actions={
          <>
            {(manifest.kind === "image" || manifest.kind === "index") && !manifest.relatedTo ? (
              <Link href={pageHrefs.compare(repository, { to: reference, platform })} className={buttonClass("secondary", "md")}>
                Compare with…
              </Link>
            ) : null}
            {canDelete ? <Button onClick={() => setDeleting(true)}>Delete…</Button> : null}
          </>
        }
      />
      {deleting ? (
        <DeleteDialog
          input={{ repository, digests: [manifest.digest] }}
          title={`Delete ${repository}@${shortDigest(manifest.digest)}`}
          onClose={() => {
            setDeleting(false);
            if (gone) router.push(pageHrefs.repository(repository));
          }}
          onDeleted={() => setGone(true)}
        />
      ) : null}
      <div className="space-y-6">
        {manifest.kind === "legacy" ? <LegacyNotice /> : null}
        <IncompleteBanner problems={manifest.problems} />
        <ArtifactCard manifest={manifest} />
        <ManifestSummary manifest={manifest} pullHost={pullHost} />
        {manifest.kind === "index" || manifest.platforms.length > 1 ? <PlatformsTable manifest={manifest} /> : null}
        {manifest.attestations.length > 0 ? <AttestationsTable manifest={manifest} /> : null}
        {manifest.kind === "index" ? <IndexUsageCard manifest={manifest} /> : null}
        {manifest.helmChart ? <HelmChartCard chart={manifest.helmChart} /> : null}
        {manifest.layers.length > 0 ? <LayersTable manifest={manifest} /> : null}
        {manifest.kind !== "legacy" ? <RelatedArtifactsCard manifest={manifest} /> : null}
        {manifest.config ? <ConfigDetails config={manifest.config} /> : null}
        {manifest.kind !== "legacy" ? <AnnotationsList annotations={manifest.annotations} /> : null}
        <LayerInspector repository={repository} reference={reference} manifest={manifest} />
      </div>
    </>
  );
}
