import { describe, expect, it } from "vitest";
import { dockerGcCommand, gcRunnerConfigFromEnv, gcRunnerConfigSchema } from "../../../lib/gc/config";
import { createGcRunner } from "../../../lib/gc/index";

// runners are only built and described here; none runs, so the webhook mailbox is never used
const unused = () => Promise.reject(new Error("not used in these tests"));
const deps = { webhookMailbox: { open: unused, take: unused, close: unused } };

describe("GC runner configuration", () => {
  it("is off when GC_RUNNER is unset, empty or none", () => {
    expect(gcRunnerConfigFromEnv({})).toBeNull();
    expect(gcRunnerConfigFromEnv({ GC_RUNNER: " " })).toBeNull();
    expect(gcRunnerConfigFromEnv({ GC_RUNNER: "none" })).toBeNull();
    expect(createGcRunner(null, deps)).toBeNull();
  });

  it("maps the exec variables and defaults the binary to `registry`", () => {
    const config = gcRunnerConfigFromEnv({
      GC_RUNNER: "exec",
      GC_REGISTRY_CONFIG: "/etc/docker/registry/config.yml",
      GC_PRE_COMMAND: "systemctl stop registry",
    });
    expect(config).toEqual({
      kind: "exec",
      binary: "registry",
      configPath: "/etc/docker/registry/config.yml",
      preCommand: "systemctl stop registry",
      environment: {},
      redact: [],
    });
    expect(createGcRunner(config, deps)?.describe()).toBe(
      "exec: registry garbage-collect /etc/docker/registry/config.yml (with pre-command)",
    );
  });

  it("names the missing variable's field when the config is incomplete", () => {
    expect(() => gcRunnerConfigFromEnv({ GC_RUNNER: "exec" })).toThrow(/configPath/);
    expect(() => gcRunnerConfigFromEnv({ GC_RUNNER: "docker" })).toThrow(/container/);
    expect(() => gcRunnerConfigFromEnv({ GC_RUNNER: "webhook", GC_WEBHOOK_URL: "ftp://x" })).toThrow(/url/);
    // a webhook runner without its secret would take anyone's word for a run's result
    const webhook = {
      GC_RUNNER: "webhook",
      GC_WEBHOOK_URL: "https://ops.example.com/gc",
      GC_WEBHOOK_CALLBACK_URL: "https://ls.example.com/cb",
    };
    expect(() => gcRunnerConfigFromEnv(webhook)).toThrow(/GC_WEBHOOK_SECRET is required/);
    expect(() => gcRunnerConfigFromEnv({ ...webhook, GC_WEBHOOK_SECRET: "short" })).toThrow(/GC_WEBHOOK_SECRET must be at least 16/);
    expect(() => gcRunnerConfigFromEnv({ GC_RUNNER: "kubernetes" })).toThrow(/invalid garbage-collection settings/);
  });

  it("maps docker variables with the registry image's defaults", () => {
    expect(gcRunnerConfigFromEnv({ GC_RUNNER: "docker", GC_DOCKER_CONTAINER: "registry" })).toEqual({
      kind: "docker",
      socketPath: "/var/run/docker.sock",
      container: "registry",
      command: ["registry", "garbage-collect", "/etc/docker/registry/config.yml"],
      apiVersion: "v1.41",
      restart: true,
      redact: [],
    });
  });

  it("refuses --delete-untagged in a docker command (distribution#3178)", () => {
    const parsed = gcRunnerConfigSchema.safeParse({
      kind: "docker",
      container: "r",
      command: ["registry", "garbage-collect", "-m", "/c.yml"],
    });
    expect(parsed.success).toBe(false);
    expect(() => dockerGcCommand(["registry", "garbage-collect", "--delete-untagged", "/c.yml"], true)).toThrow(/3178/);
  });

  it("puts --dry-run right after garbage-collect, once", () => {
    expect(dockerGcCommand(["/bin/registry", "garbage-collect", "/c.yml"], true)).toEqual([
      "/bin/registry",
      "garbage-collect",
      "--dry-run",
      "/c.yml",
    ]);
    expect(dockerGcCommand(["registry", "garbage-collect", "--dry-run", "/c.yml"], false)).toEqual([
      "registry",
      "garbage-collect",
      "/c.yml",
    ]);
  });

  it("maps webhook variables and defaults the wait to six hours", () => {
    const config = gcRunnerConfigFromEnv({
      GC_RUNNER: "webhook",
      GC_WEBHOOK_URL: "https://ops.example.com/hooks/gc?token=abc",
      GC_WEBHOOK_SECRET: "a-shared-secret-0123",
      GC_WEBHOOK_CALLBACK_URL: "https://layerscope.example.com/api/v1/gc/callback",
    });
    expect(config).toMatchObject({ kind: "webhook", secret: "a-shared-secret-0123", timeoutMs: 6 * 60 * 60_000 });
    // describe() never shows the query string (it may carry a token)
    expect(createGcRunner(config, deps)?.describe()).not.toContain("token");
  });
});
