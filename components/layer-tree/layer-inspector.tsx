"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { type ReactNode, useCallback, useEffect, useMemo, useRef } from "react";
import { LayerSizeBar } from "@/components/size-chart/layer-size-bar";
import { FileSystemTreemap } from "@/components/size-chart/treemap";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Select } from "@/components/ui/select";
import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import type { ManifestDetail } from "@/lib/contract/images";
import { platformLabel } from "@/lib/oci/size";
import { allLayersIndexed, type FileView, imageLayersOptions, indexLayersOptions } from "@/lib/queries";
import { DockerfileCard } from "./dockerfile-card";
import { EfficiencyCard } from "./efficiency-card";
import { FileTree } from "./file-tree";
import { FindingsCard } from "./findings-card";
import { IndexStatus } from "./index-status";
import { layerPositions } from "./layer-labels";
import { LayerList } from "./layer-list";

const TITLE_ID = "layers-and-files";

/** A card whose heading sits one level below the section's. */
function Panel({ title, id, children, className }: { title: ReactNode; id: string; children: ReactNode; className?: string }) {
  return (
    <Card aria-labelledby={id} className={className}>
      <h3
        id={id}
        className="border-zinc-200 border-b px-4 py-3 font-semibold text-sm text-zinc-900 dark:border-zinc-800 dark:text-zinc-100"
      >
        {title}
      </h3>
      <div className="p-4">{children}</div>
    </Card>
  );
}

