import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import {
  blobDataPath,
  classifyBlobFile,
  classifyRepositoryFile,
  digestHex,
  isInside,
  layerLinkPath,
  manifestRevisionLinkPath,
  parseLinkContent,
  repositoryDir,
  resolveInRoot,
  tagCurrentLinkPath,
  tagIndexLinkPath,
  uploadsDir,
} from "../../../lib/storage/layout";
import { sha } from "../oci/fixtures";

const HEX = "ab".repeat(32);
const DIGEST = `sha256:${HEX}`;
const ROOT = "/var/lib/registry";

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}

function expectBadRequest(fn: () => unknown): void {
  const e = caught(fn);
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe("bad_request");
  expect((e as AppError).status).toBe(400);
}

describe("storage layout paths", () => {
  it("puts blob data under a two-character fan-out folder", () => {
    expect(blobDataPath(DIGEST)).toBe(`docker/registry/v2/blobs/sha256/ab/${HEX}/data`);
    expect(blobDataPath(sha("0"))).toBe(`docker/registry/v2/blobs/sha256/00/${"0".repeat(64)}/data`);
  });

  it("builds the repository paths the registry writes", () => {
    expect(repositoryDir("team/app/api")).toBe("docker/registry/v2/repositories/team/app/api");
    expect(manifestRevisionLinkPath("library/nginx", DIGEST)).toBe(
      `docker/registry/v2/repositories/library/nginx/_manifests/revisions/sha256/${HEX}/link`,
    );
    expect(layerLinkPath("nginx", DIGEST)).toBe(`docker/registry/v2/repositories/nginx/_layers/sha256/${HEX}/link`);
    expect(tagCurrentLinkPath("nginx", "1.27-alpine")).toBe(
      "docker/registry/v2/repositories/nginx/_manifests/tags/1.27-alpine/current/link",
    );
    expect(tagIndexLinkPath("nginx", "latest", DIGEST)).toBe(
      `docker/registry/v2/repositories/nginx/_manifests/tags/latest/index/sha256/${HEX}/link`,
    );
    expect(uploadsDir("a/b")).toBe("docker/registry/v2/repositories/a/b/_uploads");
  });

  it("resolves helper paths to absolute paths under the root", () => {
    expect(resolveInRoot(ROOT, blobDataPath(DIGEST))).toBe(`${ROOT}/docker/registry/v2/blobs/sha256/ab/${HEX}/data`);
    expect(resolveInRoot(`${ROOT}/`, repositoryDir("a"))).toBe(`${ROOT}/docker/registry/v2/repositories/a`);
  });
});

