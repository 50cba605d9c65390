// Every setting Layerscope reads, parsed once with zod. Nothing else reads process.env.
// Documented in docs/configuration.md; a bad value stops start-up with a message naming the variable.
import { z } from "zod";
import { errorMessage } from "@/lib/errors";
import { parseCidr } from "./auth/client-address";
import { usernameSchema } from "./auth/roles";
import { type GcRunnerConfig, gcRunnerConfigFromEnv } from "./gc/config";
import { isValidSchedule } from "./retention/schedule";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((v) => v === "true" || v === "1" || v === "yes");

const boolDefaultTrue = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((v) => v === undefined || v === "" || v === "true" || v === "1" || v === "yes");

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), "must start with http:// or https://")
  .transform((u) => u.replace(/\/+$/, ""));

const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

const origin = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), "must start with http:// or https://")
  .transform((u) => new URL(u).origin);

export const envSchema = z.object({
  REGISTRY_URL: httpUrl.default("http://localhost:5000"),
  REGISTRY_USERNAME: optionalString,
  REGISTRY_PASSWORD: optionalString,
  REGISTRY_PUBLIC_HOST: optionalString,
  REGISTRY_CA_FILE: optionalString,
  REGISTRY_INSECURE_TLS: bool,
  REGISTRY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  LAYERSCOPE_DATA_DIR: z.string().min(1).default("./.data"),
  SYNC_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400 * 7)
    .default(300),
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  // tags resolved and written per transaction while syncing a repository
  SYNC_TAG_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
  // with REGISTRY_STORAGE_ROOT mounted, read tags and their digests from disk instead of over HTTP
  SYNC_FROM_STORAGE: boolDefaultTrue,
  // run background jobs (sync, …) in this instance; several instances share one queue safely
  LAYERSCOPE_WORKERS: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // Prometheus scrapes GET /api/metrics with Authorization: Bearer <METRICS_TOKEN>; unset: the route answers 404
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  // on SIGTERM: how long running jobs may take to finish before they are handed back to the queue; the
  // launcher gives the server this long plus 10 s before it kills it (set the container's stop timeout above)
  LAYERSCOPE_STOP_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(20),

  // --- layer file index: blobs larger than this are not read (the layer says so instead)
  LAYER_INDEX_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(2 * 1024 ** 3),
  // a layer whose tar decompresses to more bytes, or lists more entries, than this is skipped (gzip/zstd bombs)
  LAYER_INDEX_MAX_UNCOMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(8 * 1024 ** 3),
  LAYER_INDEX_MAX_ENTRIES: z.coerce.number().int().min(0).default(500_000),
  // a failed layer may be re-queued by a viewer once per this many seconds (shared by every instance)
  LAYER_INDEX_RETRY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  // index the layers of new tags after every sync, not only when someone opens the image
  LAYER_INDEX_BACKGROUND: boolDefaultTrue,

  // --- cosign signature verification: PEM public keys (comma-separated file paths; a key is named by its file's basename)
  COSIGN_PUBLIC_KEYS: commaList,

  // --- registry token auth: origins (scheme://host:port) a token realm may point to besides the registry's own
  REGISTRY_TOKEN_REALMS: commaList.pipe(z.array(origin)),

  // --- users and sessions
  // signs session cookies; `npm start` generates one into the data dir when unset (several instances must share it)
  AUTH_SECRET: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),
  LAYERSCOPE_ADMIN_USER: optionalString.pipe(usernameSchema.optional()),
  LAYERSCOPE_ADMIN_PASSWORD: optionalString.pipe(z.string().min(8, "must be at least 8 characters").optional()),
  LAYERSCOPE_ANONYMOUS_READ: bool,
  // reverse proxies (addresses or CIDR ranges, IPv4 or IPv6) whose X-Forwarded-For is believed; unset: none,
  // every request's address is its TCP peer
  LAYERSCOPE_TRUSTED_PROXIES: commaList.pipe(
    z.array(z.string().refine((c) => parseCidr(c) !== null, "must be comma-separated addresses or CIDR ranges (10.0.0.0/8, fd00::/8)")),
  ),
  // the longest an API token may live; tokens created with a longer or no expiry stop at this age
  LAYERSCOPE_TOKEN_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  // shared secret registry notifications must present (Authorization: Bearer <secret>); GC callbacks use GC_WEBHOOK_SECRET
  LAYERSCOPE_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  // single sign-on through any OpenID Connect provider (all three set, or none)
  OIDC_ISSUER: optionalString.pipe(httpUrl.optional()),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_NAME: z.string().min(1).default("Single sign-on"),
  OIDC_GROUPS_CLAIM: z.string().min(1).default("groups"),
  OIDC_ADMIN_GROUPS: commaList,
  OIDC_EDITOR_GROUPS: commaList,
  // when set, an OIDC user in none of the admin/editor/viewer groups is refused; when unset they become viewers
  OIDC_VIEWER_GROUPS: commaList,

  // --- garbage collection (docs/registry-setup.md#garbage-collection): unset GC_RUNNER → the GC page explains how to enable it
  GC_RUNNER: z.enum(["exec", "docker", "webhook", "none", ""]).optional(),
  GC_REGISTRY_BINARY: optionalString,
  GC_REGISTRY_CONFIG: optionalString,
  GC_PRE_COMMAND: optionalString,
  GC_POST_COMMAND: optionalString,
  // comma-separated variable names the exec runner's GC and hooks get besides PATH, HOME, LANG, LC_*, TZ, TMPDIR, REGISTRY_*
  GC_ENV_PASSTHROUGH: optionalString,
  GC_TIMEOUT_MS: optionalString,
  GC_DOCKER_SOCKET: optionalString,
  GC_DOCKER_CONTAINER: optionalString,
  GC_DOCKER_COMMAND: optionalString,
  GC_WEBHOOK_URL: optionalString,
  // required with GC_RUNNER=webhook (checked in parseEnv): without it anyone who learns a run id could post its result
  GC_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  GC_WEBHOOK_CALLBACK_URL: optionalString,
  GC_WEBHOOK_TIMEOUT_MS: optionalString,
  // cron (5 fields, UTC) or @hourly/@daily/@weekly; unset: GC runs only when someone starts it
  GC_SCHEDULE: optionalString,
  // the registry's storage root (read-only is enough): the storage view, and untagged manifests for GC
  REGISTRY_STORAGE_ROOT: optionalString,
});

