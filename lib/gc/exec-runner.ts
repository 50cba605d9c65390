// Runs `<binary> garbage-collect [--dry-run] <config>` on this machine, for a registry whose storage this process
// can reach (same host, shared volume). Optional shell hooks around a real run stop the registry or switch it to
// read-only and back: GC has no lock, so an upload finishing during the mark phase could lose its blobs, and with
// `storage.cache.blobdescriptor: inmemory` a running 2.x server keeps answering 200 (empty body) for deleted blobs
// until it restarts.
import "server-only";
import { spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { gcChildEnvironment, gcSecretValues, redactSecrets } from "./config";
import { LineSplitter } from "./output";
import {
  ABORTED_EXIT_CODE,
  abortReason,
  failure,
  type GcPhase,
  type GcRunner,
  type GcRunOptions,
  type GcRunResult,
  gcSuccess,
  TailBuffer,
} from "./runner";

export interface ExecGcRunnerConfig {
  /** `registry` upstream, `docker-registry` on Debian; a name on PATH or an absolute path. */
  binary: string;
  configPath: string;
  /** `/bin/sh -c` before a real run (never on a dry run). A non-zero exit skips GC. */
  preCommand?: string;
  /** `/bin/sh -c` after a real run, also when GC or the pre-command failed: it must bring the registry back. */
  postCommand?: string;
  /** Kills GC after this long; default: no limit (a large registry can take hours). */
  timeoutMs?: number;
  /** Kills a hook after this long; default 10 minutes. */
  hookTimeoutMs?: number;
  /**
   * The whole environment of GC and the hooks (gcRunnerConfigFromEnv builds it from the allow-list in config.ts).
   * Default: the allow-listed part of this process's environment.
   */
  environment?: Readonly<Record<string, string>>;
  /** Values replaced by [redacted] in every output line and error. Default: the secrets in this process's environment. */
  redact?: readonly string[];
}

const DEFAULT_HOOK_TIMEOUT_MS = 10 * 60_000;
/** SIGTERM first, SIGKILL after this long. */
const KILL_GRACE_MS = 5_000;
/** How long output may keep arriving after the process exited (from its background children). */
const PIPE_DRAIN_MS = 1_000;

interface ProcessOutcome {
  exitCode: number;
  /** Why the process was stopped by us, if it was. */
  stoppedBecause: "timeout" | "abort" | null;
  /** spawn() itself failed (ENOENT, EACCES…). */
  spawnError: Error | null;
  stderrTail: string;
}

function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

/**
 * Spawns in its own process group so that a timeout or abort also kills what a hook's shell started.
 * Resolves when the process has exited and its output is flushed; never rejects.
 */
function runProcess(
  file: string,
  args: readonly string[],
  opts: {
    onLine: GcRunOptions["onLine"];
    signal?: AbortSignal;
    timeoutMs?: number;
    env: Readonly<Record<string, string>>;
    redact: readonly string[];
  },
): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const stderrTail = new TailBuffer();
    let stoppedBecause: ProcessOutcome["stoppedBecause"] = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...opts.env } as NodeJS.ProcessEnv });
    const stdout = new LineSplitter((line) => opts.onLine(redactSecrets(line, opts.redact), "stdout"));
    const stderr = new LineSplitter((raw) => {
      const line = redactSecrets(raw, opts.redact);
      stderrTail.push(line);
      opts.onLine(line, "stderr");
    });
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    const stop = (why: "timeout" | "abort") => {
      if (stoppedBecause !== null || settled) return;
      stoppedBecause = why;
      killGroup("SIGTERM");
      timers.push(setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS));
    };
    const onAbort = () => stop("abort");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.timeoutMs !== undefined) timers.push(setTimeout(() => stop("timeout"), opts.timeoutMs));

    const finish = (outcome: Omit<ProcessOutcome, "stderrTail" | "stoppedBecause">) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener("abort", onAbort);
      stdout.end();
      stderr.end();
      resolve({ ...outcome, stoppedBecause, stderrTail: stderrTail.text() });
    };
    child.once("error", (error) => finish({ exitCode: 127, spawnError: error }));
    const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null) => code ?? (signal ? signalExitCode(signal) : 1);
    // "close" waits for stdout/stderr to drain, unlike "exit". But a hook that starts a daemon in the background
    // (`registry serve … &`) hands it our pipes, which then never close: after the exit, wait only briefly.
    child.once("close", (code, signal) => finish({ exitCode: exitCodeOf(code, signal), spawnError: null }));
    child.once("exit", (code, signal) => {
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish({ exitCode: exitCodeOf(code, signal), spawnError: null });
        }, PIPE_DRAIN_MS),
      );
    });
    if (opts.signal?.aborted) stop("abort");
  });
}

