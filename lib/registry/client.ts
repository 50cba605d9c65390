import "server-only";
// The only code that speaks HTTP to the registry (Distribution API v2 / OCI distribution spec).
//
// Every request goes through `exchange`: per-attempt timeout, retries with backoff on network errors,
// timeouts and 5xx (never 4xx), manual redirects (credentials stay on the registry's origin), and one
// authentication round on 401 (Basic, or a bearer token from the challenge's realm, see token.ts).
// Bodies are read with a byte limit, digests are checked over the raw bytes, JSON is validated with zod.
//
// Invalid input (a repository name, tag or digest that breaks the grammar) is the caller's mistake, not
// the registry's: it throws lib/oci's InvalidReferenceError (field "name" | "tag" | "digest" |
// "reference") before any request is made, so routes can answer 400 without telling it apart from
// RegistryError.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, fetch, type Response as UndiciResponse } from "undici";
import { z } from "zod";
import { errorMessage } from "@/lib/errors";
import { observe, registryEndpoint, statusLabel } from "../metrics";
import { ManifestParseError, type ParsedManifest, parseManifest } from "../oci/manifest";
import { isSchema1MediaType, MANIFEST_ACCEPT_HEADER, normalizeMediaType } from "../oci/media-types";
import {
  assertRepositoryName,
  InvalidReferenceError,
  isValidDigest,
  isValidRepositoryName,
  isValidTag,
  parseReference,
} from "../oci/reference";
import { type AuthChallenge, parseWwwAuthenticate } from "./challenge";
import { formatByteLimit, formatRegistryErrorCodes, parseRegistryErrorBody, RegistryError, type RegistryErrorKind } from "./errors";
import { nextLink, parseLinkHeader } from "./link";
import { type AuthOutcome, BearerAuth, describeRealm, scopeForRequest, type TokenHttpResponse } from "./token";

/**
 * Sent on every request to the registry, so that the registry's notifications about Layerscope's own
 * reads (`request.useragent`) can be told apart from real pulls and dropped.
 */
export const REGISTRY_USER_AGENT = "Layerscope/1 (registry dashboard)";

const MiB = 1024 * 1024;
const DEFAULTS = {
  timeoutMs: 15_000,
  retries: 3,
  maxManifestBytes: 4 * MiB,
  maxBlobJsonBytes: 8 * MiB,
  catalogPageSize: 1000,
} as const;
const RETRY_BASE_DELAY_MS = 200;
const MAX_REDIRECTS = 5;
/** Catalog and tag lists: 2.8 returns every tag at once, so this is generous. */
const MAX_LIST_JSON_BYTES = 32 * MiB;
/** Error bodies are read only to find `{"errors":[…]}`; the rest is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Catalog fallback: halve `n` down to this, then ask without `n`. */
const MIN_CATALOG_PAGE_SIZE = 100;
/** Stops a registry whose Link headers loop from paging forever. */
const MAX_PAGES = 100_000;
/** Token replies are small JSON (a JWT with its certificate chain is a few KiB). */
const MAX_TOKEN_REPLY_BYTES = 1 * MiB;

export type RegistryRequestEvent = { method: string; path: string; status: number | null; durationMs: number };

/** Something the registry listed that Layerscope dropped because it breaks the reference grammar. */
export type RegistryWarning = { kind: "invalid_repository_name" | "invalid_tag"; value: string; path: string };

export type RegistryClientOptions = {
  /** http(s)://host[:port]; only the origin is used (the API lives at /v2/). Userinfo, if any, is used as Basic credentials. */
  baseUrl: string;
  username?: string;
  password?: string;
  /** PEM bundle trusted for the registry's TLS certificate, besides the public roots (read once, at creation). */
  caFile?: string;
  insecureTls?: boolean;
  /**
   * Origins ("https://auth.example.com") a bearer token realm may live on besides the registry's own origin
   * (REGISTRY_TOKEN_REALMS). A realm anywhere else is refused without being contacted.
   */
  allowedTokenRealms?: readonly string[];
  timeoutMs?: number;
  retries?: number;
  maxManifestBytes?: number;
  maxBlobJsonBytes?: number;
  catalogPageSize?: number;
  /**
   * Called once per HTTP exchange (each attempt, each redirect hop and each token request) when headers arrive
   * or it fails. Never carries credentials or tokens.
   */
  onRequest?: (e: RegistryRequestEvent) => void;
  /** Called for each repository name or tag dropped from a listing. */
  onWarning?: (w: RegistryWarning) => void;
};

export type ManifestHead = { digest: string; mediaType: string | null; size: number | null };

export type FetchedManifest = {
  /** The verified digest: the requested one, else the registry's Docker-Content-Digest, else the sha256 of the body. */
  digest: string;
  mediaType: string;
  /** The manifest exactly as served (its bytes are what the digest covers). */
  body: string;
  size: number;
  manifest: ParsedManifest;
};

export type ForwardRequest = {
  method: "GET" | "HEAD";
  /** Registry path, must start with /v2/. */
  path: string;
  /** Query string with its leading "?", or "". */
  search: string;
  accept: string | null;
  /** Prepended to rewritten Link targets ("/api/registry" → "</api/registry/v2/_catalog?…>"). Default "". */
  linkPrefix?: string;
};

