import "server-only";
// The only code that speaks HTTP to the registry (Distribution API v2 / OCI distribution spec).
//
// Every request goes through the transport's `exchange` (transport.ts): per-attempt timeout, retries with
// backoff on network errors, timeouts and 5xx (never 4xx), manual redirects (credentials stay on the
// registry's origin), and one authentication round on 401 (auth.ts: Basic, or a bearer token from the
// challenge's realm, see token.ts). Bodies are read with a byte limit, digests are checked over the raw
// bytes (body.ts), JSON is validated with zod. The API calls live by resource: listing.ts (catalog, tags),
// manifests.ts (manifests, delete, referrers), blobs.ts and forward.ts.
//
// Invalid input (a repository name, tag or digest that breaks the grammar) is the caller's mistake, not
// the registry's: it throws lib/oci's InvalidReferenceError (field "name" | "tag" | "digest" |
// "reference") before any request is made, so routes can answer 400 without telling it apart from
// RegistryError.

import type { ParsedManifest } from "../oci/manifest";
import { getBlobText, headBlob, openBlob } from "./blobs";
import { discard } from "./body";
import { type ForwardRequest, forward } from "./forward";
import { catalog, listTags, type RegistryWarning } from "./listing";
import { deleteManifest, type FetchedManifest, getManifest, headManifest, type ManifestHead, referrers } from "./manifests";
import { positiveInt, RegistryTransport, type TransportOptions } from "./transport";

export type { ForwardRequest } from "./forward";
export type { RegistryWarning } from "./listing";
export type { FetchedManifest, ManifestHead } from "./manifests";
export type { RegistryRequestEvent } from "./transport";
export { REGISTRY_USER_AGENT } from "./transport";

const MiB = 1024 * 1024;
const DEFAULTS = {
  maxManifestBytes: 4 * MiB,
  maxBlobJsonBytes: 8 * MiB,
  catalogPageSize: 1000,
} as const;

/** The transport's options (see transport.ts), plus the limits and the warnings of the API calls. */
export type RegistryClientOptions = TransportOptions & {
  maxManifestBytes?: number;
  maxBlobJsonBytes?: number;
  catalogPageSize?: number;
  /** Called for each repository name or tag dropped from a listing. */
  onWarning?: (w: RegistryWarning) => void;
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

class HttpRegistryClient implements RegistryClient {
  readonly baseUrl: string;
  private readonly transport: RegistryTransport;
  private readonly maxManifestBytes: number;
  private readonly maxBlobJsonBytes: number;
  private readonly catalogPageSize: number;
  private readonly onWarning: ((w: RegistryWarning) => void) | undefined;

  constructor(options: RegistryClientOptions) {
    this.transport = new RegistryTransport(options);
    this.baseUrl = this.transport.origin;
    this.maxManifestBytes = positiveInt(options.maxManifestBytes, DEFAULTS.maxManifestBytes);
    this.maxBlobJsonBytes = positiveInt(options.maxBlobJsonBytes, DEFAULTS.maxBlobJsonBytes);
    this.catalogPageSize = positiveInt(options.catalogPageSize, DEFAULTS.catalogPageSize);
    this.onWarning = options.onWarning;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  async ping(): Promise<{ apiVersion: string | null }> {
    const t = this.transport;
    return t.exchange(t.request("GET", "/v2/", null), async (res, ctx) => {
      if (!res.ok) throw await t.statusError(res, ctx, "GET");
      await discard(res);
      return { apiVersion: res.headers.get("docker-distribution-api-version") };
    });
  }

  catalog(): Promise<string[]> {
    return catalog(this.transport, this.catalogPageSize, this.onWarning);
  }

  listTags(name: string): Promise<string[]> {
    return listTags(this.transport, name, this.onWarning);
  }

  headManifest(name: string, reference: string): Promise<ManifestHead | null> {
    return headManifest(this.transport, name, reference);
  }

  getManifest(name: string, reference: string): Promise<FetchedManifest> {
    return getManifest(this.transport, name, reference, this.maxManifestBytes);
  }

  deleteManifest(name: string, reference: string): Promise<"deleted" | "absent"> {
    return deleteManifest(this.transport, name, reference);
  }

  referrers(name: string, digest: string): Promise<ParsedManifest | null> {
    return referrers(this.transport, name, digest, this.maxManifestBytes);
  }

  getBlobText(name: string, digest: string, maxBytes?: number): Promise<string> {
    return getBlobText(this.transport, name, digest, this.maxBlobJsonBytes, maxBytes);
  }

  headBlob(name: string, digest: string): Promise<boolean> {
    return headBlob(this.transport, name, digest);
  }

  openBlob(name: string, digest: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }> {
    return openBlob(this.transport, name, digest);
  }

  forward(request: ForwardRequest): Promise<Response> {
    return forward(this.transport, request);
  }
}
