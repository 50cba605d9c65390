// What every garbage-collection runner promises. A runner only runs `garbage-collect` (and what must surround it:
// hooks, a restart); deciding when, recording results and deleting untagged manifests belong to the GC job.
//
// Runners never pass `--delete-untagged`: on 2.8 it also deletes the child manifests of *tagged* multi-arch indexes
// (distribution#3178), after which pulls fail. The job deletes untagged manifests through the registry API instead.

import type { GcStream } from "./output";

export type GcRunnerKind = "exec" | "docker" | "webhook";

/** In run order. Dry runs only ever report "garbage-collect". */
export type GcPhase = "pre-command" | "garbage-collect" | "restart" | "post-command";

export interface GcRunOptions {
  /** Passes `--dry-run`; a dry run also skips hooks and restarts. */
  dryRun: boolean;
  /** Every output line (GC and hooks), without its newline. Feed GC lines to GcOutputParser. */
  onLine(line: string, stream: GcStream): void;
  onPhase?(phase: GcPhase): void;
  /** Stops the run: the child is killed (exec), the container restarted (docker, real run) or the wait ends (webhook). */
  signal?: AbortSignal;
}

export interface GcRunResult {
  /** 0 when every phase succeeded; otherwise the failing phase's exit code (128 + signal number when killed). */
  exitCode: number;
  /** The first phase that failed, null on success. */
  failedPhase: GcPhase | null;
  /** Human-readable cause with the tail of stderr, null on success. */
  error: string | null;
}

export interface GcRunner {
  kind: GcRunnerKind;
  /** One line for logs and the UI, with no secrets (e.g. `exec: docker-registry garbage-collect /etc/…/config.yml`). */
  describe(): string;
  /** Puts the registry read-only or stops it (when the runner supports it), runs GC, restarts/back to read-write. */
  run(opts: GcRunOptions): Promise<GcRunResult>;
}

export function gcSuccess(): GcRunResult {
  return { exitCode: 0, failedPhase: null, error: null };
}

/** Waits `ms`, or less when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Keeps the last lines of a stream for error messages. */
export class TailBuffer {
  private readonly lines: string[] = [];

  constructor(private readonly max = 20) {}

  push(line: string): void {
    this.lines.push(line.length > 2_000 ? `${line.slice(0, 2_000)}…` : line);
    if (this.lines.length > this.max) this.lines.shift();
  }

  text(): string {
    return this.lines.join("\n");
  }
}

export function failure(phase: GcPhase, exitCode: number, message: string, tail?: string): GcRunResult {
  const details = tail?.trim();
  return {
    exitCode: exitCode === 0 ? 1 : exitCode,
    failedPhase: phase,
    error: details ? `${message}\n${details}` : message,
  };
}

/** The reason an AbortSignal carries, as text. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "string") return reason;
  return "aborted";
}

/** Exit code convention of shells for a process killed by a signal. */
export const ABORTED_EXIT_CODE = 130;