describe("hostile input never becomes a path", () => {
  it.each([
    ["../x", "parent directory"],
    ["a/../../b", "parent directory in the middle"],
    ["a/../b", "collapsing parent"],
    ["./a", "current directory"],
    ["/etc/passwd", "absolute"],
    ["/", "root"],
    ["a//b", "empty component"],
    ["a/", "trailing slash"],
    ["", "empty"],
    ["café", "non-ASCII"],
    ["ｎｇｉｎｘ", "full-width letters"],
    ["a/\u2025/b", "two-dot leader"],
    ["Nginx", "uppercase"],
    ["team/App", "uppercase component"],
    ["a\\..\\b", "backslashes"],
    ["a\0b", "NUL"],
    ["a/_manifests", "component starting with an underscore"],
    ["%2e%2e/x", "percent-encoded dots"],
    ["a".repeat(256), "longer than 255"],
  ])("rejects repository name %j (%s)", (name) => {
    expectBadRequest(() => repositoryDir(name));
    expectBadRequest(() => layerLinkPath(name, DIGEST));
    expectBadRequest(() => manifestRevisionLinkPath(name, DIGEST));
    expectBadRequest(() => tagCurrentLinkPath(name, "latest"));
    expectBadRequest(() => uploadsDir(name));
  });

  it.each([
    ["sha256:../../../../etc", "path in the digest"],
    [`sha256:${"A".repeat(64)}`, "uppercase hex"],
    [`sha256:${"a".repeat(63)}`, "63 characters"],
    [`sha256:${"a".repeat(65)}`, "65 characters"],
    [`sha512:${"a".repeat(128)}`, "an algorithm the filesystem driver does not use"],
    [HEX, "no algorithm"],
    [`sha256:${HEX}/../x`, "suffix"],
    ["", "empty"],
  ])("rejects digest %j (%s)", (digest) => {
    expectBadRequest(() => blobDataPath(digest));
    expectBadRequest(() => digestHex(digest));
    expectBadRequest(() => layerLinkPath("a", digest));
  });

  it.each([
    ["..", "parent"],
    [".", "current"],
    ["a/b", "slash"],
    ["-x", "leading dash"],
    ["a".repeat(129), "too long"],
  ])("rejects tag %j (%s)", (tag) => {
    expectBadRequest(() => tagCurrentLinkPath("a", tag));
  });

  it("refuses relative paths that resolve outside the root", () => {
    expectBadRequest(() => resolveInRoot(ROOT, "../etc/passwd"));
    expectBadRequest(() => resolveInRoot(ROOT, "docker/../../x"));
    expectBadRequest(() => resolveInRoot(ROOT, "/etc/passwd"));
    expectBadRequest(() => resolveInRoot(ROOT, "a\0b"));
    expect(resolveInRoot(ROOT, "docker/./registry")).toBe(`${ROOT}/docker/registry`);
  });

  it("keeps every path built from any string under the root, or throws bad_request", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 }), (name, tag) => {
        for (const build of [() => repositoryDir(name), () => tagCurrentLinkPath(name, tag), () => layerLinkPath(name, DIGEST)]) {
          let rel: string;
          try {
            rel = build();
          } catch (e) {
            expect(e).toBeInstanceOf(AppError);
            continue;
          }
          const abs = path.resolve(ROOT, rel);
          expect(isInside(path.join(ROOT, "docker/registry/v2/repositories"), abs)).toBe(true);
          expect(rel.split("/")).not.toContain("..");
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("isInside", () => {
  it("treats a sibling with a common prefix as outside", () => {
    expect(isInside("/r/repositories", "/r/repositories-evil/x")).toBe(false);
    expect(isInside("/r/repositories", "/r/repositories/x")).toBe(true);
    expect(isInside("/r/repositories", "/r/repositories")).toBe(true);
    expect(isInside("/r/repositories", "/r")).toBe(false);
  });
});

describe("link files and classification", () => {
  it("reads the digest a link file holds", () => {
    expect(parseLinkContent(DIGEST)).toBe(DIGEST);
    expect(parseLinkContent(`${DIGEST}\n`)).toBe(DIGEST);
    expect(parseLinkContent("sha256:nope")).toBeNull();
    expect(parseLinkContent("")).toBeNull();
  });

  it("classifies the files inside a repository directory", () => {
    expect(classifyRepositoryFile(["_layers", "sha256", HEX, "link"])).toEqual({ kind: "layer-link", hex: HEX });
    expect(classifyRepositoryFile(["_manifests", "revisions", "sha256", HEX, "link"])).toEqual({ kind: "revision-link", hex: HEX });
    expect(classifyRepositoryFile(["_manifests", "tags", "v1", "current", "link"])).toEqual({ kind: "tag-current-link", tag: "v1" });
    expect(classifyRepositoryFile(["_manifests", "tags", "v1", "index", "sha256", HEX, "link"])).toEqual({
      kind: "tag-index-link",
      tag: "v1",
      hex: HEX,
    });
    expect(classifyRepositoryFile(["_uploads", "u-1", "hashstates", "sha256", "0"])).toEqual({
      kind: "upload-file",
      uuid: "u-1",
      file: "hashstates/sha256/0",
    });
    expect(classifyRepositoryFile(["_layers", "sha256", "xyz", "link"])).toEqual({ kind: "other" });
    expect(classifyRepositoryFile(["_layers", "sha256", HEX, "link", "extra"])).toEqual({ kind: "other" });
    expect(classifyRepositoryFile(["_uploads", "stray-file"])).toEqual({ kind: "other" });
  });

  it("recognises blob data only in its own fan-out folder", () => {
    expect(classifyBlobFile(["sha256", "ab", HEX, "data"])).toBe(HEX);
    expect(classifyBlobFile(["sha256", "cd", HEX, "data"])).toBeNull();
    expect(classifyBlobFile(["sha256", "ab", HEX, "data.tmp"])).toBeNull();
    expect(classifyBlobFile(["sha512", "ab", HEX, "data"])).toBeNull();
  });
});
