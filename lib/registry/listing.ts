import "server-only";
// Listings: the catalog and tag lists, paged by Link headers, validated with zod. Names and tags that
// break the reference grammar are dropped with a warning.

import { z } from "zod";
import { errorMessage } from "@/lib/errors";
import { assertRepositoryName, isValidRepositoryName, isValidTag } from "../oci/reference";
import { decodeUtf8, readLimited } from "./body";
import { formatByteLimit, RegistryError } from "./errors";
import { nextLink } from "./link";
import { scopeForRequest } from "./token";
import type { Exchange, RegistryTransport } from "./transport";

/** Something the registry listed that Layerscope dropped because it breaks the reference grammar. */
export type RegistryWarning = { kind: "invalid_repository_name" | "invalid_tag"; value: string; path: string };

type OnWarning = ((w: RegistryWarning) => void) | undefined;

const MiB = 1024 * 1024;
/** Catalog and tag lists: 2.8 returns every tag at once, so this is generous. */
const MAX_LIST_JSON_BYTES = 32 * MiB;
/** Catalog fallback: halve `n` down to this, then ask without `n`. */
const MIN_CATALOG_PAGE_SIZE = 100;
/** Stops a registry whose Link headers loop from paging forever. */
const MAX_PAGES = 100_000;

const catalogSchema = z.object({ repositories: z.array(z.string()).nullable() });
const tagListSchema = z.object({ name: z.string().optional(), tags: z.array(z.string()).nullable() });

export async function catalog(t: RegistryTransport, pageSize: number, onWarning: OnWarning): Promise<string[]> {
  const names = new Set<string>();
  let url: URL | null = t.url("/v2/_catalog");
  url.searchParams.set("n", String(pageSize));
  let pages = 0;
  while (url !== null) {
    if (++pages > MAX_PAGES) throw t.error("invalid_response", "registry catalog paging did not end", url);
    let page: { data: z.infer<typeof catalogSchema>; link: string | null };
    try {
      page = await getJson(t, url, catalogSchema, "catalog");
    } catch (e) {
      const smaller: URL | null = e instanceof RegistryError ? smallerCatalogPage(e, url) : null;
      if (smaller === null) throw e;
      url = smaller;
      continue;
    }
    for (const name of page.data.repositories ?? []) {
      if (isValidRepositoryName(name)) names.add(name);
      else onWarning?.({ kind: "invalid_repository_name", value: name, path: t.describe(url) });
    }
    url = nextPage(t, page.link, url);
  }
  return [...names];
}

export async function listTags(t: RegistryTransport, name: string, onWarning: OnWarning): Promise<string[]> {
  assertRepositoryName(name);
  const tags = new Set<string>();
  let url: URL | null = t.url(`/v2/${name}/tags/list`);
  let pages = 0;
  while (url !== null) {
    if (++pages > MAX_PAGES) throw t.error("invalid_response", "registry tag list paging did not end", url);
    const page = await getJson(t, url, tagListSchema, `tag list of ${name}`);
    for (const tag of page.data.tags ?? []) {
      if (isValidTag(tag)) tags.add(tag);
      else onWarning?.({ kind: "invalid_tag", value: tag, path: t.describe(url) });
    }
    url = nextPage(t, page.link, url);
  }
  return [...tags];
}

function nextPage(t: RegistryTransport, link: string | null, current: URL): URL | null {
  const next = nextLink(link, current);
  if (next === null) return null;
  if (next.origin !== t.origin) {
    throw t.error("invalid_response", `registry Link header points to another origin (${next.origin})`, current);
  }
  return next;
}

async function getJson<S extends z.ZodType>(
  t: RegistryTransport,
  url: URL,
  schema: S,
  what: string,
): Promise<{ data: z.output<S>; link: string | null }> {
  const exchange: Exchange = {
    method: "GET",
    url,
    accept: "application/json",
    scope: scopeForRequest("GET", url.pathname),
    redirects: "same-origin",
    timeoutCoversBody: true,
  };
  return t.exchange(exchange, async (res, ctx) => {
    if (!res.ok) throw await t.statusError(res, ctx, "GET");
    const bytes = await readLimited(res, MAX_LIST_JSON_BYTES, () =>
      t.error("too_large", `${what} exceeds ${formatByteLimit(MAX_LIST_JSON_BYTES)} limit`, ctx.url, res.status),
    );
    const text = decodeUtf8(t, bytes, what, ctx.url);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw t.error("invalid_response", `registry sent invalid JSON for ${what}: ${errorMessage(e)}`, ctx.url, res.status);
    }
    const parsed = schema.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
      throw t.error("invalid_response", `registry sent an unexpected ${what}${where}: ${issue?.message ?? "invalid"}`, ctx.url, res.status);
    }
    return { data: parsed.data, link: res.headers.get("link") };
  });
}

/** The catalog URL to retry with after PAGINATION_NUMBER_INVALID, or null when that is not the failure. */
function smallerCatalogPage(e: RegistryError, url: URL): URL | null {
  if (e.status !== 400 || !e.hasCode("PAGINATION_NUMBER_INVALID")) return null;
  const n = Number(url.searchParams.get("n"));
  if (!url.searchParams.has("n")) return null;
  const next = new URL(url);
  if (Number.isFinite(n) && n > MIN_CATALOG_PAGE_SIZE) {
    next.searchParams.set("n", String(Math.max(MIN_CATALOG_PAGE_SIZE, Math.floor(n / 2))));
  } else {
    next.searchParams.delete("n");
  }
  return next;
}
