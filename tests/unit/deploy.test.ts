// The deploy files: the Helm chart rendered (by `helm template` when installed, else tests/fixtures/helm-template.ts)
// and checked against lib/env.ts; the compose stack and the registry config it mounts; the Dockerfile's shape.
// Building and running the image is tests/integration/standalone.test.ts (the standalone folder, as the image runs it).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { envSchema } from "@/lib/env";
import { renderChart } from "../fixtures/helm-template";

const ROOT = path.resolve(__dirname, "../..");
const CHART = path.join(ROOT, "deploy/helm/layerscope");
const SETTINGS = Object.keys(envSchema.shape).sort();
const SECRET = /PASSWORD|SECRET|DATABASE_URL|USERNAME|_TOKEN$/;

type Manifest = { kind: string; metadata: { name: string }; [k: string]: unknown };
type Container = {
  image: string;
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
};

const hasHelm = spawnSync("helm", ["version"], { stdio: "ignore" }).status === 0;

function render(values: Record<string, unknown> = {}): Manifest[] {
  let text: string;
  if (hasHelm) {
    const args = ["template", "t", CHART, "-f", "-"];
    const res = spawnSync("helm", args, { input: JSON.stringify(values), encoding: "utf8" });
    if (res.status !== 0) throw new Error(res.stderr);
    text = res.stdout;
  } else {
    text = renderChart(CHART, "t", values);
  }
  return YAML.parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`invalid YAML rendered: ${d.errors[0]?.message}\n${text}`);
      return d.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind);
const one = (ms: Manifest[], kind: string) => {
  const found = byKind(ms, kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Manifest;
};
const container = (d: Manifest) =>
  (d as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0] as Container;

describe("the Helm chart", () => {
  it("renders a Deployment, Service, ConfigMap and Secret by default; no Ingress and no bundled Postgres", () => {
    const ms = render();
    expect(ms.map((m) => m.kind).sort()).toEqual(["ConfigMap", "Deployment", "Secret", "Service"]);
    for (const m of ms) expect(m.metadata.name).toMatch(/^t-/);
  });

  it("runs more than one replica, probes health (liveness) and ready (readiness), and sets resources", () => {
    const deployment = one(render({ replicaCount: 3 }), "Deployment") as Manifest & { spec: { replicas: number } };
    expect(deployment.spec.replicas).toBe(3);
    const c = container(deployment);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/api/v1/health", port: "http" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/api/v1/ready", port: "http" });
    expect(c.ports).toEqual([{ name: "http", containerPort: 3000 }]);
    expect(c.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources.limits.memory).toBeTruthy();
  });

  it("runs as a non-root user on a read-only root filesystem, with writable /data, /tmp and Next's cache", () => {
    const deployment = one(render(), "Deployment");
    const pod = (deployment as unknown as { spec: { template: { spec: { securityContext: Record<string, unknown> } } } }).spec.template
      .spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    const c = container(deployment);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.volumeMounts.map((m) => m.mountPath).sort()).toEqual(["/app/.next/cache", "/data", "/tmp"]);
  });

  it("covers every setting of lib/env.ts: each is a key of the ConfigMap or, for secrets, of the Secret", () => {
    const values = YAML.parse(readFileSync(path.join(CHART, "values.yaml"), "utf8")) as {
      config: Record<string, string>;
      secrets: Record<string, string>;
    };
    const inValues = [...Object.keys(values.config), ...Object.keys(values.secrets)].sort();
    expect(inValues).toEqual(SETTINGS);
    for (const key of Object.keys(values.config)) expect(key, `${key} belongs in secrets`).not.toMatch(SECRET);
    for (const key of Object.keys(values.secrets)) expect(key, `${key} is not a secret`).toMatch(SECRET);

    // every value set: each lands in the object the Deployment reads it from
    const all = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, `value-of-${k}`]));
    const ms = render({ config: all(Object.keys(values.config)), secrets: all(Object.keys(values.secrets)) });
    const configMap = one(ms, "ConfigMap") as Manifest & { data: Record<string, string> };
    const secret = one(ms, "Secret") as Manifest & { stringData: Record<string, string> };
    expect(Object.keys({ ...configMap.data, ...secret.stringData }).sort()).toEqual(SETTINGS);
    for (const k of Object.keys(configMap.data)) expect(configMap.data[k]).toBe(`value-of-${k}`);
    const c = container(one(ms, "Deployment"));
    expect(c.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
  });

  it("leaves empty settings out, so the application's defaults apply", () => {
    const configMap = one(render(), "ConfigMap") as Manifest & { data: Record<string, string> };
    expect(configMap.data).not.toHaveProperty("GC_RUNNER");
    expect(configMap.data.REGISTRY_URL).toBe("http://registry:5000");
    const secret = one(render(), "Secret") as Manifest & { stringData?: Record<string, string> | null };
    expect(secret.stringData ?? {}).toEqual({});
  });

  it("renders the optional Ingress, the bundled Postgres (whose URL goes in the Secret), and an existing Secret", () => {
    const ms = render({
      ingress: { enabled: true, host: "ls.example.org", className: "nginx", tls: [{ secretName: "tls", hosts: ["ls.example.org"] }] },
      postgresql: { enabled: true, password: "pw-123" },
      registryStorage: { existingClaim: "registry-data" },
    });
    const ingress = one(ms, "Ingress") as Manifest & { spec: { ingressClassName: string; rules: { host: string }[]; tls: unknown[] } };
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.rules[0]?.host).toBe("ls.example.org");
    expect(ingress.spec.tls).toEqual([{ secretName: "tls", hosts: ["ls.example.org"] }]);
    expect(one(ms, "StatefulSet").metadata.name).toBe("t-postgresql");
    const secret = one(ms, "Secret") as Manifest & { stringData: Record<string, string> };
    expect(secret.stringData.DATABASE_URL).toBe("postgresql://layerscope:pw-123@t-postgresql:5432/layerscope");
    const mount = container(one(ms, "Deployment")).volumeMounts.find((m) => m.name === "registry-storage");
    expect(mount).toEqual({ name: "registry-storage", mountPath: "/registry", readOnly: true });

    const external = render({ existingSecret: "mine" });
    expect(byKind(external, "Secret")).toHaveLength(0);
    expect(container(one(external, "Deployment")).envFrom[1]).toEqual({ secretRef: { name: "mine" } });
  });
});

