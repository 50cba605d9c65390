import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../../lib/env";

describe("parseEnv", () => {
  it("applies the documented defaults", () => {
    const env = parseEnv({});
    expect(env.REGISTRY_URL).toBe("http://localhost:5000");
    expect(env.PORT).toBe(3000);
    expect(env.LAYERSCOPE_DATA_DIR).toBe("./.data");
    expect(env.SYNC_INTERVAL_SECONDS).toBe(300);
    expect(env.SYNC_CONCURRENCY).toBe(8);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REGISTRY_INSECURE_TLS).toBe(false);
    expect(env.LAYERSCOPE_WORKERS).toBe(true);
  });

  it("treats empty strings as unset and strips a trailing slash from the registry URL", () => {
    const env = parseEnv({ DATABASE_URL: "", REGISTRY_USERNAME: " ", REGISTRY_URL: "https://reg.example.com:5000/" });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REGISTRY_USERNAME).toBeUndefined();
    expect(env.REGISTRY_URL).toBe("https://reg.example.com:5000");
  });

  it.each([
    ["PORT", "70000"],
    ["PORT", "abc"],
    ["REGISTRY_URL", "ftp://x"],
    ["REGISTRY_URL", "not a url"],
    ["SYNC_CONCURRENCY", "0"],
    ["DATABASE_URL", "mysql://x"],
    ["REGISTRY_INSECURE_TLS", "maybe"],
    ["AUTH_SECRET", "too-short"],
    ["LAYERSCOPE_WEBHOOK_SECRET", "short"],
    ["LAYERSCOPE_ANONYMOUS_READ", "sometimes"],
    ["REGISTRY_TOKEN_REALMS", "auth.example.com"],
    ["OIDC_ISSUER", "not a url"],
  ])("rejects %s=%s with a message naming the variable", (name, value) => {
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError);
    expect(() => parseEnv({ [name]: value })).toThrow(name);
  });

  it("requires a password when a registry username is set", () => {
    expect(() => parseEnv({ REGISTRY_USERNAME: "ci" })).toThrow("REGISTRY_PASSWORD");
  });

  it("reads users, webhooks and single sign-on settings", () => {
    const env = parseEnv({
      LAYERSCOPE_ADMIN_USER: "root",
      LAYERSCOPE_ADMIN_PASSWORD: "long enough",
      LAYERSCOPE_ANONYMOUS_READ: "true",
      REGISTRY_TOKEN_REALMS: "https://auth.example.com/token, http://127.0.0.1:8080",
      OIDC_ISSUER: "https://sso.example.com/realms/main/",
      OIDC_CLIENT_ID: "layerscope",
      OIDC_CLIENT_SECRET: "s3cret",
      OIDC_ADMIN_GROUPS: "platform, sre",
    });
    expect(env.LAYERSCOPE_ANONYMOUS_READ).toBe(true);
    expect(env.REGISTRY_TOKEN_REALMS).toEqual(["https://auth.example.com", "http://127.0.0.1:8080"]);
    expect(env.OIDC_ADMIN_GROUPS).toEqual(["platform", "sre"]);
    expect(env.OIDC_EDITOR_GROUPS).toEqual([]);
    expect(env.OIDC_GROUPS_CLAIM).toBe("groups");
    expect(parseEnv({}).LAYERSCOPE_ANONYMOUS_READ).toBe(false);
  });

  it("wants the admin's user and password together, and OIDC's three settings together", () => {
    expect(() => parseEnv({ LAYERSCOPE_ADMIN_USER: "root" })).toThrow("LAYERSCOPE_ADMIN_PASSWORD");
    expect(() => parseEnv({ LAYERSCOPE_ADMIN_USER: "root", LAYERSCOPE_ADMIN_PASSWORD: "short" })).toThrow("LAYERSCOPE_ADMIN_PASSWORD");
    expect(() => parseEnv({ OIDC_ISSUER: "https://sso.example.com" })).toThrow("OIDC_ISSUER");
  });

  it("refuses to start the webhook GC runner without a GC_WEBHOOK_SECRET of at least 16 characters", () => {
    const webhook = {
      GC_RUNNER: "webhook",
      GC_WEBHOOK_URL: "https://ops.example.com/hooks/gc",
      GC_WEBHOOK_CALLBACK_URL: "https://layerscope.example.com/api/v1/gc/callback",
    };
    expect(() => parseEnv(webhook)).toThrow(/GC_WEBHOOK_SECRET: required with GC_RUNNER=webhook/);
    expect(() => parseEnv({ ...webhook, GC_WEBHOOK_SECRET: " " })).toThrow(/GC_WEBHOOK_SECRET: required/);
    expect(() => parseEnv({ ...webhook, GC_WEBHOOK_SECRET: "change-me" })).toThrow(/GC_WEBHOOK_SECRET: must be at least 16/);
    expect(parseEnv({ ...webhook, GC_WEBHOOK_SECRET: "a-long-enough-shared-secret" }).gcRunner).toMatchObject({ kind: "webhook" });
  });
});
