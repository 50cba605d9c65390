// Structured JSON logs (pino), one line per event on stdout. Every line of a request carries its request id
// (withLogContext, set by the route wrapper). Secrets never reach the output: fields named like a credential are
// redacted, and every configured secret value, Authorization/Basic/Bearer values, API tokens and URL userinfo are
// scrubbed from the finished line, whatever field or message they hid in.
import { AsyncLocalStorage } from "node:async_hooks";
import pino from "pino";
import { getEnv } from "./env";

type Fields = Record<string, unknown>;
export type LogContext = { requestId?: string };

const REDACTED = "[redacted]";

// field names whose values are credentials, at any of the first three levels of a log entry
const SECRET_KEYS = [
  "password",
  "currentPassword",
  "newPassword",
  "passwd",
  "secret",
  "clientSecret",
  "client_secret",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "id_token",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "set-cookie",
  "x-layerscope-secret",
  "X-Layerscope-Secret",
  "AUTH_SECRET",
  "REGISTRY_PASSWORD",
  "LAYERSCOPE_ADMIN_PASSWORD",
  "LAYERSCOPE_WEBHOOK_SECRET",
  "GC_WEBHOOK_SECRET",
  "OIDC_CLIENT_SECRET",
  "METRICS_TOKEN",
];

function redactPaths(): string[] {
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`);
  return SECRET_KEYS.flatMap((k) => [key(k).replace(/^\./, ""), `*${key(k)}`, `*.*${key(k)}`]);
}

/** The configured secrets' values (and their JSON-escaped forms), longest first. */
const secretsByEnv = new WeakMap<object, string[]>();

function configuredSecrets(): string[] {
  let env: ReturnType<typeof getEnv>;
  try {
    env = getEnv();
  } catch {
    return [];
  }
  const known = secretsByEnv.get(env);
  if (known) return known;
  const values = [
    env.REGISTRY_PASSWORD,
    env.AUTH_SECRET,
    env.LAYERSCOPE_ADMIN_PASSWORD,
    env.LAYERSCOPE_WEBHOOK_SECRET,
    env.GC_WEBHOOK_SECRET,
    env.OIDC_CLIENT_SECRET,
    env.METRICS_TOKEN,
    databasePassword(env.DATABASE_URL),
  ].filter((v): v is string => typeof v === "string" && v.length >= 4);
  // the registry's Basic credentials as they travel
  if (env.REGISTRY_USERNAME && env.REGISTRY_PASSWORD) {
    values.push(Buffer.from(`${env.REGISTRY_USERNAME}:${env.REGISTRY_PASSWORD}`).toString("base64"));
  }
  const forms = values.flatMap((v) => [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]);
  const sorted = [...new Set(forms)].sort((a, b) => b.length - a.length);
  secretsByEnv.set(env, sorted);
  return sorted;
}

function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

const PATTERNS: [RegExp, string][] = [
  // Authorization header values wherever they appear in text
  [/\b(Bearer|Basic)(\s+|%20)[A-Za-z0-9._~+/=%-]{4,}/gi, `$1$2${REDACTED}`],
  // Layerscope API tokens
  [/lsc_[A-Za-z0-9_-]{8,}/g, `lsc_${REDACTED}`],
  // user:password@ in URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@"]*@/gi, `$1${REDACTED}@`],
  // session cookies (Auth.js) and any cookie named like a token
  [/((?:session|token|csrf)[A-Za-z0-9._-]*=)[^;\s"]+/gi, `$1${REDACTED}`],
];

/** Remove every secret from a finished log line. Exported for tests. */
export function scrub(line: string, secrets: readonly string[] = configuredSecrets()): string {
  let out = line;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const context = new AsyncLocalStorage<LogContext>();

/** Run `fn` with `ctx` (e.g. the request id) added to every log line it writes, across awaits. */
export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...ctx }, fn);
}

/** The id of the request being handled, if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}

type Sink = (line: string) => void;
const globalForLog = globalThis as unknown as { layerscopePino?: pino.Logger; layerscopeLogSink?: Sink };

/** Where lines go (stdout unless a test captures them); returns a function restoring the previous sink. */
export function setLogSink(sink: Sink): () => void {
  const previous = globalForLog.layerscopeLogSink;
  globalForLog.layerscopeLogSink = sink;
  return () => {
    globalForLog.layerscopeLogSink = previous;
  };
}

function level(): pino.Level {
  try {
    return getEnv().LOG_LEVEL;
  } catch {
    // configuration errors are reported by start-up; logging must not throw
    return "info";
  }
}

function base(): pino.Logger {
  // one logger per process, also across Next's hot reloads
  globalForLog.layerscopePino ??= pino(
    {
      level: level(),
      base: undefined,
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(), censor: REDACTED },
      mixin: () => {
        const ctx = context.getStore();
        return ctx?.requestId ? { requestId: ctx.requestId } : {};
      },
      serializers: { err: pino.stdSerializers.err },
    },
    {
      write: (line: string) => {
        const clean = scrub(line);
        const sink = globalForLog.layerscopeLogSink;
        if (sink) sink(clean);
        else process.stdout.write(clean);
      },
    },
  );
  return globalForLog.layerscopePino;
}

function emit(method: "debug" | "info" | "warn" | "error", message: string, fields?: Fields): void {
  try {
    const log = base();
    const wanted = level();
    if (log.level !== wanted) log.level = wanted;
    if (fields) log[method](fields, message);
    else log[method](message);
  } catch {
    // logging must never break the caller
  }
}

/** `logger.info("sync finished", { run: 3 })`: a message and flat fields. */
export const logger = {
  debug: (m: string, f?: Fields) => emit("debug", m, f),
  info: (m: string, f?: Fields) => emit("info", m, f),
  warn: (m: string, f?: Fields) => emit("warn", m, f),
  error: (m: string, f?: Fields) => emit("error", m, f),
  /** Whether a level is enabled (skip building expensive fields). */
  isLevelEnabled: (l: "debug" | "info" | "warn" | "error") => base().isLevelEnabled(l),
};
