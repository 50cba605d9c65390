// Hands garbage collection to the operator's own automation (a CI job, a systemd unit, a Kubernetes Job…):
//
//   Layerscope → POST <url>            {"id","dryRun","callbackUrl"}   header X-Layerscope-Secret: <secret>
//   operator   ← 202 (or 200/204)      … runs `registry garbage-collect [--dry-run] <config>`, restarts the registry …
//   operator   → POST <callbackUrl>    {"exitCode":0,"output":"…"}     header X-Layerscope-Secret: <secret>
//
// A synchronous operator may instead answer the first POST with 200 and the completion body itself.
// The callback route (app/api/…) validates the body with webhookCompletionSchema, checks the secret with
// verifyWebhookSecret and calls completeWebhookRun(id, body). Pending runs live in this process's memory: the
// callback must reach the process that started the run (one Layerscope instance, or sticky routing).
import "server-only";
import { randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import {
  ABORTED_EXIT_CODE,
  abortReason,
  failure,
  type GcRunner,
  type GcRunOptions,
  type GcRunResult,
  gcSuccess,
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

/** Output is capped so a runaway operator cannot fill memory; 2.8 prints ~100 bytes per marked blob. */
const MAX_OUTPUT_CHARS = 64 * 1024 * 1024;

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

interface PendingRun {
  complete(completion: WebhookCompletion): void;
}

// Next.js bundles route handlers and the job worker separately, so module state is not shared between them:
// keep the pending runs on globalThis.
const PENDING_KEY = Symbol.for("layerscope.gc.webhookRuns");
function pendingRuns(): Map<string, PendingRun> {
  const holder = globalThis as typeof globalThis & { [PENDING_KEY]?: Map<string, PendingRun> };
  holder[PENDING_KEY] ??= new Map();
  return holder[PENDING_KEY];
}

/** Resolves a waiting run; false when no run with this id is waiting (unknown, finished, timed out). */
export function completeWebhookRun(id: string, completion: WebhookCompletion): boolean {
  const pending = pendingRuns().get(id);
  if (!pending) return false;
  pendingRuns().delete(id);
  pending.complete(completion);
  return true;
}

export function isWebhookRunPending(id: string): boolean {
  return pendingRuns().has(id);
}

/** Constant-time comparison of the configured secret and a received header; true when no secret is configured. */
export function verifyWebhookSecret(expected: string | undefined, received: string | null | undefined): boolean {
  if (expected === undefined || expected === "") return true;
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

  constructor(private readonly config: WebhookGcRunnerConfig) {}

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
    // Registered before the POST: a fast operator may call back before it answers.
    let complete!: (completion: WebhookCompletion) => void;
    const completed = new Promise<WebhookCompletion>((resolve) => {
      complete = resolve;
    });
    pendingRuns().set(id, { complete });

    try {
      const started = await this.start(id, opts);
      if (started.kind === "failed") return started.result;
      const outcome = started.kind === "completed" ? started : await this.waitForCallback(id, completed, signal);
      if (outcome.kind === "failed") return outcome.result;
      return this.finish(outcome.completion, opts);
    } finally {
      pendingRuns().delete(id);
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
      const cause = timeout.aborted ? "no answer in time" : error instanceof Error ? error.message : String(error);
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

  private waitForCallback(id: string, completed: Promise<WebhookCompletion>, signal?: AbortSignal): Promise<Outcome> {
    return new Promise((resolve) => {
      const done = (value: Outcome) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        pendingRuns().delete(id);
        resolve(value);
      };
      const timer = setTimeout(
        () => done(failed(failure("garbage-collect", 1, `GC webhook did not call back within ${this.config.timeoutMs} ms (run ${id})`))),
        this.config.timeoutMs,
      );
      const onAbort = () => {
        const why = signal ? abortReason(signal) : "aborted";
        done(
          failed(
            failure("garbage-collect", ABORTED_EXIT_CODE, `stopped waiting for the GC webhook (${why}); the operator's run may continue`),
          ),
        );
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) onAbort();
      void completed.then((completion) => done({ kind: "completed", completion }));
    });
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
