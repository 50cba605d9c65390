"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { type ReactNode, useMemo, useState } from "react";
import { ChangedFileTable, FileListTable } from "@/components/compare/file-change-table";
import { IndexRequest, layerProblems } from "@/components/compare/index-request";
import { LayerSummary } from "@/components/compare/layer-summary";
import { PlatformPicker, ReferencePicker } from "@/components/compare/reference-picker";
import { RepositoryBreadcrumbs } from "@/components/repository-list/repository-breadcrumbs";
import { Button } from "@/components/ui/button";
import { Card, TitledCard } from "@/components/ui/card";
import { linkClass } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import { shortDigest } from "@/lib/oci/reference";
import { platformLabel } from "@/lib/oci/size";
import {
  comparisonOptions,
  comparisonParams,
  type ImageComparison,
  imageLayersOptions,
  indexComparisonOptions,
  isDigestReference,
  manifestOptions,
  pageHrefs,
} from "@/lib/queries";

function referenceLabel(reference: string): string {
  return isDigestReference(reference) ? `@${shortDigest(reference)}` : reference;
}

export function CompareClient({ repository }: { repository: string }) {
  const searchParams = useSearchParams();
  const update = useSearchParamsUpdate();
  const params = comparisonParams({
    from: searchParams.get("from") ?? "",
    to: searchParams.get("to") ?? "",
    platform: searchParams.get("platform") ?? undefined,
  });
  const ready = params.from !== "" && params.to !== "";

  // an index on either side: its platforms can be picked (the API resolves both sides with the same one)
  const fromImage = useQuery({ ...manifestOptions(repository, params.from), enabled: params.from !== "" });
  const toImage = useQuery({ ...manifestOptions(repository, params.to), enabled: params.to !== "" });
  const platforms = useMemo(() => {
    const labels = new Set<string>();
    for (const image of [fromImage.data, toImage.data]) {
      if (image?.kind === "index") for (const p of image.platforms) labels.add(platformLabel(p));
    }
    return [...labels].sort();
  }, [fromImage.data, toImage.data]);

  const queryClient = useQueryClient();
  // indexing was asked for these exact params: the layer status and the comparison poll until done
  const paramsKey = `${params.from}\n${params.to}\n${params.platform ?? ""}`;
  const [requestedFor, setRequestedFor] = useState<string | null>(null);
  const requested = requestedFor === paramsKey;
  const fromLayers = useQuery({ ...imageLayersOptions(repository, params.from, params.platform), enabled: ready && requested });
  const toLayers = useQuery({ ...imageLayersOptions(repository, params.to, params.platform), enabled: ready && requested });
  const failed = requested && (layerProblems(fromLayers.data) > 0 || layerProblems(toLayers.data) > 0);
  const comparison = useQuery({
    ...comparisonOptions(repository, params, { pollUntilIndexed: requested && !failed }),
    enabled: ready,
  });
  const indexing = useMutation(indexComparisonOptions(queryClient, repository, params));
  const requestIndex = () => {
    setRequestedFor(paramsKey);
    indexing.mutate();
  };

  return (
    <>
      <PageHeader
        eyebrow={<RepositoryBreadcrumbs name={repository} linkRepository />}
        title="Compare images"
        description={
          <span>
            Two images of <span className="font-mono">{repository}</span>: the layers they share and the files that differ.
          </span>
        }
      />
      <div className="space-y-6">
        <Card aria-label="Images to compare" className="p-4">
          <div className="flex flex-wrap items-end gap-3">
            <ReferencePicker label="From" repository={repository} value={params.from} onChange={(from) => update({ from }, "push")} />
            <Button
              size="md"
              aria-label="Swap From and To"
              title="Swap From and To"
              disabled={!params.from && !params.to}
              onClick={() => update({ from: params.to, to: params.from }, "push")}
            >
              <span aria-hidden="true">⇄</span>
            </Button>
            <ReferencePicker label="To" repository={repository} value={params.to} onChange={(to) => update({ to }, "push")} />
            {platforms.length > 1 || params.platform ? (
              <PlatformPicker value={params.platform ?? ""} platforms={platforms} onChange={(platform) => update({ platform }, "push")} />
            ) : null}
          </div>
        </Card>

        {!ready ? (
          <Card>
            <EmptyState title="Choose two images">
              Pick a tag for From and for To to see the layers they share and the files added, removed and changed between them.
            </EmptyState>
          </Card>
        ) : comparison.isPending ? (
          <div role="status" aria-busy="true" className="space-y-4">
            <span className="sr-only">Comparing images</span>
            <Skeleton className="h-32 w-full rounded-xl" />
            <TableSkeleton rows={6} columns={3} />
          </div>
        ) : comparison.isError ? (
          <ErrorState title="Couldn't compare these images" error={comparison.error} onRetry={() => void comparison.refetch()} />
        ) : (
          <ComparisonView
            repository={repository}
            platform={params.platform}
            comparison={comparison.data}
            indexRequest={
              <IndexRequest
                requested={requested}
                requesting={indexing.isPending}
                failed={failed}
                requestError={indexing.error}
                sides={[
                  { label: `From ${referenceLabel(params.from)}`, layers: fromLayers.data },
                  { label: `To ${referenceLabel(params.to)}`, layers: toLayers.data },
                ]}
                onRequest={requestIndex}
              />
            }
          />
        )}
      </div>
    </>
  );
}

