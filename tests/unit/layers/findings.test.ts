import { describe, expect, it } from "vitest";
import { type Finding, findings, MAX_PATHS } from "../../../lib/layers/findings";
import { type LayerInput, mergeLayers } from "../../../lib/layers/merge";
import type { ImageConfigInfo } from "../../../lib/oci/config";
import { dir, file, whiteout } from "./fixtures";

const MiB = 1024 * 1024;

type Config = Pick<ImageConfigInfo, "user" | "env" | "history">;
const step = (createdBy: string, emptyLayer = false) => ({ created: null, createdBy, comment: null, emptyLayer, author: null });

const layers: LayerInput[] = [
  {
    digest: "sha256:base",
    entries: [
      file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", 3 * MiB),
      file("var/lib/apt/lists/lock", 0),
      file("var/cache/apt/archives/curl_7.88_amd64.deb", 400_000),
      // Public certificates and third-party fixtures are not secrets.
      file("etc/ssl/certs/ca-certificates.crt", 200_000),
      file("etc/ssl/certs/ISRG_Root_X1.pem", 2000),
      file("usr/lib/python3/dist-packages/certifi/cacert.pem", 280_000),
      file("app/node_modules/some-pkg/.npmrc", 20),
      file("app/node_modules/node-forge/tests/server.key", 1700),
    ],
  },
  {
    digest: "sha256:app",
    entries: [
      file("root/.npm/_cacache/content-v2/sha512/ab/cd", 2 * MiB),
      file("root/.cache/pip/http/a/b/c", 1000),
      file("usr/local/share/.cache/yarn/v6/npm-left-pad-1.3.0/index.js", 10),
      file("var/cache/apk/APKINDEX.tar.gz", 100),
      ...Array.from({ length: 30 }, (_, i) => file(`var/cache/dnf/packages/p${i}.rpm`, 1000 + i)),
      file("app/server.key", 1700),
      file("root/.ssh/id_rsa", 2600),
      file("root/.aws/credentials", 100),
      file("app/.npmrc", 50),
      file("app/tls/tls.pem", 300),
      file("app/tls/ca-cert.pem", 300),
      file("build/big.tar", 20 * MiB),
      file("app/config.json", 100),
      dir("app"),
    ],
  },
  {
    digest: "sha256:cleanup",
    entries: [whiteout("build/big.tar"), whiteout("root/.ssh/id_rsa"), file("app/config.json", 200)],
  },
];

const SECRET_VALUES = ["hunter2-value", "ghp_secretvalue", "aws-secret-value", "npm-secret-value", "user:pass", "sig=abc"];

const config: Config = {
  user: "",
  env: [
    "PATH=/usr/local/bin:/usr/bin",
    "DB_PASSWORD=hunter2-value",
    "GITHUB_TOKEN=ghp_secretvalue",
    "AWS_SECRET_ACCESS_KEY=aws-secret-value",
    "POSTGRES_PASSWORD_FILE=/run/secrets/db", // where the secret is, not the secret
    "EMPTY_TOKEN=", // nothing to leak
    "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", // a public key fingerprint
  ],
  history: [
    step("/bin/sh -c #(nop) ADD file:base in / "),
    step('/bin/sh -c #(nop)  CMD ["bash"]', true),
    step("RUN |1 NPM_TOKEN=npm-secret-value /bin/sh -c npm ci # buildkit"),
    step("ADD https://user:pass@example.com/tool.tgz?sig=abc /opt/ # buildkit"),
  ],
};

const all = findings({ config, merge: mergeLayers(layers) });
const byId = (id: string): Finding => {
  const found = all.find((f) => f.id === id);
  if (!found) throw new Error(`no finding ${id} in ${all.map((f) => f.id).join(", ")}`);
  return found;
};