export type Env = z.infer<typeof envSchema> & { gcRunner: GcRunnerConfig | null };

export class EnvError extends Error {
  override name = "EnvError";
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  if (result.data.REGISTRY_USERNAME && !result.data.REGISTRY_PASSWORD) {
    throw new EnvError("Invalid configuration:\n  REGISTRY_PASSWORD: required when REGISTRY_USERNAME is set");
  }
  const d = result.data;
  if (Boolean(d.LAYERSCOPE_ADMIN_USER) !== Boolean(d.LAYERSCOPE_ADMIN_PASSWORD)) {
    throw new EnvError(
      "Invalid configuration:\n  LAYERSCOPE_ADMIN_PASSWORD: set both LAYERSCOPE_ADMIN_USER and LAYERSCOPE_ADMIN_PASSWORD, or neither",
    );
  }
  const oidc = [d.OIDC_ISSUER, d.OIDC_CLIENT_ID, d.OIDC_CLIENT_SECRET].filter(Boolean).length;
  if (oidc !== 0 && oidc !== 3) {
    throw new EnvError("Invalid configuration:\n  OIDC_ISSUER: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together, or none");
  }
  if (d.GC_SCHEDULE && !isValidSchedule(d.GC_SCHEDULE)) {
    throw new EnvError("Invalid configuration:\n  GC_SCHEDULE: a 5-field cron expression (UTC) or @hourly, @daily, @weekly");
  }
  if (d.GC_RUNNER === "webhook" && !d.GC_WEBHOOK_SECRET) {
    throw new EnvError(
      "Invalid configuration:\n  GC_WEBHOOK_SECRET: required with GC_RUNNER=webhook (the operator's callback must present it in X-Layerscope-Secret)",
    );
  }
  let gcRunner: GcRunnerConfig | null;
  try {
    gcRunner = gcRunnerConfigFromEnv(source);
  } catch (e) {
    throw new EnvError(`Invalid configuration:\n  ${errorMessage(e)}`);
  }
  return { ...d, gcRunner };
}

let cached: Env | undefined;

/** The parsed settings; parsed on first use so that importing this module never throws at build time. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Host (and port) shown in `docker pull` commands. */
export function pullHost(): string {
  const e = getEnv();
  return e.REGISTRY_PUBLIC_HOST ?? new URL(e.REGISTRY_URL).host;
}
