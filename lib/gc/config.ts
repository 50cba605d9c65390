// Garbage-collection runner settings, validated with zod. Pure (no server-only) so lib/env.ts and the CLI may import it.
import { z } from "zod";
import { errorMessage } from "@/lib/errors";

/** argv of GC inside the registry image (upstream names the binary `registry`). */
export const DEFAULT_DOCKER_GC_COMMAND: readonly string[] = ["registry", "garbage-collect", "/etc/docker/registry/config.yml"];

/** The configured argv with `--dry-run` right after `garbage-collect`; never `--delete-untagged` (see runner.ts). */
export function dockerGcCommand(command: readonly string[], dryRun: boolean): string[] {
  const at = command.indexOf("garbage-collect");
  if (at === -1) throw new Error(`GC command ${JSON.stringify(command)} has no "garbage-collect" argument`);
  const rest = command.slice(at + 1).filter((arg) => arg !== "--dry-run" && arg !== "-d");
  if (rest.some((arg) => arg === "--delete-untagged" || arg === "-m" || arg.startsWith("--delete-untagged="))) {
    throw new Error("GC command must not pass --delete-untagged (distribution#3178); untagged manifests are deleted through the API");
  }
  return [...command.slice(0, at + 1), ...(dryRun ? ["--dry-run"] : []), ...rest];
}

/**
 * What a GC child process (the registry binary, the pre/post-command shells) gets from the server's environment:
 * never the server's own secrets (AUTH_SECRET, DATABASE_URL, LAYERSCOPE_ADMIN_PASSWORD, OIDC_CLIENT_SECRET, …),
 * which a hook could print into the GC log admins read. Only these names, LC_*, the registry's own REGISTRY_*
 * config overrides, and what the operator names in GC_ENV_PASSTHROUGH.
 */
export const GC_ENV_ALLOWED: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
];

/**
 * Layerscope's own REGISTRY_* settings (lib/env.ts). The registry binary reads every REGISTRY_<SECTION>_<KEY>
 * variable as an override of its config file: REGISTRY_STORAGE_ROOT breaks its config parse, REGISTRY_PASSWORD would
 * be logged as unrecognized. Operators' own overrides (REGISTRY_STORAGE_S3_…) pass through.
 */
export const LAYERSCOPE_REGISTRY_SETTINGS: ReadonlySet<string> = new Set([
  "REGISTRY_URL",
  "REGISTRY_USERNAME",
  "REGISTRY_PASSWORD",
  "REGISTRY_PUBLIC_HOST",
  "REGISTRY_CA_FILE",
  "REGISTRY_INSECURE_TLS",
  "REGISTRY_TIMEOUT_MS",
  "REGISTRY_TOKEN_REALMS",
  "REGISTRY_STORAGE_ROOT",
]);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function passesToGc(name: string): boolean {
  if (GC_ENV_ALLOWED.includes(name) || name.startsWith("LC_")) return true;
  return name.startsWith("REGISTRY_") && !LAYERSCOPE_REGISTRY_SETTINGS.has(name);
}

/** The allow-listed part of `source` (see GC_ENV_ALLOWED), plus the names in `passthrough`. */
export function gcChildEnvironment(
  source: Readonly<Record<string, string | undefined>>,
  passthrough: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && (passesToGc(name) || passthrough.includes(name))) env[name] = value;
  }
  return env;
}

/** Variables whose values never belong in a log, by name. */
const KNOWN_SECRETS = [
  "AUTH_SECRET",
  "DATABASE_URL",
  "LAYERSCOPE_ADMIN_PASSWORD",
  "OIDC_CLIENT_SECRET",
  "REGISTRY_PASSWORD",
  "LAYERSCOPE_WEBHOOK_SECRET",
  "GC_WEBHOOK_SECRET",
];
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY/i;
/** Shorter values ("true", a port) would blank out ordinary output. */
const MIN_REDACTED_LENGTH = 8;

/**
 * Values in `source` to blank out of GC output: Layerscope's secrets, any variable named like a secret, and the
 * password inside any URL (DATABASE_URL's). Longest first, so a URL goes before the password inside it.
 */
export function gcSecretValues(source: Readonly<Record<string, string | undefined>>): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(source)) {
    if (!value) continue;
    if (KNOWN_SECRETS.includes(name) || SECRET_NAME.test(name)) values.add(value);
    if (value.includes("://") && value.includes("@")) {
      try {
        const password = new URL(value).password;
        if (password) {
          values.add(password);
          values.add(decodeURIComponent(password));
        }
      } catch {
        // not a URL
      }
    }
  }
  return [...values].filter((v) => v.trim().length >= MIN_REDACTED_LENGTH).sort((a, b) => b.length - a.length);
}

export const REDACTED = "[redacted]";