export interface RegistryClient {
  /** The registry's origin, e.g. "http://localhost:5000". */
  readonly baseUrl: string;
  ping(): Promise<{ apiVersion: string | null }>;
  catalog(): Promise<string[]>;
  listTags(name: string): Promise<string[]>;
  headManifest(name: string, reference: string): Promise<ManifestHead | null>;
  getManifest(name: string, reference: string): Promise<FetchedManifest>;
  getBlobText(name: string, digest: string, maxBytes?: number): Promise<string>;
  /**
   * Streams a blob (a layer) without buffering it: the body is checked against `digest` as it is
   * read and errors at the end when it does not match. Blob stores may redirect to another origin
   * (S3, a CDN); credentials are never sent there.
   */
  /** Whether the registry serves blob `digest` in repository `name` (HEAD; 404 → false). */
  headBlob(name: string, digest: string): Promise<boolean>;
  openBlob(name: string, digest: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }>;
  /**
   * The OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>`): the manifests whose `subject` is
   * `digest`. null when the registry does not implement it (registry 2.x answers 404).
   */
  referrers(name: string, digest: string): Promise<ParsedManifest | null>;
  /**
   * `DELETE /v2/<name>/manifests/<reference>`: "deleted" (202), or "absent" when the registry does not
   * know it (404). A tag on registry 2.x answers 400 DIGEST_INVALID (it deletes by digest only, and
   * then every tag on the digest goes); deletes disabled answer 405 UNSUPPORTED. Both throw RegistryError.
   */
  deleteManifest(name: string, reference: string): Promise<"deleted" | "absent">;
  forward(request: ForwardRequest): Promise<Response>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  return new HttpRegistryClient(options);
}

// ---------------------------------------------------------------------------------------------------
// Authentication

/**
 * Decides the Authorization header per request scope ("repository:team/app:pull", "registry:catalog:*",
 * or null for /v2/). Basic credentials go preemptively until the registry shows it wants bearer tokens;
 * from then on each request carries the token for its scope (cached, see token.ts). `authenticate` runs on a
 * 401: it returns the Authorization to retry with once, or explains why the request failed.
 */
class RegistryAuth {
  private readonly basic: string | null;
  private readonly bearer: BearerAuth;

  constructor(
    private readonly origin: string,
    private readonly username: string | null,
    password: string | null,
    bearer: { allowedRealms: readonly string[]; transport: (url: URL, authorization: string | null) => Promise<TokenHttpResponse> },
  ) {
    this.basic = username === null ? null : `Basic ${Buffer.from(`${username}:${password ?? ""}`, "utf8").toString("base64")}`;
    this.bearer = new BearerAuth({
      registryOrigin: origin,
      allowedRealms: bearer.allowedRealms,
      credentials: username === null ? null : { username, password: password ?? "" },
      transport: bearer.transport,
    });
  }

  async authorizationFor(scope: string | null): Promise<string | null> {
    return (await this.bearer.authorizationFor(scope)) ?? this.basic;
  }

  /**
   * `mayRetry` is false once the request was already retried with fresh credentials: then only the
   * explanation is wanted, never another token fetch.
   */
  async authenticate(wwwAuthenticate: string | null, scope: string | null, sent: string | null, mayRetry: boolean): Promise<AuthOutcome> {
    const challenges: AuthChallenge[] = wwwAuthenticate === null ? [] : parseWwwAuthenticate(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) {
      if (!mayRetry) return { failure: this.bearer.explain(bearer, scope) };
      return this.bearer.answer(bearer, scope, sent);
    }
    const basic = challenges.find((c) => c.scheme === "basic");
    if (this.basic === null) {
      return {
        failure: basic
          ? `registry at ${this.origin} requires a username and password`
          : `registry at ${this.origin} requires authentication`,
      };
    }
    if (sent !== this.basic && mayRetry) return { retryWith: this.basic };
    return { failure: `registry at ${this.origin} rejected the credentials of user "${this.username ?? ""}"` };
  }
}

// ---------------------------------------------------------------------------------------------------
// Exchange machinery

type Exchange = {
  method: "GET" | "HEAD" | "DELETE";
  url: URL;
  accept: string | null;
  /** Authorization scope of the request, see RegistryAuth. */
  scope: string | null;
  /** Blob downloads may be redirected to storage on another origin; API calls only on the registry's. */
  redirects: "same-origin" | "any";
  /** false for streamed pass-through: the timeout then covers the wait for headers only. */
  timeoutCoversBody: boolean;
};

type ExchangeContext = {
  /** Where the response finally came from, after redirects. */
  url: URL;
  /** Why authentication failed, when the response is a 401 that `authenticate` could not resolve. */
  authFailure: string | null;
};

/** Abort reason for our own per-attempt timeout, to tell it apart from other aborts. */
class AttemptTimeout extends Error {}

/** Network failures that retrying cannot fix (certificate problems). */
const permanentFailures = new WeakSet<RegistryError>();

const TLS_ERROR = /CERT|SELF_SIGNED|ERR_TLS|ERR_SSL|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