describe("findings", () => {
  it("finds each kind once, critical first", () => {
    expect(all.map((f) => f.id).sort()).toEqual(
      [
        "add-remote-url",
        "cache-apk",
        "cache-apt-archives",
        "cache-apt-lists",
        "cache-dnf-yum",
        "cache-npm",
        "cache-pip",
        "cache-yarn",
        "overwritten-in-later-layer",
        "removed-in-later-layer",
        "runs-as-root",
        "secret-build-args",
        "secret-env",
        "secret-files",
      ].sort(),
    );
    const rank = { critical: 0, warning: 1, info: 2 };
    expect(all.map((f) => rank[f.severity])).toEqual([...all.map((f) => rank[f.severity])].sort());
    expect(all.every((f) => f.paths.length <= MAX_PATHS)).toBe(true);
  });

  it("reports package-manager caches with their bytes, layer and fix", () => {
    expect(byId("cache-apt-lists")).toMatchObject({
      severity: "warning",
      bytes: 3 * MiB,
      layers: [0],
      paths: ["var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"],
    });
    expect(byId("cache-apt-lists").fix).toContain("rm -rf /var/lib/apt/lists/*");
    expect(byId("cache-npm")).toMatchObject({ severity: "warning", bytes: 2 * MiB, layers: [1] });
    expect(byId("cache-pip")).toMatchObject({ severity: "info", bytes: 1000 });
    expect(byId("cache-pip").fix).toContain("--no-cache-dir");
    expect(byId("cache-apk").fix).toContain("--no-cache");
    expect(byId("cache-yarn").bytes).toBe(10);
    const dnf = byId("cache-dnf-yum");
    expect(dnf.paths).toHaveLength(MAX_PATHS);
    expect(dnf.paths[0]).toBe("var/cache/dnf/packages/p29.rpm"); // largest first
    expect(dnf.detail).toContain("30 files");
  });

  it("reports files deleted or overwritten by a later layer as wasted bytes", () => {
    expect(byId("removed-in-later-layer")).toMatchObject({
      severity: "warning",
      bytes: 20 * MiB + 2600,
      paths: ["build/big.tar", "root/.ssh/id_rsa"],
      layers: [1],
    });
    expect(byId("overwritten-in-later-layer")).toMatchObject({ severity: "info", bytes: 100, paths: ["app/config.json"], layers: [1] });
  });

  it("flags secret-looking files by name, even when a later layer deletes them, and skips public certificates", () => {
    const secrets = byId("secret-files");
    expect(secrets.severity).toBe("critical");
    expect([...secrets.paths].sort()).toEqual([
      "app/.npmrc",
      "app/server.key",
      "app/tls/tls.pem",
      "root/.aws/credentials",
      "root/.ssh/id_rsa",
    ]);
    expect(secrets.layers).toEqual([1]);
    expect(secrets.detail).toContain("1 of them are deleted or replaced by a later layer");
  });

  it("names secret-looking variables and build arguments without ever echoing their values", () => {
    expect(byId("secret-env").detail).toContain("DB_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY");
    expect(byId("secret-env").detail).not.toMatch(/POSTGRES_PASSWORD_FILE|EMPTY_TOKEN|GPG_KEY/);
    expect(byId("secret-build-args")).toMatchObject({ severity: "critical", layers: [1] });
    expect(byId("secret-build-args").detail).toContain("NPM_TOKEN");
    const text = JSON.stringify(all);
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
  });

  it("flags ADD from a URL, showing the URL without credentials or query", () => {
    const add = byId("add-remote-url");
    expect(add.detail).toContain("https://example.com/tool.tgz");
    expect(add.layers).toEqual([2]); // third layer-producing step
  });

  it("flags running as root for no USER, root, 0 and 0:0, not for a named or numeric user", () => {
    const rootFor = (user: string | null) =>
      findings({ config: { ...config, user }, merge: mergeLayers([]) }).some((f) => f.id === "runs-as-root");
    expect([null, "", "root", "0", "0:0", "root:root"].map(rootFor)).toEqual([true, true, true, true, true, true]);
    expect(["node", "10001", "10001:10001", "app:root"].map(rootFor)).toEqual([false, false, false, false]);
  });

  it("flags more than 50 layers", () => {
    const image = (n: number) => mergeLayers(Array.from({ length: n }, (_, i) => ({ digest: `sha256:${i}`, entries: [] })));
    const quiet: Config = { user: "app", env: [], history: [] };
    expect(findings({ config: quiet, merge: image(50) })).toEqual([]);
    expect(findings({ config: quiet, merge: image(51) }).map((f) => [f.id, f.title])).toEqual([["many-layers", "51 layers"]]);
  });
});
