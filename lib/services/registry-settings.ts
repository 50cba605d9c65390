// The admin's "Registry and configuration" page: the effective settings with secrets masked, what the registry
// was found to support (probed with requests that change nothing), and for each gap the config.yml lines to add.
import "server-only";
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { authorize } from "../auth/permissions";
import type { ConfigEntry, RegistryCheck, RegistryDiagnosis } from "../contract/registry-settings";
import { getDb } from "../db/client";
import { envSchema, getEnv } from "../env";
import { createRegistryClient, type RegistryClient } from "../registry/client";
import { RegistryError } from "../registry/errors";
import { registryClient } from "./registry";

export const SECRET_SETTINGS = new Set([
  "REGISTRY_PASSWORD",
  "AUTH_SECRET",
  "LAYERSCOPE_ADMIN_PASSWORD",
  "LAYERSCOPE_WEBHOOK_SECRET",
  "GC_WEBHOOK_SECRET",
  "OIDC_CLIENT_SECRET",
  "METRICS_TOKEN",
]);

/** A value with any password in a URL's userinfo replaced. */
function maskUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = "********";
    return u.toString();
  } catch {
    return value;
  }
}

/** Every setting as this instance uses it: secrets only say whether they are set. */
export function effectiveConfiguration(caller: Caller): ConfigEntry[] {
  authorize(caller, "users:manage");
  const env = getEnv() as unknown as Record<string, unknown>;
  return Object.keys(envSchema.shape)
    .sort()
    .map((name) => {
      const raw = env[name];
      const secret = SECRET_SETTINGS.has(name);
      const isSet = raw !== undefined && raw !== null && !(Array.isArray(raw) && raw.length === 0);
      let value: string | null = null;
      if (isSet && secret) value = "•••••••• (set)";
      else if (isSet) value = Array.isArray(raw) ? raw.join(", ") : name === "DATABASE_URL" ? maskUrl(String(raw)) : String(raw);
      return { name, value, secret };
    });
}

const PROBE_DIGEST = `sha256:${"0".repeat(64)}`;

async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

const isDeleteDisabled = (e: unknown) => e instanceof RegistryError && (e.status === 405 || e.hasCode("UNSUPPORTED"));
const isDigestInvalid = (e: unknown) => e instanceof RegistryError && e.status === 400 && e.hasCode("DIGEST_INVALID");

/** The largest catalog page the registry accepts (catalog.maxentries), of the sizes tried. */
async function catalogLimit(client: RegistryClient): Promise<number | null> {
  for (const n of [10_000, 5000, 1000, 100]) {
    const res = await client.forward({ method: "GET", path: "/v2/_catalog", search: `?n=${n}`, accept: null });
    await res.body?.cancel();
    if (res.ok) return n;
  }
  return null;
}

/**
 * Probe the registry with requests that change nothing: DELETEs of a digest and a tag that cannot exist, a
 * referrers lookup, catalog pages of growing size. `origin` is Layerscope's own URL, for the notifications lines.
 */
