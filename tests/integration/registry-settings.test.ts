// "Registry and configuration": what the probes find on registries configured differently, the config.yml lines
// offered for each gap, and the effective settings with every secret masked.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Caller } from "@/lib/auth/caller";
import type { RegistryCheck } from "@/lib/contract/registry-settings";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, sessionAdmin } from "./helpers";
import { closeServices } from "./teardown";

const ADMIN = sessionAdmin({ id: 1, username: "root" });
const VIEWER: Caller = { ...ADMIN, username: "v", role: "viewer" };
const SECRETS = {
  REGISTRY_PASSWORD: "settings-registry-pass",
  AUTH_SECRET: "settings-auth-secret-0123456789abcdef0123",
  METRICS_TOKEN: "settings-metrics-token-0123",
};

let noDelete: RunningRegistry;
let withDelete: RunningRegistry;

beforeAll(async () => {
  noDelete = await startRegistry({ deleteEnabled: false, htpasswd: { username: "ci", password: SECRETS.REGISTRY_PASSWORD } });
  withDelete = await startRegistry({ deleteEnabled: true });
  configureEnv({
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "registry_settings"),
    REGISTRY_URL: noDelete.url,
    REGISTRY_USERNAME: "ci",
    LOG_LEVEL: "error",
    ...SECRETS,
  });
}, 60_000);

afterAll(() => closeServices({ registries: [noDelete, withDelete] }));

const byId = (checks: RegistryCheck[], id: RegistryCheck["id"]): RegistryCheck => {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

describe("the registry diagnosis", () => {
  it("finds deletes disabled, Basic auth, no referrers API and no notifications, with the lines to add", async () => {
    const { diagnoseRegistry } = await import("@/lib/services/registry-settings");
    const d = await diagnoseRegistry(ADMIN, "https://layerscope.example");
    expect(byId(d.checks, "reachable").state).toBe("ok");
    expect(byId(d.checks, "auth")).toMatchObject({ state: "ok", detail: expect.stringContaining("Basic") });
    const del = byId(d.checks, "delete");
    expect(del.state).toBe("missing");
    expect(del.fix?.lines).toBe("storage:\n  delete:\n    enabled: true");
    expect(byId(d.checks, "referrers").state).toBe("info");
    expect(byId(d.checks, "catalog")).toMatchObject({ state: "ok", detail: expect.stringContaining("1000") });
    const notifications = byId(d.checks, "notifications");
    expect(notifications.state).toBe("missing");
    expect(notifications.fix?.lines).toContain("url: https://layerscope.example/api/v1/webhooks/registry");
    expect(notifications.fix?.lines).toContain("Authorization: [Bearer <LAYERSCOPE_WEBHOOK_SECRET>]");
    expect(byId(d.checks, "gc").fix?.lines).toContain("readonly:\n      enabled: true");
    expect(byId(d.checks, "gc").fix?.lines).toContain("restart: unless-stopped");
    expect(byId(d.checks, "storage").state).toBe("info");
  }, 30_000);

  it("finds deletes enabled, digest-only tag deletes (2.x) and no auth on another registry", async () => {
    const { getEnv } = await import("@/lib/env");
    const env = getEnv() as { REGISTRY_URL: string; REGISTRY_USERNAME?: string };
    const saved = { url: env.REGISTRY_URL, user: env.REGISTRY_USERNAME };
    env.REGISTRY_URL = withDelete.url;
    env.REGISTRY_USERNAME = undefined;
    try {
      const { diagnoseRegistry } = await import("@/lib/services/registry-settings");
      const d = await diagnoseRegistry(ADMIN, "http://localhost:3000");
      expect(byId(d.checks, "delete")).toMatchObject({ state: "ok" });
      expect(byId(d.checks, "delete").fix).toBeUndefined();
      expect(byId(d.checks, "tag-delete").state).toBe("info");
      expect(byId(d.checks, "auth")).toMatchObject({
        state: "info",
        fix: expect.objectContaining({ lines: expect.stringContaining("htpasswd") }),
      });
    } finally {
      env.REGISTRY_URL = saved.url;
      env.REGISTRY_USERNAME = saved.user;
    }
  }, 30_000);

  it("is for admins only", async () => {
    const { diagnoseRegistry, effectiveConfiguration } = await import("@/lib/services/registry-settings");
    await expect(diagnoseRegistry(VIEWER, "http://x")).rejects.toMatchObject({ code: "forbidden" });
    expect(() => effectiveConfiguration(VIEWER)).toThrow(expect.objectContaining({ code: "forbidden" }));
  });
});

describe("the effective configuration", () => {
  it("lists every setting, secrets only as set or not, the database password masked", async () => {
    const { effectiveConfiguration } = await import("@/lib/services/registry-settings");
    const { envSchema } = await import("@/lib/env");
    const config = effectiveConfiguration(ADMIN);
    expect(config.map((c) => c.name).sort()).toEqual(Object.keys(envSchema.shape).sort());
    const text = JSON.stringify(config);
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(config.find((c) => c.name === "REGISTRY_PASSWORD")).toMatchObject({ secret: true, value: "•••••••• (set)" });
    expect(config.find((c) => c.name === "LAYERSCOPE_WEBHOOK_SECRET")).toMatchObject({ secret: true, value: null });
    expect(config.find((c) => c.name === "REGISTRY_USERNAME")?.value).toBe("ci");
  });
});