describe("the compose stack", () => {
  type Service = {
    image?: string;
    entrypoint?: string[];
    environment?: Record<string, string>;
    volumes?: string[];
    group_add?: string[];
    stop_grace_period?: string;
    read_only?: boolean;
  };
  const compose = YAML.parse(readFileSync(path.join(ROOT, "deploy/compose.yaml"), "utf8")) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  const registryConfig = YAML.parse(readFileSync(path.join(ROOT, "deploy/registry/config.yml"), "utf8")) as {
    storage: { delete: { enabled: boolean }; filesystem: { rootdirectory: string } };
    notifications: { endpoints: { url: string; headers: { Authorization: string[] } }[] };
  };

  it("runs registry:2, Postgres and Layerscope", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["layerscope", "postgres", "registry"]);
    expect(compose.services.registry?.image).toBe("registry:2");
  });

  it("enables deletes and notifies Layerscope with the shared secret the registry's entrypoint fills in", () => {
    expect(registryConfig.storage.delete.enabled).toBe(true);
    const [endpoint] = registryConfig.notifications.endpoints;
    const ls = compose.services.layerscope?.environment ?? {};
    expect(endpoint?.url).toBe(`http://layerscope:${ls.PORT ?? 3000}/api/v1/webhooks/registry`);
    expect(endpoint?.headers.Authorization).toEqual(["Bearer @LAYERSCOPE_WEBHOOK_SECRET@"]);
    expect(compose.services.registry?.entrypoint?.join(" ")).toContain("s|@LAYERSCOPE_WEBHOOK_SECRET@|$${LAYERSCOPE_WEBHOOK_SECRET}|");
    expect(compose.services.registry?.environment?.LAYERSCOPE_WEBHOOK_SECRET).toMatch(/^\$\{LAYERSCOPE_WEBHOOK_SECRET/);
    expect(ls.LAYERSCOPE_WEBHOOK_SECRET).toBe(`\${LAYERSCOPE_WEBHOOK_SECRET}`);
  });

  it("keeps registry storage on a named volume that Layerscope mounts read-only at REGISTRY_STORAGE_ROOT", () => {
    const rootDir = registryConfig.storage.filesystem.rootdirectory;
    expect(compose.services.registry?.volumes).toContain(`registry-data:${rootDir}`);
    expect(compose.volumes).toHaveProperty("registry-data");
    const ls = compose.services.layerscope as Service;
    expect(ls.volumes).toContain(`registry-data:${ls.environment?.REGISTRY_STORAGE_ROOT}:ro`);
  });

  it("runs GC through the Docker socket in the registry's container, and gives the server time to drain on stop", () => {
    const ls = compose.services.layerscope as Service;
    expect(ls.environment).toMatchObject({ GC_RUNNER: "docker", GC_DOCKER_SOCKET: "/var/run/docker.sock" });
    // compose names containers <project>-<service>-<n>
    expect(ls.environment?.GC_DOCKER_CONTAINER).toBe("layerscope-registry-1");
    expect(ls.volumes).toContain("/var/run/docker.sock:/var/run/docker.sock");
    expect(ls.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(Number.parseInt(ls.stop_grace_period ?? "0", 10)).toBeGreaterThanOrEqual(
      Number(ls.environment?.LAYERSCOPE_STOP_GRACE_SECONDS) + 15,
    );
    expect(ls.read_only).toBe(true);
  });

  it("sets only settings lib/env.ts knows", () => {
    for (const key of Object.keys(compose.services.layerscope?.environment ?? {})) expect(SETTINGS).toContain(key);
  });
});

