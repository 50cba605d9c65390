import { AppError } from "@/lib/http/errors";
import { pathSegments, route } from "@/lib/http/route";
import { splitRepositoryPath } from "@/lib/oci/reference";
import { tagListQuery } from "@/lib/services/api-types";
import { assertRepository, getManifestDetail, listTags } from "@/lib/services/repositories";

export const dynamic = "force-dynamic";

// Repository names contain slashes, so the path is resolved from the right as in the
// registry's own API: /repositories/<name>/tags, /repositories/<name>/manifests/<reference>.
const SUFFIXES = { tags: 0, manifests: 1 };

export const GET = route({ auth: "viewer", params: pathSegments }, async ({ req, caller, params }) => {
  const { name, marker, rest } = splitRepositoryPath(params.path, SUFFIXES);
  if (marker === "tags") return listTags(caller, name, tagListQuery.parse(Object.fromEntries(req.nextUrl.searchParams)));
  if (marker === "manifests" && rest[0]) return getManifestDetail(caller, name, rest[0]);
  // a name that breaks the grammar is a 400 whatever follows it (named without the endpoint suffix)
  const last = params.path.at(-1);
  const suffix = last === "tags" ? 1 : params.path.at(-2) === "manifests" ? 2 : 0;
  assertRepository(suffix ? params.path.slice(0, -suffix).join("/") : name);
  throw new AppError("not_found", "unknown endpoint: use /repositories/<name>/tags or /repositories/<name>/manifests/<reference>");
});
