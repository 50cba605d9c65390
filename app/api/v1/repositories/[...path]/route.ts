import { compareQuery, filesQuery, imageQuery } from "@/lib/contract/layers";
import { tagListQuery } from "@/lib/contract/repositories";
import { AppError } from "@/lib/errors";
import { errorResponse, json, pathSegments, route } from "@/lib/http/route";
import { splitRepositoryPath } from "@/lib/oci/reference";
import { getManifestUsage } from "@/lib/services/blob-usage";
import {
  compareImages,
  getEfficiency,
  getFindings,
  getHistory,
  listFiles,
  listLayers,
  reindexRetryAfter,
  requestLayerIndex,
} from "@/lib/services/layers";
import { getManifestDetail } from "@/lib/services/manifests";
import { listRelatedArtifacts } from "@/lib/services/related";
import { assertRepository, listTags } from "@/lib/services/repositories";

export const dynamic = "force-dynamic";

// Repository names contain slashes, so the path is resolved from the right as in the
// registry's own API: /repositories/<name>/tags, /repositories/<name>/manifests/<reference>,
// and /repositories/<name>/manifests/<reference>/<layers|files|efficiency|findings|usage|related|history|index>.
const SUFFIXES = { tags: 0, manifests: 1, compare: 0 };
const IMAGE_VIEWS = new Set(["layers", "files", "efficiency", "findings", "usage", "related", "history", "index"]);

function imagePath(path: string[]): { name: string; reference: string; view: string } | null {
  const view = path.at(-1) ?? "";
  if (!IMAGE_VIEWS.has(view) || path.length < 4) return null;
  const split = splitRepositoryPath(path, { manifests: 2 });
  const [reference] = split.rest;
  return split.marker === "manifests" && reference ? { name: split.name, reference, view } : null;
}

const query = (req: Request) => Object.fromEntries(new URL(req.url).searchParams);

export const GET = route({ auth: "viewer", params: pathSegments }, async ({ req, caller, params }) => {
  const image = imagePath(params.path);
  if (image && image.view !== "index") {
    if (image.view === "layers") return listLayers(caller, image.name, image.reference, imageQuery.parse(query(req)).platform);
    if (image.view === "files") return listFiles(caller, image.name, image.reference, filesQuery.parse(query(req)));
    if (image.view === "usage") return getManifestUsage(caller, image.name, image.reference);
    if (image.view === "related") return listRelatedArtifacts(caller, image.name, image.reference);
    if (image.view === "history") return getHistory(caller, image.name, image.reference, imageQuery.parse(query(req)).platform);
    if (image.view === "findings") return getFindings(caller, image.name, image.reference, imageQuery.parse(query(req)).platform);
    return getEfficiency(caller, image.name, image.reference, imageQuery.parse(query(req)).platform);
  }
  const { name, marker, rest } = splitRepositoryPath(params.path, SUFFIXES);
  if (marker === "compare") return compareImages(caller, name, compareQuery.parse(query(req)));
  if (marker === "tags") return listTags(caller, name, tagListQuery.parse(query(req)));
  if (marker === "manifests" && rest[0]) return getManifestDetail(caller, name, rest[0]);
  // a name that breaks the grammar is a 400 whatever follows it (named without the endpoint suffix)
  const last = params.path.at(-1);
  const suffix = last === "tags" ? 1 : params.path.at(-2) === "manifests" ? 2 : 0;
  assertRepository(suffix ? params.path.slice(0, -suffix).join("/") : name);
  throw new AppError(
    "not_found",
    "unknown endpoint: use /repositories/<name>/tags, /repositories/<name>/compare?from=&to= or /repositories/<name>/manifests/<reference>[/layers|/files|/efficiency|/findings|/usage|/related|/history]",
  );
});

// Indexing reads layers the caller may already read: any viewer may ask for it (it fills a cache).
export const POST = route({ auth: "viewer", params: pathSegments }, async ({ req, caller, params }) => {
  const image = imagePath(params.path);
  if (image?.view !== "index") throw new AppError("not_found", "unknown endpoint: POST /repositories/<name>/manifests/<reference>/index");
  try {
    return json(await requestLayerIndex(caller, image.name, image.reference, imageQuery.parse(query(req)).platform), 202);
  } catch (e) {
    // the wrapper's error shape, plus the header a client waits on; any other error goes to the wrapper
    const retryAfter = reindexRetryAfter(e);
    if (retryAfter === null || !(e instanceof AppError)) throw e;
    const res = errorResponse(e);
    res.headers.set("Retry-After", String(retryAfter));
    return res;
  }
});