class HttpRegistryClient implements RegistryClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly auth: RegistryAuth;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly maxManifestBytes: number;
  private readonly maxBlobJsonBytes: number;
  private readonly catalogPageSize: number;
  private readonly onRequest: ((e: RegistryRequestEvent) => void) | undefined;
  private readonly onWarning: ((w: RegistryWarning) => void) | undefined;
  private readonly caFile: string | null;

  constructor(options: RegistryClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new Error(`registry URL ${JSON.stringify(options.baseUrl)} is not a valid URL`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new Error(`registry URL must start with http:// or https://, got ${base.protocol}`);
    }
    const username = options.username ?? (base.username === "" ? null : decodeURIComponent(base.username));
    const password = options.password ?? (base.password === "" ? null : decodeURIComponent(base.password));
    this.origin = base.origin;
    this.baseUrl = base.origin;
    this.auth = new RegistryAuth(this.origin, username, password, {
      allowedRealms: options.allowedTokenRealms ?? [],
      transport: (url, authorization) => this.tokenRequest(url, authorization),
    });

    this.caFile = options.caFile ?? null;
    let ca: string | undefined;
    if (options.caFile !== undefined) {
      try {
        ca = readFileSync(options.caFile, "utf8");
      } catch (e) {
        throw new Error(`cannot read registry CA file ${options.caFile} (REGISTRY_CA_FILE): ${errorMessage(e)}`);
      }
      if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
        throw new Error(`registry CA file ${options.caFile} (REGISTRY_CA_FILE) contains no PEM certificate`);
      }
    }
    this.agent = new Agent({
      connect: {
        // `ca` replaces Node's public roots; keep them so a token realm with a public certificate still works.
        ...(ca === undefined ? {} : { ca: [...rootCertificates, ca] }),
        ...(options.insecureTls ? { rejectUnauthorized: false } : {}),
      },
    });

    this.timeoutMs = positiveInt(options.timeoutMs, DEFAULTS.timeoutMs);
    this.retries = Math.max(0, Math.floor(options.retries ?? DEFAULTS.retries));
    this.maxManifestBytes = positiveInt(options.maxManifestBytes, DEFAULTS.maxManifestBytes);
    this.maxBlobJsonBytes = positiveInt(options.maxBlobJsonBytes, DEFAULTS.maxBlobJsonBytes);
    this.catalogPageSize = positiveInt(options.catalogPageSize, DEFAULTS.catalogPageSize);
    this.onRequest = options.onRequest;
    this.onWarning = options.onWarning;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  // -- API -----------------------------------------------------------------------------------------

  async ping(): Promise<{ apiVersion: string | null }> {
    return this.exchange(this.request("GET", "/v2/", null), async (res, ctx) => {
      if (!res.ok) throw await this.statusError(res, ctx, "GET");
      await discard(res);
      return { apiVersion: res.headers.get("docker-distribution-api-version") };
    });
  }

  async catalog(): Promise<string[]> {
    const names = new Set<string>();
    let url: URL | null = this.url("/v2/_catalog");
    url.searchParams.set("n", String(this.catalogPageSize));
    let pages = 0;
    while (url !== null) {
      if (++pages > MAX_PAGES) throw this.error("invalid_response", "registry catalog paging did not end", url);
      let page: { data: z.infer<typeof catalogSchema>; link: string | null };
      try {
        page = await this.getJson(url, catalogSchema, "catalog");
      } catch (e) {
        const smaller: URL | null = e instanceof RegistryError ? smallerCatalogPage(e, url) : null;
        if (smaller === null) throw e;
        url = smaller;
        continue;
      }
      for (const name of page.data.repositories ?? []) {
        if (isValidRepositoryName(name)) names.add(name);
        else this.onWarning?.({ kind: "invalid_repository_name", value: name, path: describePath(url, this.origin) });
      }
      url = this.nextPage(page.link, url);
    }
    return [...names];
  }

  async listTags(name: string): Promise<string[]> {
    assertRepositoryName(name);
    const tags = new Set<string>();
    let url: URL | null = this.url(`/v2/${name}/tags/list`);
    let pages = 0;
    while (url !== null) {
      if (++pages > MAX_PAGES) throw this.error("invalid_response", "registry tag list paging did not end", url);
      const page = await this.getJson(url, tagListSchema, `tag list of ${name}`);
      for (const tag of page.data.tags ?? []) {
        if (isValidTag(tag)) tags.add(tag);
        else this.onWarning?.({ kind: "invalid_tag", value: tag, path: describePath(url, this.origin) });
      }
      url = this.nextPage(page.link, url);
    }
    return [...tags];
  }

  async headManifest(name: string, reference: string): Promise<ManifestHead | null> {
    assertRepositoryName(name);
    const ref = parseReference(reference);
    const req = this.request("HEAD", `/v2/${name}/manifests/${reference}`, MANIFEST_ACCEPT_HEADER);
    return this.exchange(req, async (res, ctx) => {
      await discard(res);
      if (res.status === 404) return null;
      if (!res.ok) throw await this.statusError(res, ctx, "HEAD");
      const digest = res.headers.get("docker-content-digest");
      if (digest === null || !isValidDigest(digest.trim())) {
        throw this.error(
          "invalid_response",
          digest === null
            ? `registry answered HEAD ${name}:${reference} without a Docker-Content-Digest header`
            : `registry answered HEAD ${name}:${reference} with an invalid Docker-Content-Digest ${JSON.stringify(digest)}`,
          ctx.url,
          res.status,
        );
      }
      if (ref.kind === "digest" && digest.trim() !== ref.digest) {
        throw this.error(
          "digest_mismatch",
          `registry answered HEAD ${name}@${ref.digest} with digest ${digest.trim()}`,
          ctx.url,
          res.status,
        );
      }
      const contentType = res.headers.get("content-type");
      return {
        digest: digest.trim(),
        mediaType: contentType === null ? null : normalizeMediaType(contentType),
        size: parseContentLength(res.headers.get("content-length")),
      };
    });
  }

  async getManifest(name: string, reference: string): Promise<FetchedManifest> {
    assertRepositoryName(name);
    const ref = parseReference(reference);
    const shown = ref.kind === "digest" ? `${name}@${ref.digest}` : `${name}:${ref.tag}`;
    const req = this.request("GET", `/v2/${name}/manifests/${reference}`, MANIFEST_ACCEPT_HEADER);
    return this.exchange(req, async (res, ctx) => {
      if (!res.ok) throw await this.statusError(res, ctx, "GET");
      const contentType = res.headers.get("content-type");
      // Schema1 (legacy) is shown, never inspected. Its signed form's digest covers the payload
      // without signatures, so the body cannot be checked against it: trust the header.
      const legacy = contentType !== null && isSchema1MediaType(contentType);
      const bytes = await readLimited(res, this.maxManifestBytes, () =>
        this.error("too_large", `manifest exceeds ${formatByteLimit(this.maxManifestBytes)} limit`, ctx.url, res.status),
      );

      const headerDigest = res.headers.get("docker-content-digest")?.trim() ?? null;
      if (headerDigest !== null && !isValidDigest(headerDigest)) {
        throw this.error(
          "invalid_response",
          `registry sent an invalid Docker-Content-Digest ${JSON.stringify(headerDigest)} for ${shown}`,
          ctx.url,
          res.status,
        );
      }
      if (ref.kind === "digest" && !legacy) this.verifyDigest(bytes, ref.digest, `manifest ${shown}`, ctx.url);
      if (headerDigest !== null && !legacy) {
        this.verifyDigest(bytes, headerDigest, `manifest ${shown} (Docker-Content-Digest)`, ctx.url);
      }
      const digest = ref.kind === "digest" ? ref.digest : (headerDigest ?? computeDigest(bytes, "sha256"));

      const body = this.decodeUtf8(bytes, `manifest ${shown}`, ctx.url);
      let manifest: ParsedManifest;
      try {
        manifest = parseManifest(body, contentType);
      } catch (e) {
        if (e instanceof ManifestParseError) {
          throw this.error("invalid_response", `invalid manifest ${shown}: ${e.message}`, ctx.url, res.status, e);
        }
        throw e;
      }
      return { digest, mediaType: manifest.mediaType, body, size: bytes.byteLength, manifest };
    });
  }

  async deleteManifest(name: string, reference: string): Promise<"deleted" | "absent"> {
    assertRepositoryName(name);
    parseReference(reference);
    const req = this.request("DELETE", `/v2/${name}/manifests/${reference}`, null);
    return this.exchange(req, async (res, ctx) => {
      if (res.status === 404) {
        await discard(res);
        return "absent";
      }
      if (!res.ok) throw await this.statusError(res, ctx, "DELETE");
      await discard(res);
      return "deleted";
    });
  }

  async referrers(name: string, digest: string): Promise<ParsedManifest | null> {
    assertRepositoryName(name);
    if (!isValidDigest(digest)) {
      throw new InvalidReferenceError("digest", `invalid digest ${JSON.stringify(digest)}: expected algorithm:hex`);
    }
    const req = this.request("GET", `/v2/${name}/referrers/${digest}`, "application/vnd.oci.image.index.v1+json");
    return this.exchange(req, async (res, ctx) => {
      // a registry that implements the API answers 200 with an (maybe empty) index for any digest
      if (res.status === 404 || res.status === 405) {
        await discard(res);
        return null;
      }
      if (!res.ok) throw await this.statusError(res, ctx, "GET");
      const bytes = await readLimited(res, this.maxManifestBytes, () =>
        this.error("too_large", `referrers list exceeds ${formatByteLimit(this.maxManifestBytes)} limit`, ctx.url, res.status),
      );
      const body = this.decodeUtf8(bytes, `referrers of ${name}@${digest}`, ctx.url);
      try {
        const parsed = parseManifest(body, res.headers.get("content-type") ?? "application/vnd.oci.image.index.v1+json");
        return parsed.kind === "index" ? parsed : null;
      } catch (e) {
        if (e instanceof ManifestParseError) {
          throw this.error("invalid_response", `invalid referrers list for ${name}@${digest}: ${e.message}`, ctx.url, res.status, e);
        }
        throw e;
      }
    });
  }

  async getBlobText(name: string, digest: string, maxBytes?: number): Promise<string> {
    assertRepositoryName(name);
    if (!isValidDigest(digest)) {
      throw new InvalidReferenceError("digest", `invalid digest ${JSON.stringify(digest)}: expected algorithm:hex`);
    }
    const limit = positiveInt(maxBytes, this.maxBlobJsonBytes);
    const req = this.request("GET", `/v2/${name}/blobs/${digest}`, null, "any");
    return this.exchange(req, async (res, ctx) => {
      if (!res.ok) throw await this.statusError(res, ctx, "GET");
      const bytes = await readLimited(res, limit, () =>
        this.error("too_large", `blob ${digest} exceeds ${formatByteLimit(limit)} limit`, ctx.url, res.status),
      );
      this.verifyDigest(bytes, digest, `blob ${name}@${digest}`, ctx.url);
      return this.decodeUtf8(bytes, `blob ${name}@${digest}`, ctx.url);
    });
  }

  /** Whether the registry serves blob `digest` in repository `name`: HEAD, 404 → false. */
  async headBlob(name: string, digest: string): Promise<boolean> {
    assertRepositoryName(name);
    if (!isValidDigest(digest)) throw new InvalidReferenceError("digest", `not a digest: ${JSON.stringify(digest.slice(0, 200))}`);
    // a storage backend may redirect a blob to its own host (S3, GCS): any redirect is followed
    const req = this.request("HEAD", `/v2/${name}/blobs/${digest}`, null, "any");
    return this.exchange(req, async (res, ctx) => {
      await discard(res);
      if (res.status === 404) return false;
      if (!res.ok) throw await this.statusError(res, ctx, "HEAD");
      return true;
    });
  }

  async openBlob(name: string, digest: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }> {
    assertRepositoryName(name);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
      throw new InvalidReferenceError("digest", `only sha256 layer digests can be streamed, not ${JSON.stringify(digest)}`);
    }
    const exchange: Exchange = { ...this.request("GET", `/v2/${name}/blobs/${digest}`, null, "any"), timeoutCoversBody: false };
    return this.exchange(exchange, async (res, ctx) => {
      if (!res.ok || !res.body) throw await this.statusError(res, ctx, "GET");
      const length = Number(res.headers.get("content-length"));
      const hash = createHash("sha256");
      const where = `blob ${name}@${digest}`;
      const mismatch = (actual: string) =>
        this.error("digest_mismatch", `${where}: the content's digest is sha256:${actual}`, ctx.url, res.status);
      const verify = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hash.update(chunk);
          controller.enqueue(chunk);
        },
        flush(controller) {
          const actual = hash.digest("hex");
          if (`sha256:${actual}` !== digest) controller.error(mismatch(actual));
        },
      });
      const body = (res.body as ReadableStream<Uint8Array>).pipeThrough(verify);
      return { body, size: Number.isFinite(length) && length >= 0 && res.headers.has("content-length") ? length : null };
    });
  }

  async forward(request: ForwardRequest): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      throw this.error("unsupported", `method ${String(request.method)} cannot be forwarded (read-only proxy)`, null);
    }
    const url = this.forwardUrl(request.path, request.search);
    const isManifest = /^\/v2\/.+\/manifests\/[^/]+$/.test(url.pathname);
    const accept = request.accept ?? (isManifest ? MANIFEST_ACCEPT_HEADER : null);
    const exchange: Exchange = {
      method: request.method,
      url,
      accept,
      scope: scopeForRequest(request.method, url.pathname),
      redirects: "same-origin",
      timeoutCoversBody: false,
    };
    const linkPrefix = request.linkPrefix ?? "";
    // Upstream statuses (404, 401, a final 5xx) pass through: the caller proxies them as they are.
    return this.exchange(exchange, async (res, ctx) => {
      const headers = new Headers();
      for (const name of FORWARDED_HEADERS) {
        const value = res.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      if (res.headers.get("content-encoding") !== null) headers.delete("content-length");
      const link = rewriteLink(res.headers.get("link"), ctx.url, this.origin, linkPrefix);
      if (link !== null) headers.set("link", link);

      const noBody = request.method === "HEAD" || res.status === 204 || res.status === 304;
      if (noBody) await discard(res);
      // undici's stream is a node:stream/web ReadableStream, the class global Response consumes.
      const body = noBody ? null : (res.body as ReadableStream<Uint8Array> | null);
      return new Response(body, { status: res.status, statusText: res.statusText, headers });
    });
  }

  // -- helpers -------------------------------------------------------------------------------------

  private url(path: string): URL {
    return new URL(path, this.origin);
  }

  private request(
    method: Exchange["method"],
    path: string,
    accept: string | null,
    redirects: Exchange["redirects"] = "same-origin",
  ): Exchange {
    const url = this.url(path);
    return { method, url, accept, scope: scopeForRequest(method, url.pathname), redirects, timeoutCoversBody: true };
  }

  private forwardUrl(path: string, search: string): URL {
    if (!path.startsWith("/v2/") && path !== "/v2") {
      throw this.error("unsupported", `only /v2/ paths can be forwarded, not ${JSON.stringify(path)}`, null);
    }
    if (search !== "" && !search.startsWith("?")) {
      throw this.error("unsupported", `query string must start with "?", got ${JSON.stringify(search)}`, null);
    }
    let url: URL;
    try {
      url = new URL(`${path}${search}`, this.origin);
    } catch {
      throw this.error("unsupported", `cannot forward ${JSON.stringify(path)}: not a valid path`, null);
    }
    // "/v2/../admin" and "/v2/%2e%2e/x" normalise out of /v2/; "//host/…" would change origin.
    if (url.origin !== this.origin || !(url.pathname.startsWith("/v2/") || url.pathname === "/v2")) {
      throw this.error("unsupported", `cannot forward ${JSON.stringify(path)}: it leaves the registry API`, null);
    }
    return url;
  }

  private nextPage(link: string | null, current: URL): URL | null {
    const next = nextLink(link, current);
    if (next === null) return null;
    if (next.origin !== this.origin) {
      throw this.error("invalid_response", `registry Link header points to another origin (${next.origin})`, current);
    }
    return next;
  }

  private async getJson<S extends z.ZodType>(url: URL, schema: S, what: string): Promise<{ data: z.output<S>; link: string | null }> {
    const exchange: Exchange = {
      method: "GET",
      url,
      accept: "application/json",
      scope: scopeForRequest("GET", url.pathname),
      redirects: "same-origin",
      timeoutCoversBody: true,
    };
    return this.exchange(exchange, async (res, ctx) => {
      if (!res.ok) throw await this.statusError(res, ctx, "GET");
      const bytes = await readLimited(res, MAX_LIST_JSON_BYTES, () =>
        this.error("too_large", `${what} exceeds ${formatByteLimit(MAX_LIST_JSON_BYTES)} limit`, ctx.url, res.status),
      );
      const text = this.decodeUtf8(bytes, what, ctx.url);
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw this.error("invalid_response", `registry sent invalid JSON for ${what}: ${errorMessage(e)}`, ctx.url, res.status);
      }
      const parsed = schema.safeParse(doc);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
        throw this.error(
          "invalid_response",
          `registry sent an unexpected ${what}${where}: ${issue?.message ?? "invalid"}`,
          ctx.url,
          res.status,
        );
      }
      return { data: parsed.data, link: res.headers.get("link") };
    });
  }

  private verifyDigest(bytes: Uint8Array, expected: string, what: string, url: URL): void {
    const algorithm = expected.slice(0, expected.indexOf(":"));
    if (algorithm !== "sha256" && algorithm !== "sha512") {
      throw this.error("unsupported", `cannot verify ${what}: digest algorithm ${algorithm} is not supported`, url);
    }
    const actual = computeDigest(bytes, algorithm);
    if (actual !== expected) {
      throw this.error("digest_mismatch", `${what} has digest ${actual}, expected ${expected}`, url);
    }
  }

  private decodeUtf8(bytes: Uint8Array, what: string, url: URL): string {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw this.error("invalid_response", `${what} is not valid UTF-8`, url);
    }
  }

  private error(kind: RegistryErrorKind, message: string, url: URL | null, status: number | null = null, cause?: unknown): RegistryError {
    return new RegistryError({
      kind,
      message,
      status,
      url: url === null ? null : describePath(url, this.origin),
      cause,
    });
  }

  /** A non-2xx answer as a RegistryError, with the registry's error codes when the body has them. */
  private async statusError(res: UndiciResponse, ctx: ExchangeContext, method: string): Promise<RegistryError> {
    const text = method === "HEAD" ? "" : await readErrorText(res);
    const codes = parseRegistryErrorBody(text);
    const status = res.status;
    const kind: RegistryErrorKind = status === 401 || status === 403 ? "unauthorized" : status === 404 ? "not_found" : "http";
    const path = describePath(ctx.url, this.origin);
    const detail = codes.length > 0 ? formatRegistryErrorCodes(codes) : `${res.statusText || "error"} for ${method} ${path}`;
    let message = `registry answered ${status} ${detail}`;
    if (status === 401 && ctx.authFailure !== null) message = `${ctx.authFailure} (${message})`;
    else if (status === 403) message = `registry at ${this.origin} denied access: ${message}`;
    return new RegistryError({ kind, message, status, codes, url: path });
  }

  /**
   * Runs one logical request: attempts with timeout, retries with backoff, one authentication round on
   * 401, redirects. `consume` turns the final response into a result; while it runs (reading the body)
   * the attempt's timeout is still armed unless `timeoutCoversBody` is false.
   */
  private async exchange<T>(ex: Exchange, consume: (res: UndiciResponse, ctx: ExchangeContext) => Promise<T>): Promise<T> {
    let retry = 0;
    /** The Authorization a 401 told us to retry with; set once, so a request is authenticated at most once. */
    let retryWith: string | null = null;
    for (;;) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new AttemptTimeout()), this.timeoutMs);
      try {
        const { res, url, authorization } = await this.send(ex, controller.signal, retryWith);
        if (!ex.timeoutCoversBody) clearTimeout(timer);
        const ctx: ExchangeContext = { url, authFailure: null };

        if (res.status === 401 && url.origin === this.origin) {
          let outcome: AuthOutcome;
          try {
            outcome = await this.auth.authenticate(res.headers.get("www-authenticate"), ex.scope, authorization, retryWith === null);
          } catch (e) {
            await discard(res);
            throw e;
          }
          if ("retryWith" in outcome) {
            retryWith = outcome.retryWith;
            await discard(res);
            continue;
          }
          ctx.authFailure = outcome.failure;
        }

        if (res.status >= 500 && retry < this.retries) {
          await discard(res);
          await backoff(retry++);
          continue;
        }
        return await consume(res, ctx);
      } catch (err) {
        const failure = this.classify(err, controller.signal, ex);
        if (retry < this.retries && isRetryable(failure)) {
          await backoff(retry++);
          continue;
        }
        throw failure;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * One attempt: the request plus manual redirects. Authorization (`override`, else what RegistryAuth picks
   * for the scope, possibly fetching a token first) goes to the registry's origin only.
   */
  private async send(
    ex: Exchange,
    signal: AbortSignal,
    override: string | null,
  ): Promise<{ res: UndiciResponse; url: URL; authorization: string | null }> {
    let url = ex.url;
    const chosen = override ?? (await this.auth.authorizationFor(ex.scope));
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { "accept-encoding": "identity", "user-agent": REGISTRY_USER_AGENT };
      if (ex.accept !== null) headers.accept = ex.accept;
      const authorization = url.origin === this.origin ? chosen : null;
      if (authorization !== null) headers.authorization = authorization;

      const started = performance.now();
      let res: UndiciResponse;
      try {
        res = await fetch(url, { method: ex.method, headers, redirect: "manual", signal, dispatcher: this.agent });
      } catch (e) {
        this.emit(ex.method, url, null, started);
        throw e;
      }
      this.emit(ex.method, url, res.status, started);

      const location = isRedirect(res.status) ? res.headers.get("location") : null;
      if (location === null) return { res, url, authorization };
      await discard(res);

      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw this.error("invalid_response", `registry redirected to an invalid location ${JSON.stringify(location)}`, url, res.status);
      }
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        throw this.error("invalid_response", `registry redirected to a non-HTTP location (${next.protocol})`, url, res.status);
      }
      if (ex.redirects === "same-origin" && next.origin !== this.origin) {
        throw this.error(
          "unsupported",
          `registry redirected ${ex.method} ${describePath(url, this.origin)} to another origin (${next.origin}); only same-origin redirects are followed`,
          url,
          res.status,
        );
      }
      if (hop + 1 > MAX_REDIRECTS) {
        throw this.error("invalid_response", `registry redirected more than ${MAX_REDIRECTS} times`, url, res.status);
      }
      url = next;
    }
  }

  private emit(method: string, url: URL, status: number | null, started: number): void {
    const path = describePath(url, this.origin);
    observe((m) =>
      m.registryDuration.observe(
        { method, endpoint: registryEndpoint(path), status: statusLabel(status) },
        (performance.now() - started) / 1000,
      ),
    );
    if (!this.onRequest) return;
    try {
      this.onRequest({
        method,
        path: describePath(url, this.origin),
        status,
        durationMs: Math.round(performance.now() - started),
      });
    } catch {
      // A logging hook must not break registry access.
    }
  }

  /** Any failure of an attempt as a RegistryError; programming errors pass through unchanged. */
  private classify(err: unknown, signal: AbortSignal, ex: Exchange): unknown {
    if (err instanceof RegistryError) return err;
    const path = describePath(ex.url, this.origin);
    if (signal.aborted && signal.reason instanceof AttemptTimeout) {
      return new RegistryError({
        kind: "timeout",
        message: `registry at ${this.origin} did not answer ${ex.method} ${path} within ${this.timeoutMs} ms`,
        url: path,
      });
    }
    if (err instanceof TypeError && err.cause !== undefined) {
      return this.networkFailure(err, `registry at ${this.origin}`, `${ex.method} ${path}`, path);
    }
    return err;
  }

  /** A fetch TypeError as an "unreachable" RegistryError; TLS failures name the settings that fix them. */
  private networkFailure(err: TypeError, who: string, what: string, path: string): RegistryError {
    const cause = err.cause;
    const code = errorCode(cause);
    const reason = errorMessage(cause) || code || err.message;
    const broken = err.message === "terminated";
    const tls = code !== null && TLS_ERROR.test(code);
    const failure = new RegistryError({
      kind: "unreachable",
      message: broken
        ? `connection to ${who} broke during ${what}: ${reason}`
        : `${who} is unreachable: ${reason}${tls ? ` (${this.tlsHint(code)})` : ""}`,
      url: path,
      cause,
    });
    if (tls) permanentFailures.add(failure);
    return failure;
  }

  /** What to change when TLS verification fails: the operator sees this, so it names the settings. */
  private tlsHint(code: string): string {
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
      return "TLS certificate is not issued for this host name: use the name it lists in REGISTRY_URL, or REGISTRY_INSECURE_TLS=true to skip verification";
    }
    return this.caFile === null
      ? "TLS certificate not trusted: set REGISTRY_CA_FILE to the PEM of the CA that signed it, or REGISTRY_INSECURE_TLS=true to skip verification"
      : `TLS certificate not trusted by REGISTRY_CA_FILE (${this.caFile}) nor the public roots: use the CA that signed it, or REGISTRY_INSECURE_TLS=true to skip verification`;
  }

  /**
   * One GET to a token realm for BearerAuth, through the same TLS agent as registry requests. Redirects are
   * not followed (credentials must not travel on to wherever the realm points). Network failures become
   * RegistryErrors naming the realm, never the credentials.
   */
  private async tokenRequest(url: URL, authorization: string | null): Promise<TokenHttpResponse> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "accept-encoding": "identity",
      "user-agent": REGISTRY_USER_AGENT,
    };
    if (authorization !== null) headers.authorization = authorization;
    const shown = describeRealm(url);
    const signal = AbortSignal.timeout(this.timeoutMs);
    const started = performance.now();
    let res: UndiciResponse;
    try {
      res = await fetch(url, { method: "GET", headers, redirect: "manual", signal, dispatcher: this.agent });
    } catch (e) {
      this.emit("GET", url, null, started);
      if (signal.aborted) {
        throw new RegistryError({
          kind: "timeout",
          message: `token realm ${shown} did not answer within ${this.timeoutMs} ms`,
          url: shown,
        });
      }
      if (e instanceof TypeError && e.cause !== undefined) throw this.networkFailure(e, `token realm ${shown}`, "GET", shown);
      throw e;
    }
    this.emit("GET", url, res.status, started);
    const bytes = await readLimited(res, MAX_TOKEN_REPLY_BYTES, () =>
      this.error("too_large", `token realm ${shown} answered with more than ${formatByteLimit(MAX_TOKEN_REPLY_BYTES)}`, null, res.status),
    );
    return { status: res.status, statusText: res.statusText, text: new TextDecoder().decode(bytes) };
  }
}