function describeOutcome(what: string, outcome: ProcessOutcome, opts: { signal?: AbortSignal; timeoutMs?: number }): string {
  if (outcome.spawnError) return `${what} could not start: ${outcome.spawnError.message}`;
  if (outcome.stoppedBecause === "timeout") return `${what} timed out after ${opts.timeoutMs} ms and was killed`;
  if (outcome.stoppedBecause === "abort") {
    return `${what} was stopped: ${opts.signal ? abortReason(opts.signal) : "aborted"}`;
  }
  return `${what} exited with code ${outcome.exitCode}`;
}

export class ExecGcRunner implements GcRunner {
  readonly kind = "exec" as const;
  private readonly environment: Readonly<Record<string, string>>;
  private readonly redact: readonly string[];

  constructor(private readonly config: ExecGcRunnerConfig) {
    // lib/env's settings always set both; a runner constructed directly (tests, scripts) applies the same allow-list.
    this.environment = config.environment ?? gcChildEnvironment(process.env);
    this.redact = config.redact ?? gcSecretValues(process.env);
  }

  describe(): string {
    const hooks = [this.config.preCommand ? "pre-command" : null, this.config.postCommand ? "post-command" : null].filter(Boolean);
    return `exec: ${this.config.binary} garbage-collect ${this.config.configPath}${hooks.length ? ` (with ${hooks.join(" and ")})` : ""}`;
  }

  async run(opts: GcRunOptions): Promise<GcRunResult> {
    const { signal } = opts;
    if (signal?.aborted) return failure("garbage-collect", ABORTED_EXIT_CODE, `garbage collection was not started: ${abortReason(signal)}`);

    if (opts.dryRun) return this.runGc(opts);

    let result: GcRunResult = gcSuccess();
    const pre = this.config.preCommand;
    if (pre) {
      result = await this.runHook("pre-command", pre, opts, {});
    }
    if (result.exitCode === 0) {
      result = await this.runGc(opts);
    }
    const post = this.config.postCommand;
    if (post) {
      // Not cancelled by opts.signal: whatever the pre-command did must be undone even when the run is aborted.
      const postResult = await this.runHook(
        "post-command",
        post,
        { ...opts, signal: undefined },
        {
          LAYERSCOPE_GC_EXIT_CODE: String(result.exitCode),
          LAYERSCOPE_GC_FAILED_PHASE: result.failedPhase ?? "",
        },
      );
      if (result.exitCode === 0) result = postResult;
    }
    return result;
  }

  private async runGc(opts: GcRunOptions): Promise<GcRunResult> {
    opts.onPhase?.("garbage-collect");
    if (opts.signal?.aborted) {
      return failure("garbage-collect", ABORTED_EXIT_CODE, `garbage collection was not started: ${abortReason(opts.signal)}`);
    }
    const args = ["garbage-collect", ...(opts.dryRun ? ["--dry-run"] : []), this.config.configPath];
    const limits = { signal: opts.signal, timeoutMs: this.config.timeoutMs };
    const outcome = await runProcess(this.config.binary, args, {
      onLine: opts.onLine,
      env: this.environment,
      redact: this.redact,
      ...limits,
    });
    if (outcome.exitCode === 0 && outcome.stoppedBecause === null) return gcSuccess();
    const exitCode = outcome.stoppedBecause === "abort" ? ABORTED_EXIT_CODE : outcome.exitCode;
    return failure(
      "garbage-collect",
      exitCode,
      describeOutcome(`${this.config.binary} garbage-collect`, outcome, limits),
      outcome.stderrTail,
    );
  }

  private async runHook(phase: GcPhase, command: string, opts: GcRunOptions, extraEnv: Record<string, string>): Promise<GcRunResult> {
    opts.onPhase?.(phase);
    const limits = { signal: opts.signal, timeoutMs: this.config.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS };
    const outcome = await runProcess("/bin/sh", ["-c", command], {
      onLine: opts.onLine,
      ...limits,
      // Hooks get the allow-listed environment (never the server's secrets) plus what they may want to branch on.
      env: { ...this.environment, LAYERSCOPE_GC_PHASE: phase, LAYERSCOPE_GC_CONFIG: this.config.configPath, ...extraEnv },
      redact: this.redact,
    });
    if (outcome.exitCode === 0 && outcome.stoppedBecause === null) return gcSuccess();
    const exitCode = outcome.stoppedBecause === "abort" ? ABORTED_EXIT_CODE : outcome.exitCode;
    return failure(phase, exitCode, describeOutcome(phase, outcome, limits), outcome.stderrTail);
  }
}