export async function diagnoseRegistry(caller: Caller, origin: string): Promise<RegistryDiagnosis> {
  authorize(caller, "users:manage");
  const env = getEnv();
  const db = getDb();
  const checks: RegistryCheck[] = [];
  const paths: string[] = [];
  const client = registryClient({ retries: 0, timeoutMs: Math.min(env.REGISTRY_TIMEOUT_MS, 5000), onRequest: (e) => paths.push(e.path) });
  const ping = await attempt(() => client.ping());
  checks.push({
    id: "reachable",
    label: "Registry reachable",
    state: ping.ok ? "ok" : "missing",
    detail: ping.ok ? `answers /v2/ (API ${ping.value.apiVersion ?? "version not stated"})` : errorMessage(ping.error),
  });

  // auth: a token request shows up as a path outside /v2/; otherwise an anonymous 401 means Basic
  let auth = "none";
  if (paths.some((p) => !p.startsWith("/v2"))) auth = "token";
  else {
    const anonymous = createRegistryClient({
      baseUrl: env.REGISTRY_URL,
      caFile: env.REGISTRY_CA_FILE,
      insecureTls: env.REGISTRY_INSECURE_TLS,
      retries: 0,
      timeoutMs: 5000,
    });
    const res = await attempt(() => anonymous.forward({ method: "GET", path: "/v2/", search: "", accept: null }));
    if (res.ok) {
      await res.value.body?.cancel();
      if (res.value.status === 401) auth = env.REGISTRY_USERNAME ? "basic" : "required";
    }
    await anonymous.close();
  }
  checks.push({
    id: "auth",
    label: "Authentication",
    state: auth === "required" ? "missing" : auth === "none" ? "info" : "ok",
    detail:
      auth === "token"
        ? "token auth (Bearer): Layerscope fetches tokens with its credentials"
        : auth === "basic"
          ? "HTTP Basic (htpasswd) with REGISTRY_USERNAME"
          : auth === "required"
            ? "the registry asks for credentials, and REGISTRY_USERNAME/REGISTRY_PASSWORD are not set"
            : "none: anyone who reaches the registry can push and delete",
    ...(auth === "none"
      ? {
          fix: {
            why: "Without auth every client that reaches the registry can push and delete. Give Layerscope a user with REGISTRY_USERNAME and REGISTRY_PASSWORD.",
            file: "config.yml",
            lines:
              "auth:\n  htpasswd:\n    realm: registry\n    path: /auth/htpasswd   # htpasswd -Bbn <user> <password> >> /auth/htpasswd",
          },
        }
      : {}),
  });

  const https = env.REGISTRY_URL.startsWith("https://");
  checks.push({
    id: "tls",
    label: "TLS",
    state: https ? (env.REGISTRY_INSECURE_TLS ? "info" : "ok") : "info",
    detail: https
      ? env.REGISTRY_INSECURE_TLS
        ? "HTTPS, but the certificate is not checked (REGISTRY_INSECURE_TLS)"
        : `HTTPS${env.REGISTRY_CA_FILE ? `, trusted through ${env.REGISTRY_CA_FILE}` : ""}`
      : "plain HTTP: credentials and tokens cross the network unencrypted (fine on a private network or localhost)",
    ...(!https
      ? {
          fix: {
            why: "Serve the registry over HTTPS, then set REGISTRY_URL=https://… (and REGISTRY_CA_FILE for a private CA).",
            file: "config.yml",
            lines: "http:\n  tls:\n    certificate: /certs/registry.crt\n    key: /certs/registry.key",
          },
        }
      : {}),
  });

  // a repository to probe with: one the cache knows (token auth grants scopes per repository)
  const known = await db.repository.findFirst({ orderBy: { name: "asc" }, select: { name: true } }).catch(() => null);
  const repo = known?.name ?? `layerscope-probe/${randomBytes(4).toString("hex")}`;
  const digestDelete = ping.ok ? await attempt(() => client.deleteManifest(repo, PROBE_DIGEST)) : null;
  const deleteEnabled = digestDelete === null ? null : digestDelete.ok ? true : isDeleteDisabled(digestDelete.error) ? false : null;
  checks.push({
    id: "delete",
    label: "Deletes enabled",
    state: deleteEnabled === true ? "ok" : deleteEnabled === false ? "missing" : "unknown",
    detail:
      deleteEnabled === true
        ? "storage.delete.enabled is on: tags and manifests can be deleted"
        : deleteEnabled === false
          ? "the registry refuses DELETE (405 UNSUPPORTED)"
          : `could not tell${digestDelete && !digestDelete.ok ? `: ${errorMessage(digestDelete.error)}` : ""}`,
    ...(deleteEnabled === false
      ? {
          fix: {
            why: "Deleting tags and manifests from Layerscope (and retention policies) needs it; restart the registry after the change.",
            file: "config.yml",
            lines: "storage:\n  delete:\n    enabled: true",
          },
        }
      : {}),
  });

  const tagDelete = ping.ok ? await attempt(() => client.deleteManifest(repo, `layerscope-probe-${randomBytes(6).toString("hex")}`)) : null;
  const tagDeleteSupported = tagDelete === null ? null : tagDelete.ok ? true : isDigestInvalid(tagDelete.error) ? false : null;
  checks.push({
    id: "tag-delete",
    label: "Tag delete",
    state: tagDeleteSupported === true ? "ok" : tagDeleteSupported === false ? "info" : "unknown",
    detail:
      tagDeleteSupported === true
        ? "deleting a tag removes only that tag (distribution 3.x, zot)"
        : tagDeleteSupported === false
          ? "registry 2.x deletes by digest only: deleting one tag removes every tag of that manifest; Layerscope's preview shows which"
          : "could not tell (deletes refused or the probe failed)",
  });

  const referrers = ping.ok ? await attempt(() => client.referrers(repo, PROBE_DIGEST)) : null;
  const hasReferrers = referrers?.ok ? referrers.value !== null : null;
  checks.push({
    id: "referrers",
    label: "Referrers API",
    state: hasReferrers ? "ok" : hasReferrers === false ? "info" : "unknown",
    detail: hasReferrers
      ? "OCI 1.1 referrers API: signatures and SBOMs are found directly"
      : hasReferrers === false
        ? "not implemented (registry 2.x): signatures and SBOMs are found by their tag schema (sha256-<digest>.sig) instead"
        : "could not tell",
  });

  const limit = ping.ok ? await catalogLimit(client).catch(() => null) : null;
  checks.push({
    id: "catalog",
    label: "Catalog page limit",
    state: limit === null ? "unknown" : limit >= 1000 ? "ok" : "info",
    detail:
      limit === null
        ? "could not list the catalog"
        : limit >= 10_000
          ? "accepts pages of 10,000 names or more"
          : `accepts pages of up to ${limit} names (catalog.maxentries); a sync lists the catalog in pages of that size`,
    ...(limit !== null && limit < 1000
      ? {
          fix: {
            why: "Fewer, larger catalog pages make syncs of many repositories faster.",
            file: "config.yml",
            lines: "catalog:\n  maxentries: 1000",
          },
        }
      : {}),
  });

  const last = await db.registryEvent.findFirst({ orderBy: { receivedAt: "desc" }, select: { receivedAt: true } }).catch(() => null);
  const recent = last !== null && Date.now() - last.receivedAt.getTime() < 24 * 3600 * 1000;
  const secretSet = Boolean(env.LAYERSCOPE_WEBHOOK_SECRET);
  checks.push({
    id: "notifications",
    label: "Notifications",
    state: recent ? "ok" : secretSet && last ? "info" : "missing",
    detail: recent
      ? `last event received ${last?.receivedAt.toISOString()}`
      : !secretSet
        ? "LAYERSCOPE_WEBHOOK_SECRET is not set: Layerscope sees pushes and deletes only at the next sync"
        : last
          ? `no event in the last 24 hours (last ${last.receivedAt.toISOString()})`
          : "no event has arrived yet",
    ...(!recent
      ? {
          fix: {
            why:
              "The registry then tells Layerscope about every push and delete at once, instead of waiting for the next sync." +
              (secretSet ? "" : " Set LAYERSCOPE_WEBHOOK_SECRET (16+ characters) in Layerscope first."),
            file: "config.yml",
            lines: [
              "notifications:",
              "  events:",
              "    includereferences: true",
              "  endpoints:",
              "    - name: layerscope",
              `      url: ${origin}/api/v1/webhooks/registry`,
              "      headers:",
              "        Authorization: [Bearer <LAYERSCOPE_WEBHOOK_SECRET>]",
              "      timeout: 2s",
              "      threshold: 5",
              "      backoff: 1s",
            ].join("\n"),
          },
        }
      : {}),
  });

  checks.push(await storageCheck(env.REGISTRY_STORAGE_ROOT));

  const gc = env.gcRunner;
  checks.push({
    id: "gc",
    label: "Garbage collection",
    state: gc ? "ok" : "missing",
    detail: gc
      ? `runner: ${env.GC_RUNNER}`
      : "GC_RUNNER is not set: deleted images keep their disk space until someone runs garbage-collect",
    fix: {
      why:
        "garbage-collect has no lock: a push during it can lose blobs. Run it against a copy of config.yml in read-only maintenance " +
        "(pushes and deletes answer 405, pulls work), and restart the registry afterwards: with the in-memory blob descriptor cache " +
        "deleted blobs keep answering until a restart. A restart policy brings it back by itself.",
      file: "config.yml (the copy GC runs with) and the registry's container",
      lines: [
        "storage:",
        "  maintenance:",
        "    readonly:",
        "      enabled: true",
        "",
        "# compose: the registry service",
        "restart: unless-stopped",
      ].join("\n"),
    },
  });

  return { registryUrl: env.REGISTRY_URL, checkedAt: new Date().toISOString(), checks };
}

