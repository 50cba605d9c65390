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
  ])("rejects %s=%s with a message naming the variable", (name, value) => {
    expect(() => parseEnv({ [name]: value })).toThrow(EnvError);
    expect(() => parseEnv({ [name]: value })).toThrow(name);
  });

  it("requires a password when a registry username is set", () => {
    expect(() => parseEnv({ REGISTRY_USERNAME: "ci" })).toThrow("REGISTRY_PASSWORD");
  });
});
