// The storage view read against a real registry's storage root: two repositories sharing a layer, nested
// repositories, an unfinished upload, repositories emptied by DELETE and a real `garbage-collect`, an orphaned
// blob; then removal of empty repositories with the registry stopped. A generated 5,000-blob layout checks
// scale, symlinks, abort and progress.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import {
  blobDataPath,
  layerLinkPath,
  manifestRevisionLinkPath,
  REPOSITORIES_DIR,
  repositoryDir,
  tagCurrentLinkPath,
  tagIndexLinkPath,
} from "../../lib/storage/layout";
import { locateBlob, locateManifest } from "../../lib/storage/locate";
import { removeEmptyRepository } from "../../lib/storage/remove";
import { type RepositoryStorage, type ScanProgress, scanStorage } from "../../lib/storage/scan";
import { type BlobData, blobOf, type Layer, makeLayer, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { REPO_ROOT, type RunningRegistry, startRegistry } from "../fixtures/registry";

const execFileAsync = promisify(execFile);
const TIMEOUT = { timeout: 120_000 };

/** Regular files below `dir` (lstat, symlinks not followed), like `find -type f` with `du -b` sizes. */
function filesUnder(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const abs = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(abs);
      else if (entry.isFile()) out.push({ path: abs, size: lstatSync(abs).size });
    }
  }
  return out;
}

const sumSizes = (files: { size: number }[]) => files.reduce((sum, f) => sum + f.size, 0);

async function caught(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected the call to throw an AppError");
}

function config(name: string) {
  return { architecture: "amd64", os: "linux", created: "2024-03-01T00:00:00Z", labels: { repository: name } };
}

