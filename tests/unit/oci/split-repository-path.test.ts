import { describe, expect, it } from "vitest";
import { InvalidReferenceError, splitRepositoryPath } from "../../../lib/oci/reference";

const API = { tags: 0, manifests: 1, compare: 0, blobs: 1 };

describe("splitRepositoryPath", () => {
  it("splits name, marker and the segments after the marker", () => {
    expect(splitRepositoryPath(["library", "nginx", "manifests", "latest"], { manifests: 1 })).toEqual({
      name: "library/nginx",
      marker: "manifests",
      rest: ["latest"],
    });
  });

  it("recognises a marker with nothing after it", () => {
    expect(splitRepositoryPath(["team", "app", "tags"], API)).toEqual({ name: "team/app", marker: "tags", rest: [] });
  });

  it("lets a repository be named after a marker word by taking the right-most marker", () => {
    expect(splitRepositoryPath(["team", "tags", "tags"], { tags: 0 })).toEqual({
      name: "team/tags",
      marker: "tags",
      rest: [],
    });
  });

  it("treats a marker word followed by the wrong number of segments as part of the name", () => {
    // "manifests" needs exactly one segment after it, so the last "manifests" is the marker
    expect(splitRepositoryPath(["manifests", "manifests", "manifests", "v1"], API)).toEqual({
      name: "manifests/manifests",
      marker: "manifests",
      rest: ["v1"],
    });
    // "tags" needs none, so a "tags" with one segment after it is not a marker
    expect(splitRepositoryPath(["org", "tags", "x"], API)).toEqual({ name: "org/tags/x", marker: null, rest: [] });
  });

  it("keeps a digest with its colon as the segment after the marker", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(splitRepositoryPath(["app", "manifests", digest], API)).toEqual({
      name: "app",
      marker: "manifests",
      rest: [digest],
    });
  });

  it("skips a marker position that would leave an invalid name and tries further left", () => {
    // "Tags" is not a valid name component, so the right-most "tags" cannot be the marker…
    expect(splitRepositoryPath(["Tags", "tags"], { tags: 0 })).toEqual({ name: "Tags/tags", marker: null, rest: [] });
    // …and the marker is never the first segment, because the name must be non-empty
    expect(splitRepositoryPath(["tags"], { tags: 0 })).toEqual({ name: "tags", marker: null, rest: [] });
  });

  it("returns the whole path as the name when no marker matches", () => {
    expect(splitRepositoryPath(["team", "app"], API)).toEqual({ name: "team/app", marker: null, rest: [] });
  });

  it("does not treat Object.prototype member names as markers", () => {
    expect(splitRepositoryPath(["app", "constructor"], API)).toEqual({
      name: "app/constructor",
      marker: null,
      rest: [],
    });
  });

  it.each([
    ["an empty segment", ["team", "", "app"]],
    ["a dot segment", ["team", ".", "app"]],
    ["a dot-dot segment", ["team", "..", "tags"]],
    ["a segment containing a slash", ["team/app", "tags"]],
    ["a segment containing a percent sign", ["team%2Fapp", "tags"]],
  ])("throws InvalidReferenceError on %s", (_label, segments) => {
    expect(() => splitRepositoryPath(segments, API)).toThrow(InvalidReferenceError);
  });

  it("throws on an empty path", () => {
    expect(() => splitRepositoryPath([], API)).toThrow(/empty/);
  });
});
