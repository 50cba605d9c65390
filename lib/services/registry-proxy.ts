import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import { isValidDigest, isValidRepositoryName, isValidTag } from "../oci/reference";
import { sharedRegistry } from "./registry";

const PREFIX = "/api/registry/v2";
// Encoded separators and dot segments are refused outright: the path must mean one thing.
const SMUGGLING = /%2e|%2f|%5c|%00|\/\/|\\|\/\.\.?(\/|$)/i;
const FORWARDED_QUERY = ["n", "last", "artifactType"];

/** Which registry API paths the proxy forwards; anything else is refused before reaching the registry. */
export function registryPathFor(segments: string[]): string {
  if (segments.length === 0) return "/v2/";
  if (segments.length === 1 && segments[0] === "_catalog") return "/v2/_catalog";
  const n = segments.length;
  const last = segments[n - 1] ?? "";
  const marker = segments[n - 2] ?? "";
  let name: string;
  if (marker === "tags" && last === "list") {
    name = segments.slice(0, n - 2).join("/");
  } else if (marker === "manifests" && (isValidTag(last) || isValidDigest(last))) {
    name = segments.slice(0, n - 2).join("/");
  } else if ((marker === "blobs" || marker === "referrers") && isValidDigest(last)) {
    name = segments.slice(0, n - 2).join("/");
  } else {
    throw new AppError("not_found", "not a registry API path the proxy forwards (catalog, tags/list, manifests, blobs, referrers)");
  }
  if (!isValidRepositoryName(name)) throw new AppError("bad_request", `"${name.slice(0, 300)}" is not a valid repository name`);
  return `/v2/${segments.join("/")}`;
}

export async function registryProxy(
  caller: Caller,
  input: {
    method: "GET" | "HEAD";
    segments: string[];
    rawPath: string;
    search: URLSearchParams;
    accept: string | null;
  },
): Promise<Response> {
  authorize(caller, "repository:read");
  const raw = input.rawPath.startsWith(PREFIX) ? input.rawPath.slice(PREFIX.length) : input.rawPath;
  if (SMUGGLING.test(raw)) throw new AppError("bad_request", "path contains encoded separators or dot segments");
  const path = registryPathFor(input.segments);
  const query = new URLSearchParams();
  for (const key of FORWARDED_QUERY) {
    const v = input.search.get(key);
    if (v !== null) query.set(key, v);
  }
  const search = query.size ? `?${query.toString()}` : "";
  return sharedRegistry().forward({ method: input.method, path, search, accept: input.accept });
}