function ComparisonView({
  repository,
  platform,
  comparison,
  indexRequest,
}: {
  repository: string;
  platform: string | undefined;
  comparison: ImageComparison;
  indexRequest: ReactNode;
}) {
  const { from, to, files } = comparison;
  const same = from.digest === to.digest;
  const side = (label: string, s: ImageComparison["from"]) => (
    <div className="min-w-0">
      <dt className="font-medium text-xs text-zinc-600 uppercase tracking-wide dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 flex flex-wrap items-baseline gap-x-2 text-sm">
        <Link
          href={`${pageHrefs.manifest(repository, s.reference)}${platform ? `?platform=${encodeURIComponent(platform)}` : ""}`}
          className={linkClass}
        >
          {referenceLabel(s.reference)}
        </Link>
        <span className="font-mono text-xs text-zinc-600 dark:text-zinc-400" title={s.digest}>
          {shortDigest(s.digest)}
        </span>
      </dd>
    </div>
  );
  const counts = files.counts ?? { added: files.added.length, removed: files.removed.length, modified: files.modified.length };

  return (
    <div className="space-y-6">
      <dl className="flex flex-wrap gap-x-8 gap-y-2">
        {side("From", from)}
        {side("To", to)}
      </dl>
      {same ? (
        <p
          role="status"
          className="rounded-lg border border-zinc-200 bg-zinc-50 p-3 text-sm text-zinc-700 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-300"
        >
          Both references point at the same image: nothing differs.
        </p>
      ) : null}

      <TitledCard id="compare-layers" title="Layers">
        <LayerSummary comparison={comparison} />
      </TitledCard>

      <TitledCard id="compare-files" title="Files">
        {!files.indexed ? (
          indexRequest
        ) : (
          <div className="space-y-6">
            {files.truncated ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">Long lists are cut at the API's limit, sorted by path.</p>
            ) : null}
            <FileListTable
              id="compare-files-added"
              title="Added"
              empty={`No file is in ${referenceLabel(to.reference)} that isn't in ${referenceLabel(from.reference)}.`}
              rows={files.added}
              total={counts.added}
            />
            <FileListTable
              id="compare-files-removed"
              title="Removed"
              empty={`Every file of ${referenceLabel(from.reference)} is still in ${referenceLabel(to.reference)}.`}
              rows={files.removed}
              total={counts.removed}
            />
            <ChangedFileTable
              id="compare-files-changed"
              title="Changed"
              empty={
                files.content
                  ? "No file in both images differs in content, type, size, mode or link target."
                  : "No file in both images differs in type, size, mode or link target (content digests are still being recorded for some layers)."
              }
              rows={files.modified}
              total={counts.modified}
            />
          </div>
        )}
      </TitledCard>
    </div>
  );
}