describe("storage view of a real registry", () => {
  let registry: RunningRegistry;
  let pusher: RegistryPusher;
  let root: string;
  let layers: Record<"shared" | "alpha" | "beta" | "app" | "api" | "old", Layer>;
  let alpha: PushedManifest;
  let beta: PushedManifest;
  let teamApp: PushedManifest;
  let teamApi: PushedManifest;
  let old: PushedManifest;
  let loose: BlobData;
  let uploadUuid: string;
  const uploadChunk = Buffer.from("the first chunk of an upload nobody finished\n".repeat(20));
  let uploadStartedAround: number;
  let gcStdout: string;
  const abs = (relative: string) => path.join(root, relative);

  beforeAll(async () => {
    registry = await startRegistry();
    root = registry.rootDir;
    pusher = new RegistryPusher(registry.url);
    const layer = (key: string) => makeLayer([{ path: `opt/${key}/file.txt`, content: `content of the ${key} layer\n`.repeat(50) }]);
    layers = {
      shared: await layer("shared"),
      alpha: await layer("alpha"),
      beta: await layer("beta"),
      app: await layer("app"),
      api: await layer("api"),
      old: await layer("old"),
    };
    alpha = await pusher.pushImage("alpha", ["v1", "latest"], { layers: [layers.shared, layers.alpha], config: config("alpha") });
    beta = await pusher.pushImage("beta", ["v1"], { layers: [layers.shared, layers.beta], config: config("beta") });
    teamApp = await pusher.pushImage("team/app", ["v1"], { layers: [layers.shared, layers.app], config: config("team/app") });
    teamApi = await pusher.pushImage("team/app/api", ["v1"], { layers: [layers.api], config: config("team/app/api") });
    old = await pusher.pushImage("ns/deep/old", ["v1"], { layers: [layers.old], config: config("ns/deep/old") });

    // An upload that is started, gets one chunk, and is never finished.
    uploadStartedAround = Date.now();
    const start = await pusher.request("/v2/alpha/blobs/uploads/", { method: "POST" });
    expect(start.status).toBe(202);
    await start.arrayBuffer();
    uploadUuid = start.headers.get("docker-upload-uuid") ?? "";
    expect(uploadUuid).not.toBe("");
    const patch = await pusher.request(new URL(start.headers.get("location") ?? "", `${registry.url}/`).toString(), {
      method: "PATCH",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(uploadChunk),
    });
    expect(patch.status).toBe(202);
    await patch.arrayBuffer();

    // Two repositories lose their only tag; the garbage collector then deletes what only they referenced.
    await pusher.deleteManifest("team/app", teamApp.digest);
    await pusher.deleteManifest("ns/deep/old", old.digest);
    await registry.stop();
    gcStdout = (await execFileAsync(registry.binaryPath, ["garbage-collect", registry.configPath])).stdout;
    await registry.start();

    // An orphan: a blob pushed into beta, whose _layers link is then deleted (registry stopped again).
    loose = blobOf("a blob pushed without any manifest\n");
    await pusher.pushBlob("beta", loose.blob);
    await registry.stop();
    await rm(path.dirname(abs(layerLinkPath("beta", loose.digest))), { recursive: true });
    await registry.start();
  }, 180_000);

  afterAll(async () => {
    await registry?.destroy();
  });

  it("garbage-collect deleted the blobs only the emptied repositories referenced", () => {
    expect(gcStdout).toMatch(/, 6 blobs and \d+ manifests eligible for deletion/);
    for (const digest of [teamApp.digest, teamApp.configDigest, layers.app.digest, old.digest, old.configDigest, layers.old.digest]) {
      expect(gcStdout).toContain(`blob eligible for deletion: ${digest}`);
      expect(existsSync(abs(blobDataPath(digest)))).toBe(false);
    }
  });

  it("counts blobs, bytes and every repository exactly", TIMEOUT, async () => {
    const scan = await scanStorage(root);
    const everyFile = filesUnder(path.join(root, "docker"));
    const blobFiles = filesUnder(path.join(root, "docker/registry/v2/blobs"));
    expect(scan.totalBytes).toBe(sumSizes(everyFile));
    expect(scan.files).toBe(everyFile.length);

    const size = new Map<string, number>();
    const add = (m: PushedManifest) => {
      size.set(m.digest, m.size);
      size.set(m.configDigest, m.configSize);
      for (const l of m.layers) size.set(l.digest, l.size);
    };
    for (const m of [alpha, beta, teamApi]) add(m);
    size.set(loose.digest, loose.size);
    const surviving = [...size.values()];
    expect(scan.blobs).toEqual({ count: surviving.length, bytes: sumSizes(surviving.map((s) => ({ size: s }))) });
    expect(scan.blobs).toEqual({ count: blobFiles.length, bytes: sumSizes(blobFiles) });
    expect(scan.blobs.count).toBe(11);

    const linked = (...digests: string[]) => digests.reduce((sum, d) => sum + (size.get(d) ?? 0), 0);
    const uploadFiles = filesUnder(abs(`${repositoryDir("alpha")}/_uploads/${uploadUuid}`));
    expect(uploadFiles.find((f) => f.path.endsWith("/data"))?.size).toBe(uploadChunk.length);
    const expected: RepositoryStorage[] = [
      {
        name: "alpha",
        manifests: 1,
        tags: 2,
        layerLinks: 3,
        linkedBytes: linked(alpha.digest, alpha.configDigest, layers.shared.digest, layers.alpha.digest),
        missingBlobs: 0,
        uploads: { count: 1, bytes: sumSizes(uploadFiles) },
        empty: false,
      },
      {
        name: "beta",
        manifests: 1,
        tags: 1,
        layerLinks: 3,
        linkedBytes: linked(beta.digest, beta.configDigest, layers.shared.digest, layers.beta.digest),
        missingBlobs: 0,
        uploads: { count: 0, bytes: 0 },
        empty: false,
      },
      // Deleted manifest: no revision link, no tag; its layer links survive the GC, pointing at deleted blobs.
      {
        name: "ns/deep/old",
        manifests: 0,
        tags: 0,
        layerLinks: 2,
        linkedBytes: 0,
        missingBlobs: 2,
        uploads: { count: 0, bytes: 0 },
        empty: true,
      },
      {
        name: "team/app",
        manifests: 0,
        tags: 0,
        layerLinks: 3,
        linkedBytes: linked(layers.shared.digest),
        missingBlobs: 2,
        uploads: { count: 0, bytes: 0 },
        empty: true,
      },
      {
        name: "team/app/api",
        manifests: 1,
        tags: 1,
        layerLinks: 2,
        linkedBytes: linked(teamApi.digest, teamApi.configDigest, layers.api.digest),
        missingBlobs: 0,
        uploads: { count: 0, bytes: 0 },
        empty: false,
      },
    ];
    expect(scan.repositories).toEqual(expected);
    expect(scan.emptyRepositories).toEqual(["ns/deep/old", "team/app"]);
    expect(scan.orphanedBlobs).toEqual([{ digest: loose.digest, bytes: loose.size, path: abs(blobDataPath(loose.digest)), linkedBy: 0 }]);
    expect(scan.skipped).toEqual([]);

    expect(scan.uploads).toHaveLength(1);
    const upload = scan.uploads[0];
    expect(upload).toMatchObject({
      repository: "alpha",
      uuid: uploadUuid,
      bytes: sumSizes(uploadFiles),
      path: abs(`${repositoryDir("alpha")}/_uploads/${uploadUuid}`),
    });
    // startedat has one-second precision
    expect(Math.abs(Date.parse(upload?.startedAt ?? "") - uploadStartedAround)).toBeLessThan(5_000);
    console.info(`scan of the real registry: ${scan.files} files, ${scan.directories} directories in ${scan.durationMs} ms`);
  });

  it("locates a shared layer in every repository that links it", TIMEOUT, async () => {
    const location = await locateBlob(root, layers.shared.digest);
    expect(location).toEqual({
      digest: layers.shared.digest,
      blob: { path: abs(blobDataPath(layers.shared.digest)), bytes: layers.shared.size },
      links: ["alpha", "beta", "team/app"].map((repository) => ({
        repository,
        kind: "layer",
        path: abs(layerLinkPath(repository, layers.shared.digest)),
      })),
    });
  });

  it("locates a manifest blob through its revision link, and finds dangling links and orphans", TIMEOUT, async () => {
    expect((await locateBlob(root, alpha.digest)).links).toEqual([
      { repository: "alpha", kind: "manifest-revision", path: abs(manifestRevisionLinkPath("alpha", alpha.digest)) },
    ]);
    expect(await locateBlob(root, layers.app.digest)).toEqual({
      digest: layers.app.digest,
      blob: null,
      links: [{ repository: "team/app", kind: "layer", path: abs(layerLinkPath("team/app", layers.app.digest)) }],
    });
    expect(await locateBlob(root, loose.digest)).toEqual({
      digest: loose.digest,
      blob: { path: abs(blobDataPath(loose.digest)), bytes: loose.size },
      links: [],
    });
  });

  it("locates a tagged manifest with its tags and tag history", TIMEOUT, async () => {
    expect(await locateManifest(root, "alpha", alpha.digest)).toEqual({
      repository: "alpha",
      digest: alpha.digest,
      repositoryPath: abs(repositoryDir("alpha")),
      revisionLink: abs(manifestRevisionLinkPath("alpha", alpha.digest)),
      blob: { path: abs(blobDataPath(alpha.digest)), bytes: alpha.size },
      tags: ["latest", "v1"].map((tag) => ({ tag, currentLink: abs(tagCurrentLinkPath("alpha", tag)) })),
      tagHistory: ["latest", "v1"].map((tag) => ({ tag, indexLink: abs(tagIndexLinkPath("alpha", tag, alpha.digest)), current: true })),
    });
  });

  it("reports nothing on disk for a deleted manifest or a missing repository, and refuses hostile input", TIMEOUT, async () => {
    expect(await locateManifest(root, "team/app", teamApp.digest)).toMatchObject({
      repositoryPath: abs(repositoryDir("team/app")),
      revisionLink: null,
      blob: null,
      tags: [],
      tagHistory: [],
    });
    expect(await locateManifest(root, "nope", alpha.digest)).toMatchObject({ repositoryPath: null, revisionLink: null, tags: [] });
    expect((await caught(locateManifest(root, "../alpha", alpha.digest))).code).toBe("bad_request");
    expect((await caught(locateBlob(root, "sha256:../../etc/passwd"))).code).toBe("bad_request");
  });

  it("removes empty repositories only when the registry is stopped, never one with tags", TIMEOUT, async () => {
    const oldDir = abs(repositoryDir("ns/deep/old"));
    const refusedWritable = await caught(removeEmptyRepository(root, "ns/deep/old", { registryWritable: true }));
    expect(refusedWritable.code).toBe("conflict");
    expect(refusedWritable.details).toMatchObject({ reason: "registry_writable" });
    expect(existsSync(oldDir)).toBe(true);

    await registry.stop();
    const refusedTags = await caught(removeEmptyRepository(root, "alpha", { registryWritable: false }));
    expect(refusedTags.code).toBe("conflict");
    expect(refusedTags.details).toMatchObject({ reason: "has_tags", tags: ["latest", "v1"] });
    for (const hostile of ["../x", "a/../../b", "/etc", "ns/deep/../../../x", "Alpha", "ns/deep/old/"]) {
      expect((await caught(removeEmptyRepository(root, hostile, { registryWritable: false }))).code).toBe("bad_request");
    }
    expect((await caught(removeEmptyRepository(root, "nope", { registryWritable: false }))).code).toBe("not_found");
    expect((await caught(removeEmptyRepository(root, "ns/deep", { registryWritable: false }))).code).toBe("not_found");

    const linkFiles = filesUnder(oldDir);
    const removedOld = await removeEmptyRepository(root, "ns/deep/old", { registryWritable: false });
    expect(removedOld).toEqual({
      repository: "ns/deep/old",
      path: oldDir,
      removed: [oldDir],
      removedNamespaces: ["ns/deep", "ns"],
      keptNested: [],
      files: linkFiles.length,
      bytes: sumSizes(linkFiles),
    });
    expect(existsSync(abs(`${REPOSITORIES_DIR}/ns`))).toBe(false);
    expect(existsSync(abs(REPOSITORIES_DIR))).toBe(true);

    // team/app/api lives inside team/app's directory: only team/app's own folders go.
    const appDir = abs(repositoryDir("team/app"));
    const removedApp = await removeEmptyRepository(root, "team/app", { registryWritable: false });
    expect(removedApp.removed).toEqual(["_layers", "_manifests", "_uploads"].map((f) => path.join(appDir, f)));
    expect(removedApp.keptNested).toEqual(["team/app/api"]);
    expect(removedApp.removedNamespaces).toEqual([]);
    expect(existsSync(abs(tagCurrentLinkPath("team/app/api", "v1")))).toBe(true);

    const after = await scanStorage(root);
    expect(after.repositories.map((r) => r.name)).toEqual(["alpha", "beta", "team/app/api"]);
    expect(after.emptyRepositories).toEqual([]);
    expect(after.orphanedBlobs.map((b) => b.digest)).toEqual([loose.digest]);

    await registry.start();
    const catalog = await pusher.request("/v2/_catalog");
    expect(await catalog.json()).toEqual({ repositories: ["alpha", "beta", "team/app/api"] });
    for (const [repository, manifest] of [
      ["alpha", alpha],
      ["beta", beta],
      ["team/app/api", teamApi],
    ] as const) {
      const fetched = await pusher.fetchManifest(repository, "v1");
      expect(fetched.status).toBe(200);
      expect(fetched.digest).toBe(manifest.digest);
    }
    const blob = await pusher.request(`/v2/beta/blobs/${layers.shared.digest}`);
    expect(blob.status).toBe(200);
    expect(Buffer.from(await blob.arrayBuffer()).equals(layers.shared.blob)).toBe(true);
    const gone = await pusher.request("/v2/ns/deep/old/tags/list");
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
  });
});

