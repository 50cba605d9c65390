import "server-only";
import { AppError, errorMessage } from "@/lib/errors";
import { getDb } from "../db/client";
import { getEnv } from "../env";
import { logger } from "../log";
import { createRegistryClient, type RegistryClient, type RegistryClientOptions } from "../registry/client";
import { RegistryError } from "../registry/errors";

/** A registry client configured from the environment (`overrides` e.g. to count a sync run's requests). */
export function registryClient(overrides: Partial<RegistryClientOptions> = {}): RegistryClient {
  const env = getEnv();
  return createRegistryClient({
    baseUrl: env.REGISTRY_URL,
    username: env.REGISTRY_USERNAME,
    password: env.REGISTRY_PASSWORD,
    caFile: env.REGISTRY_CA_FILE,
    insecureTls: env.REGISTRY_INSECURE_TLS,
    allowedTokenRealms: env.REGISTRY_TOKEN_REALMS,
    timeoutMs: env.REGISTRY_TIMEOUT_MS,
    ...overrides,
  });
}

const globalForRegistry = globalThis as unknown as {
  layerscopeRegistry?: RegistryClient;
  layerscopeProbe?: { at: number; result: Promise<RegistryProbe> };
};

/** The process-wide client for reads outside a sync run. */
export function sharedRegistry(): RegistryClient {
  globalForRegistry.layerscopeRegistry ??= registryClient();
  return globalForRegistry.layerscopeRegistry;
}

export type RegistryProbe = { reachable: boolean; error: string | null; checkedAt: Date };

const PROBE_TTL_MS = 5000;

/** Ping the registry (memoised for a few seconds) and remember the outcome in Postgres. */
export function probeRegistry(): Promise<RegistryProbe> {
  const now = Date.now();
  const memo = globalForRegistry.layerscopeProbe;
  if (memo && now - memo.at < PROBE_TTL_MS) return memo.result;
  const result = (async (): Promise<RegistryProbe> => {
    const checkedAt = new Date();
    let probe: RegistryProbe;
    try {
      await registryClient({ timeoutMs: Math.min(getEnv().REGISTRY_TIMEOUT_MS, 3000), retries: 0 }).ping();
      probe = { reachable: true, error: null, checkedAt };
    } catch (e) {
      probe = { reachable: false, error: errorMessage(e), checkedAt };
    }
    await recordRegistryStatus(probe).catch((e: unknown) => logger.warn("could not record registry status", { error: String(e) }));
    return probe;
  })();
  globalForRegistry.layerscopeProbe = { at: now, result };
  return result;
}

export async function recordRegistryStatus(probe: RegistryProbe): Promise<void> {
  const db = getDb();
  await db.registryStatus.upsert({
    where: { id: 1 },
    create: {
      id: 1,
      reachable: probe.reachable,
      checkedAt: probe.checkedAt,
      lastSuccessAt: probe.reachable ? probe.checkedAt : null,
      error: probe.error,
    },
    update: {
      reachable: probe.reachable,
      checkedAt: probe.checkedAt,
      error: probe.error,
      ...(probe.reachable ? { lastSuccessAt: probe.checkedAt } : {}),
    },
  });
}

/** Map a registry failure to the API's error: unreachable → 503, anything else from the registry → 502. */
export function registryFailure(e: unknown): AppError {
  if (e instanceof RegistryError) {
    if (e.kind === "unreachable" || e.kind === "timeout") {
      return new AppError("registry_unreachable", `The registry is unreachable: ${e.message}`);
    }
    if (e.kind === "not_found") return new AppError("not_found", e.message);
    return new AppError("registry_error", e.message);
  }
  if (e instanceof AppError) return e;
  return new AppError("internal", errorMessage(e));
}
