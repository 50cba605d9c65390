import "server-only";
// Transport: every request to the registry (and to a token realm) goes through `exchange` here:
// per-attempt timeout, retries with backoff on network errors, timeouts and 5xx (never 4xx), manual
// redirects (credentials stay on the registry's origin), one authentication round on 401 (see auth.ts),
// the TLS agent (REGISTRY_CA_FILE, REGISTRY_INSECURE_TLS), request events and metrics, and the mapping of
// failures to RegistryError.

import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, fetch, type Response as UndiciResponse } from "undici";
import { errorMessage } from "@/lib/errors";
import { observe, registryEndpoint, statusLabel } from "../metrics";
import { RegistryAuth } from "./auth";
import { discard, readErrorText, readLimited } from "./body";
import { formatByteLimit, formatRegistryErrorCodes, parseRegistryErrorBody, RegistryError, type RegistryErrorKind } from "./errors";
import { type AuthOutcome, describeRealm, scopeForRequest, type TokenHttpResponse } from "./token";

/**
 * Sent on every request to the registry, so that the registry's notifications about Layerscope's own
 * reads (`request.useragent`) can be told apart from real pulls and dropped.
 */
export const REGISTRY_USER_AGENT = "Layerscope/1 (registry dashboard)";

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_RETRIES = 3;
const RETRY_BASE_DELAY_MS = 200;
const MAX_REDIRECTS = 5;
/** Token replies are small JSON (a JWT with its certificate chain is a few KiB). */
const MAX_TOKEN_REPLY_BYTES = 1024 * 1024;

export type RegistryRequestEvent = { method: string; path: string; status: number | null; durationMs: number };

/** The transport's part of RegistryClientOptions. */
export type TransportOptions = {
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
  /**
   * Called once per HTTP exchange (each attempt, each redirect hop and each token request) when headers arrive
   * or it fails. Never carries credentials or tokens.
   */
  onRequest?: (e: RegistryRequestEvent) => void;
};

export type Exchange = {
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

export type ExchangeContext = {
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

export class RegistryTransport {
  /** The registry's origin, e.g. "http://localhost:5000". */
  readonly origin: string;
  private readonly auth: RegistryAuth;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly onRequest: ((e: RegistryRequestEvent) => void) | undefined;
  private readonly caFile: string | null;

  constructor(options: TransportOptions) {
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

    this.timeoutMs = positiveInt(options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.retries = Math.max(0, Math.floor(options.retries ?? DEFAULT_RETRIES));
    this.onRequest = options.onRequest;
  }

  /** Closes pooled connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  url(path: string): URL {
    return new URL(path, this.origin);
  }

  request(method: Exchange["method"], path: string, accept: string | null, redirects: Exchange["redirects"] = "same-origin"): Exchange {
    const url = this.url(path);
    return { method, url, accept, scope: scopeForRequest(method, url.pathname), redirects, timeoutCoversBody: true };
  }

  /** How `url` is named in messages and events: see describePath. */
  describe(url: URL): string {
    return describePath(url, this.origin);
  }

  error(kind: RegistryErrorKind, message: string, url: URL | null, status: number | null = null, cause?: unknown): RegistryError {
    return new RegistryError({
      kind,
      message,
      status,
      url: url === null ? null : describePath(url, this.origin),
      cause,
    });
  }

  /** A non-2xx answer as a RegistryError, with the registry's error codes when the body has them. */
  async statusError(res: UndiciResponse, ctx: ExchangeContext, method: string): Promise<RegistryError> {
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
  async exchange<T>(ex: Exchange, consume: (res: UndiciResponse, ctx: ExchangeContext) => Promise<T>): Promise<T> {
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

export function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

function errorCode(e: unknown): string | null {
  if (typeof e === "object" && e !== null && "code" in e && typeof e.code === "string") return e.code;
  return null;
}
