// Picks the garbage-collection runner from configuration (see config.ts for the settings and their env names).
import { type GcRunnerConfigInput, gcRunnerConfigSchema } from "./config";
import { DockerGcRunner } from "./docker-runner";
import { ExecGcRunner } from "./exec-runner";
import type { GcRunner } from "./runner";
import { WebhookGcRunner, type WebhookMailbox } from "./webhook-runner";

export {
  DEFAULT_DOCKER_GC_COMMAND,
  type GcRunnerConfig,
  type GcRunnerConfigInput,
  gcRunnerConfigFromEnv,
  gcRunnerConfigSchema,
} from "./config";
export type { GcProgress, GcStream } from "./output";
export { emptyGcProgress, GcOutputParser, parseGcLine } from "./output";
export type { GcPhase, GcRunner, GcRunnerKind, GcRunOptions, GcRunResult } from "./runner";
export {
  gcCallbackSecretMatches,
  MAX_CALLBACK_BYTES,
  WEBHOOK_SECRET_HEADER,
  type WebhookCompletion,
  type WebhookMailbox,
  webhookCompletionSchema,
} from "./webhook-runner";

/**
 * A runner for the configuration, or null when garbage collection is not configured. Throws on invalid config.
 * A webhook runner waits for the operator's callback in `webhookMailbox`.
 */
export function createGcRunner(config: GcRunnerConfigInput | null | undefined, deps: { webhookMailbox: WebhookMailbox }): GcRunner | null {
  if (config === null || config === undefined) return null;
  const parsed = gcRunnerConfigSchema.parse(config);
  switch (parsed.kind) {
    case "exec":
      return new ExecGcRunner(parsed);
    case "docker":
      return new DockerGcRunner(parsed);
    case "webhook":
      return new WebhookGcRunner(parsed, deps.webhookMailbox);
  }
}