describe("storage view of a generated 5,000-blob layout", () => {
  const BLOBS = 5_000;
  const REPOSITORIES = 50;
  const PER_REPOSITORY = 98; // repositories link blobs 0…4899; the last 100 are linked by none
  let root: string;
  let outside: string;
  const blobs: { digest: string; size: number }[] = [];

  const write = async (relative: string, content: string | Buffer) => {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  };
  const inBatches = async (count: number, fn: (i: number) => Promise<void>) => {
    for (let start = 0; start < count; start += 64) {
      await Promise.all(Array.from({ length: Math.min(64, count - start) }, (_, k) => fn(start + k)));
    }
  };
  const repoName = (r: number) => `fake/r${String(r).padStart(2, "0")}`;
  const linkedBy = (r: number) => new Set([0, ...Array.from({ length: PER_REPOSITORY }, (_, k) => r * PER_REPOSITORY + k)]);

  beforeAll(async () => {
    const parent = path.join(REPO_ROOT, ".tmp");
    await mkdir(parent, { recursive: true });
    root = await mkdtemp(path.join(parent, "storage-scan-"));
    outside = await mkdtemp(path.join(parent, "storage-outside-"));
    for (let i = 0; i < BLOBS; i++) {
      const content = `blob ${i}\n${"x".repeat(i % 97)}`;
      blobs.push({ digest: `sha256:${createHash("sha256").update(content).digest("hex")}`, size: Buffer.byteLength(content) });
    }
    await inBatches(BLOBS, async (i) => {
      const content = `blob ${i}\n${"x".repeat(i % 97)}`;
      await write(blobDataPath(blobs[i]?.digest ?? ""), content);
    });
    await inBatches(REPOSITORIES, async (r) => {
      const name = repoName(r);
      for (const i of linkedBy(r)) {
        const digest = blobs[i]?.digest ?? "";
        await write(layerLinkPath(name, digest), digest);
      }
      const manifest = blobs[r * PER_REPOSITORY]?.digest ?? "";
      await write(manifestRevisionLinkPath(name, manifest), manifest);
      if (r % 2 === 0) await write(tagCurrentLinkPath(name, "latest"), manifest);
    });

    // Symlinks out of the root: a whole repository, and a namespace holding one. Neither is followed.
    const orphan = blobs[BLOBS - 1]?.digest ?? "";
    await mkdir(path.join(outside, "evil/_layers/sha256", orphan.slice(7)), { recursive: true });
    await writeFile(path.join(outside, "evil/_layers/sha256", orphan.slice(7), "link"), orphan);
    await mkdir(path.join(outside, "ns/old/_layers"), { recursive: true });
    await symlink(path.join(outside, "evil"), path.join(root, REPOSITORIES_DIR, "evil"));
    await symlink(path.join(outside, "ns"), path.join(root, REPOSITORIES_DIR, "ns2"));
  }, 180_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    if (outside) await rm(outside, { recursive: true, force: true });
  });

  it("scans 5,000 blobs and 50 repositories in one pass with exact numbers", TIMEOUT, async () => {
    const progress: ScanProgress[] = [];
    // The walk is synchronous in short slices: timers still fire while it runs.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const scan = await scanStorage(root, { onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(Math.min(10, elapsed / 50));
    console.info(
      `scanStorage: ${BLOBS} blobs, ${REPOSITORIES} repositories, ${scan.files} files, ${scan.directories} directories in ${elapsed.toFixed(0)} ms`,
    );

    expect(scan.blobs).toEqual({ count: BLOBS, bytes: sumSizes(blobs) });
    expect(scan.totalBytes).toBe(sumSizes(filesUnder(path.join(root, "docker"))));
    expect(scan.repositories).toHaveLength(REPOSITORIES);
    for (const [r, repo] of scan.repositories.entries()) {
      const linked = linkedBy(r);
      expect(repo).toEqual({
        name: repoName(r),
        manifests: 1,
        tags: r % 2 === 0 ? 1 : 0,
        layerLinks: linked.size,
        linkedBytes: [...linked].reduce((sum, i) => sum + (blobs[i]?.size ?? 0), 0),
        missingBlobs: 0,
        uploads: { count: 0, bytes: 0 },
        empty: r % 2 === 1,
      });
    }
    expect(scan.emptyRepositories).toHaveLength(REPOSITORIES / 2);
    // GC's rule, not the links: the revision-linked "manifests" are kept, and (their bytes not being manifests)
    // reference nothing, so every other blob is an orphan, linked under _layers or not
    const revisions = new Set(Array.from({ length: REPOSITORIES }, (_, r) => r * PER_REPOSITORY));
    const orphans = blobs.filter((_, i) => !revisions.has(i));
    expect(scan.orphanedBlobs.map((b) => b.digest).sort()).toEqual(orphans.map((b) => b.digest).sort());
    expect(scan.referencedBlobs).toBe(REPOSITORIES);
    expect(scan.orphanedBlobs.filter((b) => b.linkedBy > 0)).toHaveLength(REPOSITORIES * PER_REPOSITORY - REPOSITORIES);
    expect(scan.skipped).toEqual([
      { path: path.join(root, REPOSITORIES_DIR, "evil"), reason: "symlink" },
      { path: path.join(root, REPOSITORIES_DIR, "ns2"), reason: "symlink" },
    ]);

    // One pass: every directory listed once (blobs/, the fan-out and blob folders, repositories and their links).
    expect(scan.directories).toBe(countDirectories(path.join(root, "docker")));
    expect(progress.at(-1)).toMatchObject({ phase: "done", blobs: BLOBS, repositories: REPOSITORIES });
    expect(progress.map((p) => p.phase)).toContain("repositories");
    expect(progress.map((p) => p.phase)).toContain("manifests");
  });

  it("stops when the signal aborts", TIMEOUT, async () => {
    const before = new AbortController();
    before.abort();
    await expect(scanStorage(root, { signal: before.signal })).rejects.toThrow();

    const during = new AbortController();
    const result = scanStorage(root, {
      signal: during.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.blobs > 1000) during.abort(new Error("stop here"));
      },
    });
    await expect(result).rejects.toThrow("stop here");
  });

  it("refuses to remove through a symbolic link and leaves the target alone", TIMEOUT, async () => {
    const evil = await caught(removeEmptyRepository(root, "evil", { registryWritable: false }));
    expect(evil.code).toBe("conflict");
    expect(evil.details).toMatchObject({ reason: "unsafe_path" });
    const nested = await caught(removeEmptyRepository(root, "ns2/old", { registryWritable: false }));
    expect(nested.code).toBe("conflict");
    expect(existsSync(path.join(outside, "evil/_layers"))).toBe(true);
    expect(existsSync(path.join(outside, "ns/old/_layers"))).toBe(true);
  });

  it("answers not_found for a missing root and an empty scan for a root the registry never wrote to", TIMEOUT, async () => {
    expect((await caught(scanStorage(path.join(root, "missing")))).code).toBe("not_found");
    const scan = await scanStorage(outside);
    expect(scan).toMatchObject({ totalBytes: 0, blobs: { count: 0, bytes: 0 }, repositories: [], orphanedBlobs: [], uploads: [] });
  });
});

function countDirectories(dir: string): number {
  let count = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    count++;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) stack.push(path.join(current, entry.name));
    }
  }
  return count;
}
