// Runs garbage-collect inside the registry's own container through the Docker Engine API (unix socket, API 1.41;
// podman's `system service` speaks the same dialect): exec create → exec start (multiplexed stdout/stderr) → exec
// inspect for the exit code → after a real run, restart the container.
//
// Why the restart: with `storage.cache.blobdescriptor: inmemory` (the registry image's default config) a running 2.x
// server keeps answering 200 with an empty body for blobs GC deleted, until it restarts.
//
// What this runner does NOT do: make the registry read-only during GC. `storage.maintenance.readonly` is config
// (file or REGISTRY_STORAGE_MAINTENANCE_READONLY env), and a container's config or env cannot change without
// recreating it, which this runner will not do to somebody's container. Stopping the container is no option either:
// exec needs it running, and GC in a one-off container would have to copy its mounts and config. So a push that
// finishes while GC marks can lose blobs (GC has no lock). Operators who need safety schedule GC when nobody pushes,
// or use the exec/webhook runners with hooks that switch the registry read-only.
import "server-only";
import { type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import { z } from "zod";
import { errorMessage } from "@/lib/errors";
import { DEFAULT_DOCKER_GC_COMMAND, dockerGcCommand, redactSecrets } from "./config";
import { DockerStreamDemuxer } from "./docker-stream";
import { LineSplitter } from "./output";
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

export interface DockerGcRunnerConfig {
  /** e.g. /var/run/docker.sock */
  socketPath: string;
  /** Container name or id. */
  container: string;
  /** argv of GC inside the container; must contain "garbage-collect" (`--dry-run` goes right after it). */
  command?: readonly string[];
  /** Path prefix of the Engine API; default "v1.41" (Docker 20.10+, podman 4). */
  apiVersion?: string;
  /** Restart the container after a real run; default true (see the header for why). */
  restart?: boolean;
  /** Seconds the engine waits for the registry to stop on restart before killing it; default 10. */
  restartTimeoutSeconds?: number;
  /** Ends the run after this long (a real run then restarts the container, which kills GC); default none. */
  timeoutMs?: number;
  /**
   * Values replaced by [redacted] in the output (a compose file sharing one env file with Layerscope hands the
   * registry container its secrets too). The exec itself gets none of Layerscope's environment.
   */
  redact?: readonly string[];
}

/** Lines of an engine error, e.g. `{"message":"No such container: x"}`. */
const engineErrorSchema = z.object({ message: z.string() }).partial();
const execCreateSchema = z.object({ Id: z.string().min(1) });
const execInspectSchema = z.object({ Running: z.boolean(), ExitCode: z.number().int().nullable().optional() });
const containerInspectSchema = z.object({
  Id: z.string(),
  State: z.object({ Running: z.boolean(), Status: z.string().optional() }),
});

export class DockerEngineError extends Error {
  override name = "DockerEngineError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

interface EngineResponse {
  status: number;
  body: Buffer;
}

const JSON_CALL_TIMEOUT_MS = 30_000;
/** After the exec stream ends the engine may take a moment to record the exit code. */
const EXEC_EXIT_WAIT_MS = 10_000;

/** Minimal Engine API client: only what the runner needs. Every call opens its own connection (exec start hijacks it). */
export class DockerEngineClient {
  constructor(
    readonly socketPath: string,
    readonly apiVersion = "v1.41",
  ) {}

  private open(method: string, path: string, body: unknown, timeoutMs: number): { req: ClientRequest; response: Promise<IncomingMessage> } {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    const req = httpRequest({
      socketPath: this.socketPath,
      method,
      path: `/${this.apiVersion}${path}`,
      agent: false,
      headers: {
        host: "docker",
        ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}),
      },
      timeout: timeoutMs,
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once("response", resolve);
      req.once("error", (error) => reject(new DockerEngineError(`${method} ${path}: ${error.message}`, null)));
    });
    req.once("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.end(payload);
    return { req, response };
  }

  async call(method: string, path: string, body?: unknown, timeoutMs = JSON_CALL_TIMEOUT_MS): Promise<EngineResponse> {
    const { response } = this.open(method, path, body, timeoutMs);
    const res = await response;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode ?? 0, body: Buffer.concat(chunks) };
  }

  async json<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown, timeoutMs?: number): Promise<T> {
    const res = await this.call(method, path, body, timeoutMs);
    if (res.status < 200 || res.status > 299) throw engineError(method, path, res);
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new DockerEngineError(`${method} ${path}: answer is not JSON`, res.status);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) throw new DockerEngineError(`${method} ${path}: unexpected answer (${result.error.message})`, res.status);
    return result.data;
  }

  async inspectContainer(container: string): Promise<z.infer<typeof containerInspectSchema>> {
    return this.json("GET", `/containers/${encodeURIComponent(container)}/json`, containerInspectSchema);
  }

  async createExec(container: string, cmd: readonly string[]): Promise<string> {
    const created = await this.json("POST", `/containers/${encodeURIComponent(container)}/exec`, execCreateSchema, {
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      Cmd: cmd,
    });
    return created.Id;
  }

  /**
   * Starts an exec and streams its demultiplexed output until the process ends (the engine then closes the
   * connection). Resolves early, with `detached: true`, when `signal` fires; the process keeps running in the
   * container (the Engine API cannot kill an exec).
   */
  async startExec(
    execId: string,
    onOutput: (stream: "stdout" | "stderr", payload: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<{ detached: boolean }> {
    const path = `/exec/${encodeURIComponent(execId)}/start`;
    // No socket timeout: GC prints nothing while it walks a large repository.
    const { req, response } = this.open("POST", path, { Detach: false, Tty: false }, 0);
    const onAbort = () => req.destroy(new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (signal?.aborted) onAbort();
      const res = await response;
      if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        throw engineError("POST", path, { status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      }
      const demuxer = new DockerStreamDemuxer((stream, payload) => onOutput(stream === "stderr" ? "stderr" : "stdout", payload));
      for await (const chunk of res) demuxer.push(chunk as Buffer);
      demuxer.end();
      return { detached: false };
    } catch (error) {
      if (signal?.aborted) return { detached: true };
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async inspectExec(execId: string): Promise<z.infer<typeof execInspectSchema>> {
    return this.json("GET", `/exec/${encodeURIComponent(execId)}/json`, execInspectSchema);
  }

  async restartContainer(container: string, timeoutSeconds: number): Promise<void> {
    const path = `/containers/${encodeURIComponent(container)}/restart?t=${timeoutSeconds}`;
    const res = await this.call("POST", path, undefined, (timeoutSeconds + 60) * 1_000);
    if (res.status !== 204 && res.status !== 200) throw engineError("POST", path, res);
  }
}

function engineError(method: string, path: string, res: EngineResponse): DockerEngineError {
  let message = res.body.toString("utf8").trim().slice(0, 500);
  try {
    const parsed = engineErrorSchema.safeParse(JSON.parse(message));
    if (parsed.success && parsed.data.message) message = parsed.data.message;
  } catch {
    // not JSON: keep the text
  }
  return new DockerEngineError(`${method} ${path}: HTTP ${res.status}${message ? ` ${message}` : ""}`, res.status);
}

export class DockerGcRunner implements GcRunner {
  readonly kind = "docker" as const;
  private readonly client: DockerEngineClient;
  private readonly command: readonly string[];

  constructor(private readonly config: DockerGcRunnerConfig) {
    this.client = new DockerEngineClient(config.socketPath, config.apiVersion ?? "v1.41");
    this.command = config.command ?? DEFAULT_DOCKER_GC_COMMAND;
    dockerGcCommand(this.command, false); // validates now rather than at the first run
  }

  describe(): string {
    const restart = (this.config.restart ?? true) ? ", then restart" : "";
    return `docker: exec \`${this.command.join(" ")}\` in container ${this.config.container} via ${this.config.socketPath}${restart}`;
  }

  async run(opts: GcRunOptions): Promise<GcRunResult> {
    if (opts.signal?.aborted) {
      return failure("garbage-collect", ABORTED_EXIT_CODE, `garbage collection was not started: ${abortReason(opts.signal)}`);
    }
    // One signal for the caller's abort and our own timeout.
    const stop = new AbortController();
    const onAbort = () => stop.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      this.config.timeoutMs === undefined
        ? null
        : setTimeout(() => stop.abort(new Error(`timed out after ${this.config.timeoutMs} ms`)), this.config.timeoutMs);
    try {
      opts.onPhase?.("garbage-collect");
      let started = false;
      let result: GcRunResult;
      try {
        const container = await this.client.inspectContainer(this.config.container);
        if (!container.State.Running) {
          return failure(
            "garbage-collect",
            1,
            `container ${this.config.container} is not running (${container.State.Status ?? "stopped"})`,
          );
        }
        const execId = await this.client.createExec(container.Id, dockerGcCommand(this.command, opts.dryRun));
        started = true;
        result = await this.streamExec(execId, opts, stop.signal);
      } catch (error) {
        result = failure("garbage-collect", 1, `garbage-collect in container ${this.config.container} failed: ${errorMessage(error)}`);
      }
      // A real run restarts even after a failure: GC may have deleted blobs before it failed, and restarting is also
      // the only way to kill an exec'd GC that was aborted.
      if (!opts.dryRun && started && (this.config.restart ?? true)) {
        opts.onPhase?.("restart");
        try {
          await this.client.restartContainer(this.config.container, this.config.restartTimeoutSeconds ?? 10);
        } catch (error) {
          if (result.exitCode === 0) {
            result = failure("restart", 1, `restarting container ${this.config.container} failed: ${errorMessage(error)}`);
          }
        }
      }
      return result;
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  private async streamExec(execId: string, opts: GcRunOptions, signal: AbortSignal): Promise<GcRunResult> {
    const stderrTail = new TailBuffer();
    const redact = this.config.redact ?? [];
    const splitters = {
      stdout: new LineSplitter((line) => opts.onLine(redactSecrets(line, redact), "stdout")),
      stderr: new LineSplitter((raw) => {
        const line = redactSecrets(raw, redact);
        stderrTail.push(line);
        opts.onLine(line, "stderr");
      }),
    };
    const { detached } = await this.client.startExec(execId, (stream, payload) => splitters[stream].push(payload), signal);
    splitters.stdout.end();
    splitters.stderr.end();
    if (detached) {
      const why = abortReason(signal);
      const restarts = !opts.dryRun && (this.config.restart ?? true);
      const consequence = restarts ? "the container is restarted to stop it" : "garbage-collect may still finish inside the container";
      return failure("garbage-collect", ABORTED_EXIT_CODE, `garbage-collect was stopped (${why}); ${consequence}`, stderrTail.text());
    }

    const deadline = Date.now() + EXEC_EXIT_WAIT_MS;
    for (;;) {
      const state = await this.client.inspectExec(execId);
      if (!state.Running && state.ExitCode !== null && state.ExitCode !== undefined) {
        if (state.ExitCode === 0) return gcSuccess();
        return failure("garbage-collect", state.ExitCode, `garbage-collect exited with code ${state.ExitCode}`, stderrTail.text());
      }
      if (Date.now() > deadline) {
        return failure(
          "garbage-collect",
          1,
          `garbage-collect output ended but the engine reports no exit code after ${EXEC_EXIT_WAIT_MS} ms`,
        );
      }
      await sleep(100);
    }
  }
}