/** `text` with every occurrence of each secret replaced by [redacted]. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

const positiveMs = z.number().int().positive();
const nonEmpty = z.string().trim().min(1);

const gcCommandSchema = z
  .array(z.string())
  .min(2)
  .superRefine((command, ctx) => {
    try {
      dockerGcCommand(command, false);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: errorMessage(error) });
    }
  });

const httpUrl = z.url({ protocol: /^https?$/ });
/** Values blanked out of the runner's output (see gcSecretValues); set by gcRunnerConfigFromEnv. */
const redactSchema = z.array(z.string().min(1)).optional();

export const gcRunnerConfigSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("exec"),
    binary: nonEmpty.default("registry"),
    configPath: nonEmpty,
    preCommand: nonEmpty.optional(),
    postCommand: nonEmpty.optional(),
    timeoutMs: positiveMs.optional(),
    hookTimeoutMs: positiveMs.optional(),
    /** The children's whole environment; gcRunnerConfigFromEnv builds it with gcChildEnvironment. */
    environment: z.record(z.string(), z.string()).optional(),
    redact: redactSchema,
  }),
  z.object({
    kind: z.literal("docker"),
    socketPath: nonEmpty.default("/var/run/docker.sock"),
    container: nonEmpty,
    command: gcCommandSchema.default([...DEFAULT_DOCKER_GC_COMMAND]),
    apiVersion: z
      .string()
      .regex(/^v\d+\.\d+$/)
      .default("v1.41"),
    restart: z.boolean().default(true),
    restartTimeoutSeconds: z.number().int().min(0).max(600).optional(),
    timeoutMs: positiveMs.optional(),
    redact: redactSchema,
  }),
  z.object({
    kind: z.literal("webhook"),
    url: httpUrl,
    // without it anyone who learns a run id could post its result
    secret: z
      .string({ error: "GC_WEBHOOK_SECRET is required with GC_RUNNER=webhook (the operator's callback must present it)" })
      .trim()
      .min(16, "GC_WEBHOOK_SECRET must be at least 16 characters"),
    callbackBaseUrl: httpUrl,
    timeoutMs: positiveMs.default(6 * 60 * 60_000),
  }),
]);
export type GcRunnerConfig = z.infer<typeof gcRunnerConfigSchema>;
export type GcRunnerConfigInput = z.input<typeof gcRunnerConfigSchema>;

/**
 * Maps environment variables to a runner config (null when GC_RUNNER is unset or "none"):
 * GC_RUNNER=exec|docker|webhook, GC_REGISTRY_BINARY, GC_REGISTRY_CONFIG, GC_PRE_COMMAND, GC_POST_COMMAND,
 * GC_TIMEOUT_MS, GC_ENV_PASSTHROUGH (comma-separated names the exec runner's children get besides GC_ENV_ALLOWED),
 * GC_DOCKER_SOCKET, GC_DOCKER_CONTAINER, GC_DOCKER_COMMAND (whitespace-separated argv),
 * GC_WEBHOOK_URL, GC_WEBHOOK_SECRET, GC_WEBHOOK_CALLBACK_URL, GC_WEBHOOK_TIMEOUT_MS.
 */
export function gcRunnerConfigFromEnv(env: Readonly<Record<string, string | undefined>>): GcRunnerConfig | null {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const ms = (name: string) => {
    const value = get(name);
    return value === undefined ? undefined : Number(value);
  };
  const kind = get("GC_RUNNER");
  if (kind === undefined || kind === "none") return null;
  const passthrough = (get("GC_ENV_PASSTHROUGH") ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const badName = passthrough.find((name) => !ENV_NAME.test(name));
  if (badName !== undefined) {
    throw new Error(`invalid garbage-collection settings: GC_ENV_PASSTHROUGH: ${JSON.stringify(badName)} is not a variable name`);
  }
  const redact = gcSecretValues(env);
  const result = gcRunnerConfigSchema.safeParse(
    kind === "exec"
      ? {
          kind,
          binary: get("GC_REGISTRY_BINARY"),
          configPath: get("GC_REGISTRY_CONFIG"),
          preCommand: get("GC_PRE_COMMAND"),
          postCommand: get("GC_POST_COMMAND"),
          timeoutMs: ms("GC_TIMEOUT_MS"),
          environment: gcChildEnvironment(env, passthrough),
          redact,
        }
      : kind === "docker"
        ? {
            kind,
            socketPath: get("GC_DOCKER_SOCKET"),
            container: get("GC_DOCKER_CONTAINER"),
            command: get("GC_DOCKER_COMMAND")?.split(/\s+/),
            timeoutMs: ms("GC_TIMEOUT_MS"),
            redact,
          }
        : {
            kind,
            url: get("GC_WEBHOOK_URL"),
            secret: get("GC_WEBHOOK_SECRET"),
            callbackBaseUrl: get("GC_WEBHOOK_CALLBACK_URL"),
            timeoutMs: ms("GC_WEBHOOK_TIMEOUT_MS"),
          },
  );
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "GC_RUNNER"}: ${issue.message}`).join("; ");
    throw new Error(`invalid garbage-collection settings: ${issues}`);
  }
  return result.data;
}