// ---------------------------------------------------------------------------------------------------
// Schemas and small helpers

const catalogSchema = z.object({ repositories: z.array(z.string()).nullable() });
const tagListSchema = z.object({ name: z.string().optional(), tags: z.array(z.string()).nullable() });

const FORWARDED_HEADERS = ["content-type", "content-length", "docker-content-digest", "docker-distribution-api-version", "etag"] as const;

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

function rewriteLink(header: string | null, base: URL, origin: string, prefix: string): string | null {
  if (header === null) return null;
  const parts: string[] = [];
  for (const [rel, target] of Object.entries(parseLinkHeader(header))) {
    let url: URL;
    try {
      url = new URL(target, base);
    } catch {
      continue;
    }
    if (url.origin !== origin) continue;
    parts.push(`<${prefix}${url.pathname}${url.search}>; rel="${rel}"`);
  }
  return parts.length > 0 ? parts.join(", ") : null;
}

/** Registry-origin URLs as path+query; elsewhere (blob storage) origin+path, since queries carry signatures. */
function describePath(url: URL, origin: string): string {
  return url.origin === origin ? `${url.pathname}${url.search}` : `${url.origin}${url.pathname}`;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function isRetryable(e: unknown): boolean {
  if (!(e instanceof RegistryError)) return false;
  if (e.kind === "timeout") return true;
  return e.kind === "unreachable" && !permanentFailures.has(e);
}

/** Exponential backoff with jitter: ~200–300 ms, 400–600 ms, 800–1200 ms… */
function backoff(retry: number): Promise<void> {
  const base = RETRY_BASE_DELAY_MS * 2 ** retry;
  const delay = base + Math.random() * (base / 2);
  return new Promise((resolve) => setTimeout(resolve, delay));
}

async function discard(res: UndiciResponse): Promise<void> {
  if (res.body === null || res.bodyUsed) return;
  try {
    await res.body.cancel();
  } catch {
    // Already errored or closed: nothing left to release.
  }
}

/**
 * Reads the body into memory, failing as soon as Content-Length or the bytes streamed so far pass
 * `limit`; the connection is then cancelled, so a huge body is never downloaded in full.
 */
async function readLimited(res: UndiciResponse, limit: number, tooLarge: () => RegistryError): Promise<Uint8Array> {
  const declared = parseContentLength(res.headers.get("content-length"));
  if (declared !== null && declared > limit) {
    await discard(res);
    throw tooLarge();
  }
  const { bytes, truncated } = await readUpTo(res, limit);
  if (truncated) throw tooLarge();
  return bytes;
}

async function readUpTo(res: UndiciResponse, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (res.body === null) return { bytes: new Uint8Array(0), truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk: Uint8Array = value;
    if (total + chunk.byteLength > limit) {
      chunks.push(chunk.subarray(0, limit - total));
      total = limit;
      await reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks, total), truncated: true };
    }
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  return { bytes: Buffer.concat(chunks, total), truncated: false };
}

async function readErrorText(res: UndiciResponse): Promise<string> {
  try {
    const { bytes } = await readUpTo(res, MAX_ERROR_BODY_BYTES);
    return new TextDecoder().decode(bytes);
  } catch {
    return "";
  }
}

function computeDigest(bytes: Uint8Array, algorithm: "sha256" | "sha512"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

function parseContentLength(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : null;
}

function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

function errorCode(e: unknown): string | null {
  if (typeof e === "object" && e !== null && "code" in e && typeof e.code === "string") return e.code;
  return null;
}