/** Whether REGISTRY_STORAGE_ROOT is mounted and holds the registry's repositories (those the cache knows). */
async function storageCheck(root: string | undefined): Promise<RegistryCheck> {
  const fix = {
    why: "With the registry's storage mounted (read-only is enough) Layerscope shows disk usage, finds orphaned blobs, and syncs tags from disk.",
    file: "Layerscope's container (compose)",
    lines: "volumes:\n  - registry-data:/var/lib/registry:ro\nenvironment:\n  REGISTRY_STORAGE_ROOT: /var/lib/registry",
  };
  if (!root) return { id: "storage", label: "Storage root", state: "info", detail: "REGISTRY_STORAGE_ROOT is not set", fix };
  const repositories = path.join(root, "docker", "registry", "v2", "repositories");
  const mounted = await stat(repositories).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!mounted) {
    return {
      id: "storage",
      label: "Storage root",
      state: "missing",
      detail: `${repositories} does not exist: is the volume mounted?`,
      fix,
    };
  }
  const sample = await getDb()
    .repository.findMany({ orderBy: { name: "asc" }, take: 20, select: { name: true } })
    .catch(() => []);
  if (sample.length === 0)
    return { id: "storage", label: "Storage root", state: "unknown", detail: `${root} is mounted; nothing synced yet to compare` };
  const found = await Promise.all(
    sample.map((r) =>
      stat(path.join(repositories, ...r.name.split("/"), "_manifests")).then(
        () => true,
        () => false,
      ),
    ),
  );
  const hits = found.filter(Boolean).length;
  return hits === sample.length
    ? { id: "storage", label: "Storage root", state: "ok", detail: `${root} is mounted and holds the registry's repositories` }
    : {
        id: "storage",
        label: "Storage root",
        state: "missing",
        detail: `${root} is mounted, but ${sample.length - hits} of ${sample.length} synced repositories are not in it: is it another registry's storage?`,
        fix,
      };
}
