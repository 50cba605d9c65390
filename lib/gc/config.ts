// Garbage-collection runner settings, validated with zod. Pure (no server-only) so lib/env.ts and the CLI may import it.
import { z } from "zod";

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

const positiveMs = z.number().int().positive();
const nonEmpty = z.string().trim().min(1);

const gcCommandSchema = z
  .array(z.string())
  .min(2)
  .superRefine((command, ctx) => {
    try {
      dockerGcCommand(command, false);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
    }
  });

const httpUrl = z.url({ protocol: /^https?$/ });

export const gcRunnerConfigSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("exec"),
    binary: nonEmpty.default("registry"),
    configPath: nonEmpty,
    preCommand: nonEmpty.optional(),
    postCommand: nonEmpty.optional(),
    timeoutMs: positiveMs.optional(),
    hookTimeoutMs: positiveMs.optional(),
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
  }),
  z.object({
    kind: z.literal("webhook"),
    url: httpUrl,
    secret: nonEmpty.optional(),
    callbackBaseUrl: httpUrl,
    timeoutMs: positiveMs.default(6 * 60 * 60_000),
  }),
]);
export type GcRunnerConfig = z.infer<typeof gcRunnerConfigSchema>;
export type GcRunnerConfigInput = z.input<typeof gcRunnerConfigSchema>;

/**
 * Maps environment variables to a runner config (null when GC_RUNNER is unset or "none"):
 * GC_RUNNER=exec|docker|webhook, GC_REGISTRY_BINARY, GC_REGISTRY_CONFIG, GC_PRE_COMMAND, GC_POST_COMMAND,
 * GC_TIMEOUT_MS, GC_DOCKER_SOCKET, GC_DOCKER_CONTAINER, GC_DOCKER_COMMAND (whitespace-separated argv),
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
  const result = gcRunnerConfigSchema.safeParse(
    kind === "exec"
      ? {
          kind,
          binary: get("GC_REGISTRY_BINARY"),
          configPath: get("GC_REGISTRY_CONFIG"),
          preCommand: get("GC_PRE_COMMAND"),
          postCommand: get("GC_POST_COMMAND"),
          timeoutMs: ms("GC_TIMEOUT_MS"),
        }
      : kind === "docker"
        ? {
            kind,
            socketPath: get("GC_DOCKER_SOCKET"),
            container: get("GC_DOCKER_CONTAINER"),
            command: get("GC_DOCKER_COMMAND")?.split(/\s+/),
            timeoutMs: ms("GC_TIMEOUT_MS"),
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
