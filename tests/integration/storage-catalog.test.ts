// The storage-root reader against a hostile root: symlinks, a FIFO, a directory and an oversized
// file where a tag's link should be, invalid names. None of them may be followed, block or count.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { storageCatalog, storageTagDigests } from "@/lib/storage/catalog";

const root = mkdtempSync(path.join(os.tmpdir(), "layerscope-catalog-"));
const repos = path.join(root, "docker/registry/v2/repositories");
const digest = `sha256:${"b".repeat(64)}`;

function tag(repo: string, name: string, content: string) {
  mkdirSync(path.join(repos, repo, "_manifests/tags", name, "current"), { recursive: true });
  writeFileSync(path.join(repos, repo, "_manifests/tags", name, "current/link"), content);
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("storage catalog", () => {
  mkdirSync(path.join(repos, "team/app/_layers"), { recursive: true });
  tag("team/app", "v1", digest);
  tag("team/app", "v2", ` ${digest}\n`);
  tag("team/app", "bad-digest", "sha256:xyz");
  tag("team/app", "too-long", `${digest}${" ".repeat(600)}`);
  // a link that is a symlink to a file outside the root, a FIFO, a directory
  const outside = path.join(os.tmpdir(), `layerscope-outside-${process.pid}`);
  writeFileSync(outside, digest);
  mkdirSync(path.join(repos, "team/app/_manifests/tags/linked/current"), { recursive: true });
  symlinkSync(outside, path.join(repos, "team/app/_manifests/tags/linked/current/link"));
  mkdirSync(path.join(repos, "team/app/_manifests/tags/fifo/current"), { recursive: true });
  execFileSync("mkfifo", [path.join(repos, "team/app/_manifests/tags/fifo/current/link")]);
  mkdirSync(path.join(repos, "team/app/_manifests/tags/dir/current/link"), { recursive: true });
  // a tag whose current folder is a symlink to a folder outside holding a valid link
  mkdirSync(path.join(root, "outside-current"), { recursive: true });
  writeFileSync(path.join(root, "outside-current/link"), digest);
  mkdirSync(path.join(repos, "team/app/_manifests/tags/hop"), { recursive: true });
  symlinkSync(path.join(root, "outside-current"), path.join(repos, "team/app/_manifests/tags/hop/current"));
  // a repository reached only through a symlinked directory, one without _layers, an invalid name
  mkdirSync(path.join(root, "elsewhere/_layers"), { recursive: true });
  symlinkSync(path.join(root, "elsewhere"), path.join(repos, "team/sneaky"));
  mkdirSync(path.join(repos, "team/uploads-only/_uploads"), { recursive: true });
  mkdirSync(path.join(repos, "Bad..Name/_layers"), { recursive: true });

  it("lists repositories holding _layers, never through a symlink or with an invalid name", async () => {
    expect(await storageCatalog(root)).toEqual(["team/app"]);
  });

  it("reads only well-formed regular link files, without blocking on a FIFO", async () => {
    const tags = await storageTagDigests(root, "team/app");
    expect(Object.fromEntries(tags ?? [])).toEqual({ v1: digest, v2: digest });
    rmSync(outside, { force: true });
  });

  it("answers null for a repository the root does not hold", async () => {
    expect(await storageTagDigests(root, "team/sneaky")).toBeNull();
    expect(await storageTagDigests(root, "no/such")).toBeNull();
    expect(await storageTagDigests(root, "../../etc")).toBeNull();
  });
});
