// What GC's child processes (registry binary, pre/post-command shells) may see of the server's environment, and
// what is blanked out of their output before it reaches the GC log.
import { describe, expect, it } from "vitest";
import { envSchema } from "../../../lib/env";
import {
  GC_ENV_ALLOWED,
  gcChildEnvironment,
  gcRunnerConfigFromEnv,
  gcSecretValues,
  LAYERSCOPE_REGISTRY_SETTINGS,
  REDACTED,
  redactSecrets,
} from "../../../lib/gc/config";

const server = {
  PATH: "/usr/local/bin:/usr/bin:/bin",
  HOME: "/home/layerscope",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TZ: "UTC",
  TMPDIR: "/tmp",
  AUTH_SECRET: "auth-secret-0123456789abcdef0123456789abcdef",
  LAYERSCOPE_ADMIN_PASSWORD: "admin password 42",
  OIDC_CLIENT_SECRET: "oidc-client-secret-xyz",
  DATABASE_URL: "postgres://layerscope:db-pass-w0rd@db:5432/layerscope",
  LAYERSCOPE_WEBHOOK_SECRET: "notification-secret-0123",
  GC_WEBHOOK_SECRET: "gc-callback-secret-0123",
  REGISTRY_URL: "http://registry:5000",
  REGISTRY_USERNAME: "ui",
  REGISTRY_PASSWORD: "registry-password-0123",
  REGISTRY_STORAGE_ROOT: "/var/lib/registry",
  REGISTRY_STORAGE_S3_REGION: "eu-west-1",
  REGISTRY_HTTP_SECRET: "registry-http-secret-0123",
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE0123",
  DOCKER_HOST: "unix:///run/podman.sock",
  GC_PRE_COMMAND: "systemctl stop registry",
  NODE_OPTIONS: "--max-old-space-size=512",
};

describe("the environment of GC and its hooks", () => {
  it("keeps PATH, HOME, locale, TZ, TMPDIR and the registry's own overrides, and nothing of Layerscope's", () => {
    expect(gcChildEnvironment(server)).toEqual({
      PATH: server.PATH,
      HOME: server.HOME,
      LANG: server.LANG,
      LC_ALL: server.LC_ALL,
      TZ: server.TZ,
      TMPDIR: server.TMPDIR,
      REGISTRY_STORAGE_S3_REGION: server.REGISTRY_STORAGE_S3_REGION,
      REGISTRY_HTTP_SECRET: server.REGISTRY_HTTP_SECRET,
    });
  });

  it("adds exactly the names the operator opts into", () => {
    const env = gcChildEnvironment(server, ["DOCKER_HOST", "AWS_ACCESS_KEY_ID", "NOT_SET"]);
    expect(env.DOCKER_HOST).toBe(server.DOCKER_HOST);
    expect(env.AWS_ACCESS_KEY_ID).toBe(server.AWS_ACCESS_KEY_ID);
    expect("NOT_SET" in env).toBe(false);
    expect(env.AUTH_SECRET).toBeUndefined();
  });

  it("GC_ENV_PASSTHROUGH reaches the exec runner's environment; the defaults do not include secrets", () => {
    const config = gcRunnerConfigFromEnv({
      ...server,
      GC_RUNNER: "exec",
      GC_REGISTRY_CONFIG: "/etc/docker/registry/config.yml",
      GC_ENV_PASSTHROUGH: " DOCKER_HOST , XDG_RUNTIME_DIR",
    });
    if (config?.kind !== "exec") throw new Error("expected an exec config");
    expect(config.environment?.DOCKER_HOST).toBe(server.DOCKER_HOST);
    const values = Object.values(config.environment ?? {}).join("\n");
    for (const name of ["AUTH_SECRET", "LAYERSCOPE_ADMIN_PASSWORD", "OIDC_CLIENT_SECRET", "DATABASE_URL", "REGISTRY_PASSWORD"] as const) {
      expect(values).not.toContain(server[name]);
    }
    expect(() => gcRunnerConfigFromEnv({ GC_RUNNER: "exec", GC_REGISTRY_CONFIG: "/c.yml", GC_ENV_PASSTHROUGH: "A,B=C" })).toThrow(
      /GC_ENV_PASSTHROUGH/,
    );
  });

  it("excludes every REGISTRY_* setting Layerscope itself defines (a new one must be added to the list)", () => {
    const own = Object.keys(envSchema.shape).filter((name) => name.startsWith("REGISTRY_"));
    expect(own.length).toBeGreaterThan(0);
    for (const name of own) expect(LAYERSCOPE_REGISTRY_SETTINGS.has(name), name).toBe(true);
    for (const name of GC_ENV_ALLOWED) expect(Object.keys(envSchema.shape)).not.toContain(name);
  });
});

describe("redaction of GC output", () => {
  const secrets = gcSecretValues(server);

  it("finds Layerscope's secrets, secret-named variables and the password inside a URL", () => {
    for (const name of [
      "AUTH_SECRET",
      "LAYERSCOPE_ADMIN_PASSWORD",
      "OIDC_CLIENT_SECRET",
      "DATABASE_URL",
      "LAYERSCOPE_WEBHOOK_SECRET",
      "GC_WEBHOOK_SECRET",
      "REGISTRY_PASSWORD",
      "REGISTRY_HTTP_SECRET",
      "AWS_ACCESS_KEY_ID",
    ] as const) {
      expect(secrets, name).toContain(server[name]);
    }
    expect(secrets).toContain("db-pass-w0rd");
    expect(secrets).not.toContain(server.PATH);
    expect(secrets).not.toContain(server.REGISTRY_USERNAME);
  });

  it("blanks every occurrence, the URL before the password inside it", () => {
    const line = `DATABASE_URL=${server.DATABASE_URL} pw=db-pass-w0rd auth=${server.AUTH_SECRET}${server.AUTH_SECRET}`;
    expect(redactSecrets(line, secrets)).toBe(`DATABASE_URL=${REDACTED} pw=${REDACTED} auth=${REDACTED}${REDACTED}`);
    expect(redactSecrets("team/app: marking blob sha256:00", secrets)).toBe("team/app: marking blob sha256:00");
  });

  it("leaves short values alone (they would blank out ordinary words)", () => {
    expect(gcSecretValues({ SOME_TOKEN: "true", API_KEY: "abc" })).toEqual([]);
  });
});
