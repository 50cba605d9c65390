// Every setting Layerscope reads, parsed once with zod. Nothing else reads process.env.
// Documented in README "Configuration"; a bad value stops start-up with a message naming the variable.
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((v) => v === "true" || v === "1" || v === "yes");

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), "must start with http:// or https://")
  .transform((u) => u.replace(/\/+$/, ""));

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
  // run background jobs (sync, …) in this instance; several instances share one queue safely
  LAYERSCOPE_WORKERS: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type Env = z.infer<typeof envSchema>;

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
  return result.data;
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
