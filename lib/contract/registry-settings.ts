// What the "Registry and configuration" page and its "Test connection" route answer (client-safe).
import { z } from "zod";

export const configEntry = z.object({ name: z.string(), value: z.string().nullable(), secret: z.boolean() });
export type ConfigEntry = z.infer<typeof configEntry>;

export const registryCheck = z.object({
  id: z.enum(["reachable", "auth", "tls", "delete", "tag-delete", "referrers", "catalog", "notifications", "storage", "gc"]),
  label: z.string(),
  state: z.enum(["ok", "missing", "info", "unknown"]),
  detail: z.string(),
  /** what to change in the registry's config.yml (or around it), and why */
  fix: z.object({ why: z.string(), file: z.string(), lines: z.string() }).optional(),
});
export type RegistryCheck = z.infer<typeof registryCheck>;

export const registryDiagnosis = z.object({
  registryUrl: z.string(),
  checkedAt: z.string(),
  checks: z.array(registryCheck),
});
export type RegistryDiagnosis = z.infer<typeof registryDiagnosis>;
