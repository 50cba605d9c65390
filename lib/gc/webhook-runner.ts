// Hands garbage collection to the operator's own automation (a CI job, a systemd unit, a Kubernetes Job…):
//
//   Layerscope → POST <url>            {"id","dryRun","callbackUrl"}   header X-Layerscope-Secret: <secret>
//   operator   ← 202 (or 200/204)      … runs `registry garbage-collect [--dry-run] <config>`, restarts the registry …
//   operator   → POST <callbackUrl>    {"exitCode":0,"output":"…"}     header X-Layerscope-Secret: <secret>
//
// A synchronous operator may instead answer the first POST with 200 and the completion body itself.
// The callback route (app/api/…) validates the body with webhookCompletionSchema, checks the secret with
// gcCallbackSecretMatches and delivers the body to a WebhookMailbox; the runner polls that mailbox. Layerscope's
// mailbox is a Postgres row (lib/services/gc-callback-mailbox.ts), so the callback may reach any instance.
import "server-only";
import { randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { errorMessage } from "@/lib/errors";
import {
  ABORTED_EXIT_CODE,
  abortReason,
  failure,
  type GcRunner,
  type GcRunOptions,
  type GcRunResult,
  gcSuccess,
  sleep,
  TailBuffer,
} from "./runner";

export const WEBHOOK_SECRET_HEADER = "X-Layerscope-Secret";

export interface WebhookGcRunnerConfig {
  /** The operator endpoint that starts GC. */
  url: string;
  /** Sent as X-Layerscope-Secret; the operator sends it back on the callback. */
  secret?: string;
  /** Layerscope's public URL of the callback route without the id, e.g. `https://ls.example.com/api/v1/gc/callback`. */
  callbackBaseUrl: string;
  /** How long to wait for the callback. */
  timeoutMs: number;
  /** How long the first POST may take; default 30 s. */
  requestTimeoutMs?: number;
}

/**
 * Where the operator's completion waits for the run: the callback route delivers into it, the runner polls
 * it. Slots are opened before the operator is asked (a fast operator may call back before it answers).
 */
export interface WebhookMailbox {
  open(id: string): Promise<void>;
  /** The completion if it arrived (the slot stays until closed), else null. */
  take(id: string): Promise<WebhookCompletion | null>;
  /** Forgets the slot: a later callback finds nothing to complete. */
  close(id: string): Promise<void>;
}

/** How often the runner looks for the callback. */
const POLL_MS = 250;

/**
 * The largest callback body (the route reads no further): 2.8 prints ~100 bytes per marked blob and manifest,
 * so 16 MiB holds the full log of ~150,000 marks. Larger registries post only the lines Layerscope reads
 * (everything but `marking …`: the summary carries the counts).
 */
export const MAX_CALLBACK_BYTES = 16 * 1024 * 1024;
const MAX_OUTPUT_CHARS = MAX_CALLBACK_BYTES;

/** What the operator reports when GC is done (callback body, or the 200 answer of a synchronous operator). */
export const webhookCompletionSchema = z.object({
  exitCode: z.number().int(),
  /** Combined output; lines are parsed by content, so stdout and stderr may be interleaved. */
  output: z.string().max(MAX_OUTPUT_CHARS).optional(),
  stdout: z.string().max(MAX_OUTPUT_CHARS).optional(),
  stderr: z.string().max(MAX_OUTPUT_CHARS).optional(),
  /** The operator's own explanation of a failure. */
  error: z.string().max(10_000).optional(),
});
export type WebhookCompletion = z.infer<typeof webhookCompletionSchema>;

/** The body POSTed to the operator. */
export interface WebhookGcRequest {
  id: string;
  dryRun: boolean;
  callbackUrl: string;
}

type Outcome = { kind: "completed"; completion: WebhookCompletion } | { kind: "failed"; result: GcRunResult };

function failed(result: GcRunResult): Outcome {
  return { kind: "failed", result };
}

/** Constant-time comparison of the configured secret and a received header; false when no secret is configured. */
export function gcCallbackSecretMatches(expected: string | undefined, received: string | null | undefined): boolean {
  if (expected === undefined || expected === "") return false;
  if (typeof received !== "string") return false;
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(received, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function emitLines(text: string | undefined, stream: "stdout" | "stderr", opts: GcRunOptions, tail: TailBuffer | null): void {
  if (!text) return;
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const raw of lines) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    tail?.push(line);
    opts.onLine(line, stream);
  }
}

export class WebhookGcRunner implements GcRunner {
  readonly kind = "webhook" as const;

  constructor(
    private readonly config: WebhookGcRunnerConfig,
    private readonly mailbox: WebhookMailbox,
  ) {}

  describe(): string {
    // Only the origin and path: a query string may carry a token.
    const url = new URL(this.config.url);
    return `webhook: POST ${url.origin}${url.pathname}, callback within ${Math.round(this.config.timeoutMs / 1000)} s`;
  }

  callbackUrl(id: string): string {
    return `${this.config.callbackBaseUrl.replace(/\/+$/, "")}/${encodeURIComponent(id)}`;
  }

  async run(opts: GcRunOptions): Promise<GcRunResult> {
    const { signal } = opts;
    if (signal?.aborted) return failure("garbage-collect", ABORTED_EXIT_CODE, `garbage collection was not started: ${abortReason(signal)}`);
    opts.onPhase?.("garbage-collect");

    const id = randomUUID();
    try {
      await this.mailbox.open(id);
    } catch (error) {
      return failure("garbage-collect", 1, `could not prepare for the GC webhook's callback: ${errorMessage(error)}`);
    }
    try {
      const started = await this.start(id, opts);
      if (started.kind === "failed") return started.result;
      const outcome = started.kind === "completed" ? started : await this.waitForCallback(id, signal);
      if (outcome.kind === "failed") return outcome.result;
      return this.finish(outcome.completion, opts);
    } finally {
      await this.mailbox.close(id).catch(() => undefined);
    }
  }

  private async start(id: string, opts: GcRunOptions): Promise<Outcome | { kind: "accepted" }> {
    const body: WebhookGcRequest = { id, dryRun: opts.dryRun, callbackUrl: this.callbackUrl(id) };
    const timeout = AbortSignal.timeout(this.config.requestTimeoutMs ?? 30_000);
    let res: Response;
    try {
      res = await fetch(this.config.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.config.secret ? { [WEBHOOK_SECRET_HEADER]: this.config.secret } : {}),
        },
        body: JSON.stringify(body),
        signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
        redirect: "error",
      });
    } catch (error) {
      if (opts.signal?.aborted) {
        return failed(failure("garbage-collect", ABORTED_EXIT_CODE, `garbage collection was stopped: ${abortReason(opts.signal)}`));
      }
      const cause = timeout.aborted ? "no answer in time" : errorMessage(error);
      return failed(failure("garbage-collect", 1, `GC webhook ${this.describe()} failed: ${cause}`));
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      return failed(failure("garbage-collect", 1, `GC webhook answered HTTP ${res.status}`, text.slice(0, 2_000)));
    }
    // A synchronous operator answers 200 with the completion itself.
    if (res.status === 200 && text.trim().startsWith("{")) {
      try {
        const parsed = webhookCompletionSchema.safeParse(JSON.parse(text));
        if (parsed.success) return { kind: "completed", completion: parsed.data };
      } catch {
        // not a completion: wait for the callback
      }
    }
    return { kind: "accepted" };
  }

  private async waitForCallback(id: string, signal?: AbortSignal): Promise<Outcome> {
    const deadline = Date.now() + this.config.timeoutMs;
    for (;;) {
      if (signal?.aborted) {
        return failed(
          failure(
            "garbage-collect",
            ABORTED_EXIT_CODE,
            `stopped waiting for the GC webhook (${abortReason(signal)}); the operator's run may continue`,
          ),
        );
      }
      let completion: WebhookCompletion | null = null;
      try {
        completion = await this.mailbox.take(id);
      } catch {
        // the database blinked: look again on the next round
      }
      if (completion) return { kind: "completed", completion };
      const left = deadline - Date.now();
      if (left <= 0) {
        return failed(failure("garbage-collect", 1, `GC webhook did not call back within ${this.config.timeoutMs} ms (run ${id})`));
      }
      await sleep(Math.min(POLL_MS, left), signal);
    }
  }

  private finish(completion: WebhookCompletion, opts: GcRunOptions): GcRunResult {
    const tail = new TailBuffer();
    emitLines(completion.output, "stdout", opts, tail);
    emitLines(completion.stdout, "stdout", opts, null);
    emitLines(completion.stderr, "stderr", opts, tail);
    if (completion.exitCode === 0) return gcSuccess();
    const reason = completion.error ? `: ${completion.error}` : "";
    return failure(
      "garbage-collect",
      completion.exitCode,
      `garbage collection by the operator exited with code ${completion.exitCode}${reason}`,
      tail.text(),
    );
  }
}