function Section({ actions, children }: { actions?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={TITLE_ID} className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id={TITLE_ID} className="font-semibold text-lg text-zinc-900 dark:text-white">
          Layers and files
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

function Notice({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Section>
      <Card>
        <EmptyState title={title}>{children}</EmptyState>
      </Card>
    </Section>
  );
}

/** The image of an index to inspect: the URL's, else linux/amd64, else the first platform. */
function choosePlatform(labels: readonly string[], fromUrl: string | null): string | undefined {
  if (fromUrl && labels.includes(fromUrl)) return fromUrl;
  return labels.includes("linux/amd64") ? "linux/amd64" : labels[0];
}

/** "Inspect layer composition": what each layer puts on disk, the merged file system, and wasted space. */
export function LayerInspector({ repository, reference, manifest }: { repository: string; reference: string; manifest: ManifestDetail }) {
  // a signature's or SBOM's layers are payloads and documents, not tars: never indexed, never "failed"
  if (manifest.relatedTo) {
    return <Notice title="This artifact has no file system to inspect">Its layers hold signed payloads or documents, shown above.</Notice>;
  }
  if (manifest.kind !== "image" && manifest.kind !== "index") {
    return (
      <Notice title="This artifact has no file system to inspect">
        {manifest.kind === "legacy" ? "Schema1 manifests aren't indexed." : "Only container images have layers with files."}
      </Notice>
    );
  }
  if (manifest.kind === "image" && manifest.layers.length === 0) {
    return <Notice title="This image has no layers">Its file system is empty.</Notice>;
  }
  if (manifest.kind === "index" && manifest.platforms.length === 0) {
    return <Notice title="This index has no platform images">There is no file system to inspect.</Notice>;
  }
  return <Inspector repository={repository} reference={reference} manifest={manifest} />;
}

function Inspector({ repository, reference, manifest }: { repository: string; reference: string; manifest: ManifestDetail }) {
  const searchParams = useSearchParams();
  const update = useSearchParamsUpdate();
  const platformLabels = useMemo(() => (manifest.kind === "index" ? manifest.platforms.map(platformLabel) : []), [manifest]);
  const platform = manifest.kind === "index" ? choosePlatform(platformLabels, searchParams.get("platform")) : undefined;
  const filter = searchParams.get("q") ?? "";
  const changesOnly = searchParams.get("changes") === "only";
  const reveal = searchParams.get("dir") ?? undefined;
  const layerParam = searchParams.get("layer");

  const queryClient = useQueryClient();
  const layersQuery = useQuery(imageLayersOptions(repository, reference, platform));
  const indexing = useMutation(indexLayersOptions(queryClient, repository, reference, platform));
  const layers = layersQuery.data;

  // Indexing starts by itself, once per image, when a layer was never queued.
  const requested = useRef(new Set<string>());
  const { mutate: requestIndex } = indexing;
  useEffect(() => {
    const key = platform ?? "";
    if (!layers || requested.current.has(key) || !layers.some((l) => !l.index.queued)) return;
    requested.current.add(key);
    requestIndex();
  }, [layers, platform, requestIndex]);

  const positions = useMemo(() => layerPositions(layers ?? []), [layers]);
  const layerPosition = useCallback((digest: string) => positions.get(digest), [positions]);

  const platformPicker =
    manifest.kind === "index" && platform ? (
      <Select
        label="Platform"
        value={platform}
        options={platformLabels.map((p) => ({ value: p, label: p }))}
        onChange={(p) => update({ platform: p, layer: undefined, dir: undefined }, "push")}
      />
    ) : null;

  if (layersQuery.isPending) {
    return (
      <Section actions={platformPicker}>
        <div role="status" aria-live="polite" aria-busy="true" className="space-y-4">
          <span className="sr-only">Loading layers</span>
          <Skeleton className="h-16 w-full rounded-xl" />
          <TableSkeleton rows={6} columns={4} />
        </div>
      </Section>
    );
  }
  if (layersQuery.isError) {
    return (
      <Section actions={platformPicker}>
        <ErrorState title="Couldn't load the layers" error={layersQuery.error} onRetry={() => void layersQuery.refetch()} />
      </Section>
    );
  }
  if (layersQuery.data.length === 0) {
    return (
      <Section actions={platformPicker}>
        <Card>
          <EmptyState title="This image has no layers">Its file system is empty.</EmptyState>
        </Card>
      </Section>
    );
  }

  const all = layersQuery.data;
  const indexed = allLayersIndexed(all);
  const found = layerParam ? all.findIndex((l) => l.digest === layerParam) : -1;
  const selection: "merged" | number = found >= 0 ? found : "merged";
  const selectedDigest = selection === "merged" ? undefined : all[selection]?.digest;
  const view: FileView = selectedDigest
    ? { layer: selectedDigest, changes: changesOnly ? "only" : "all" }
    : { layer: "merged", changes: "all" };
  const viewLabel = selection === "merged" ? "Merged file system" : `Layer ${selection + 1}`;

  const select = (s: "merged" | number) => update({ layer: s === "merged" ? undefined : all[s]?.digest, dir: undefined }, "push");

  return (
    <Section actions={platformPicker}>
      {!indexed ? (
        <IndexStatus layers={all} requesting={indexing.isPending} requestError={indexing.error} onRequest={() => indexing.mutate()} />
      ) : null}
      <Panel id="layer-size-bar" title="Size by layer">
        <LayerSizeBar layers={all} selected={selection} onSelect={select} />
      </Panel>
      <div className="grid gap-4 xl:grid-cols-[minmax(20rem,2fr)_minmax(0,3fr)]">
        <Panel id="layer-list" title={`Layers (${all.length})`}>
          <div className="-mx-2 max-h-[36rem] overflow-y-auto px-2 py-0.5">
            <LayerList layers={all} selected={selection} onSelect={select} />
          </div>
        </Panel>
        <Panel id="layer-files" title={`Files: ${viewLabel}`} className="min-w-0">
          {indexed ? (
            <FileTree
              key={`${platform ?? ""}:${view.layer}:${view.changes}`}
              repository={repository}
              reference={reference}
              platform={platform}
              view={view}
              viewLabel={viewLabel}
              filter={filter}
              reveal={selection === "merged" ? reveal : undefined}
              layerPosition={layerPosition}
              onFilterChange={(q) => update({ q })}
              onChangesOnlyChange={(only) => update({ changes: only ? "only" : undefined })}
            />
          ) : (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">The file tree opens when every layer is indexed.</p>
          )}
        </Panel>
      </div>
      {indexed ? (
        <div className="grid gap-4 xl:grid-cols-[minmax(20rem,2fr)_minmax(0,3fr)]">
          <Panel id="layer-efficiency" title="Efficiency">
            <EfficiencyCard repository={repository} reference={reference} platform={platform} layerPosition={layerPosition} />
          </Panel>
          <Panel id="layer-treemap" title="Where the bytes are" className="min-w-0">
            <FileSystemTreemap
              repository={repository}
              reference={reference}
              platform={platform}
              onOpenDirectory={(path) => update({ layer: undefined, dir: path, q: undefined, changes: undefined }, "push")}
            />
          </Panel>
        </div>
      ) : null}
      {indexed ? (
        <Panel id="layer-findings" title="Findings">
          <FindingsCard repository={repository} reference={reference} platform={platform} />
        </Panel>
      ) : null}
      <Panel id="layer-dockerfile" title="Reconstructed Dockerfile (from the image history)">
        <DockerfileCard repository={repository} reference={reference} platform={platform} titleId="layer-dockerfile" />
      </Panel>
    </Section>
  );
}
