import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { compareQuery } from "@/lib/contract/layers";
import { pullHost } from "@/lib/env";
import { requirePageCaller } from "@/lib/http/page";
import { InvalidReferenceError, isValidRepositoryName, parseReference, splitRepositoryPath } from "@/lib/oci/reference";
import {
  comparisonOptions,
  comparisonParams,
  manifestOptions,
  pageHrefs,
  searchString,
  tagListOptions,
  tagListParams,
  tagListParamsFromSearch,
} from "@/lib/queries";
import { makeServerQueryClient, notFoundIfMissing, serviceLoaders } from "@/lib/queries/server";
import { compareImages } from "@/lib/services/layers";
import { RepositoryClient } from "./repository-client";
import { CompareClient, ManifestClient } from "./views";

export const dynamic = "force-dynamic";

type Params = Promise<{ path: string[] }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

type Target =
  | { kind: "repository"; name: string }
  | { kind: "manifest"; name: string; reference: string }
  | { kind: "compare"; name: string };

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * `/repositories/<name…>`, `/repositories/<name…>/manifests/<tag-or-digest>` or `/repositories/<name…>/compare`
 * (references in the query); null when none.
 */
function parseTarget(rawSegments: string[]): Target | null {
  const segments = rawSegments.map(safeDecode);
  if (segments.some((s) => s === null)) return null;
  let split: ReturnType<typeof splitRepositoryPath>;
  try {
    split = splitRepositoryPath(segments as string[], { manifests: 1, compare: 0 });
  } catch (e) {
    if (e instanceof InvalidReferenceError) return null;
    throw e;
  }
  if (!isValidRepositoryName(split.name)) return null;
  if (split.marker === "compare") return { kind: "compare", name: split.name };
  const reference = split.marker === "manifests" ? split.rest[0] : undefined;
  if (reference === undefined) return { kind: "repository", name: split.name };
  try {
    parseReference(reference);
  } catch {
    return null;
  }
  return { kind: "manifest", name: split.name, reference };
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const target = parseTarget((await params).path);
  if (!target) return { title: "Not found" };
  if (target.kind === "compare") return { title: `Compare · ${target.name}` };
  return { title: target.kind === "manifest" ? `${target.name}:${target.reference}` : target.name };
}

export default async function RepositoryPathPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { path } = await params;
  const sp = await searchParams;
  const caller = await requirePageCaller(`${pageHrefs.repositories}/${path.join("/")}${searchString(sp)}`);
  const loaders = serviceLoaders(caller);
  const target = parseTarget(path);
  if (!target) notFound();
  const queryClient = makeServerQueryClient();
  const host = pullHost();

  if (target.kind === "manifest") {
    await queryClient.fetchQuery(manifestOptions(target.name, target.reference, loaders.manifest)).catch(notFoundIfMissing);
    return (
      <HydrationBoundary state={dehydrate(queryClient)}>
        <ManifestClient repository={target.name} reference={target.reference} pullHost={host} />
      </HydrationBoundary>
    );
  }

  if (target.kind === "compare") {
    const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";
    const params = comparisonParams({ from: first(sp.from), to: first(sp.to), platform: first(sp.platform) });
    const name = target.name;
    await Promise.all([
      // the From/To pickers' first suggestions: tags by name
      queryClient.fetchInfiniteQuery(tagListOptions(name, tagListParams({ sort: "name" }), loaders.tags)).catch(notFoundIfMissing),
      // a failed comparison (an unknown reference, say) is left to the client, which shows it next to the pickers
      params.from && params.to
        ? queryClient.prefetchQuery(
            comparisonOptions(name, params, { load: (repo, q) => compareImages(caller, repo, compareQuery.parse(q)) }),
          )
        : undefined,
    ]);
    return (
      <HydrationBoundary state={dehydrate(queryClient)}>
        <CompareClient repository={name} />
      </HydrationBoundary>
    );
  }

  const tagParams = tagListParamsFromSearch(sp);
  await queryClient.fetchInfiniteQuery(tagListOptions(target.name, tagParams, loaders.tags)).catch(notFoundIfMissing);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <RepositoryClient name={target.name} pullHost={host} />
    </HydrationBoundary>
  );
}