describe("the Dockerfile", () => {
  const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const dockerignore = readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .filter((l) => l.trim() && !l.trimStart().startsWith("#"));
  const runtime = instructions.slice(instructions.findIndex((l) => /^FROM .* AS runtime$/.test(l)));

  it("builds in three stages from images given as build arguments", () => {
    expect(instructions.filter((l) => l.startsWith("FROM ")).map((l) => l.split(/\s+/).pop())).toEqual(["deps", "build", "runtime"]);
    expect(instructions).toContain(`FROM \${BASE_IMAGE} AS runtime`);
    expect(instructions.some((l) => l.startsWith("ARG BASE_IMAGE="))).toBe(true);
  });

  it("runs node (under tini) as a non-root user, not npm, with a health check on the readiness route", () => {
    expect(runtime).toContain("USER 10001:10001");
    expect(runtime.find((l) => l.startsWith("ENTRYPOINT"))).toBe('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime.find((l) => l.startsWith("CMD"))).toBe('CMD ["node", "start.mjs", "--standalone"]');
    expect(runtime.find((l) => l.startsWith("HEALTHCHECK"))).toContain("/api/v1/ready");
    // no npm, compilers or caches copied into the final stage
    expect(runtime.filter((l) => l.startsWith("COPY")).map((l) => l.split(/\s+/).slice(-2).join(" "))).toEqual([
      "/usr/local/bin/node /usr/local/bin/node",
      "/out /app",
    ]);
    expect(runtime.join("\n")).toContain("rm -rf /var/lib/apt/lists/*");
  });

  it("labels the image with org.opencontainers.image.* and keeps data on a volume", () => {
    for (const label of ["title", "description", "version", "revision", "created", "source", "licenses"]) {
      expect(dockerfile).toContain(`org.opencontainers.image.${label}=`);
    }
    expect(runtime).toContain('VOLUME ["/data"]');
  });

  it("keeps node_modules, builds and data out of the build context", () => {
    for (const entry of ["node_modules", ".next", ".data", ".tmp", ".git"]) expect(dockerignore).toContain(entry);
  });
});
