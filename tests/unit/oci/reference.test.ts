import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertRepositoryName,
  InvalidReferenceError,
  isValidDigest,
  isValidRepositoryName,
  isValidTag,
  parseReference,
  shortDigest,
} from "../../../lib/oci/reference";
import { sha } from "./fixtures";

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}

describe("isValidRepositoryName", () => {
  it.each(["nginx", "library/nginx", "team/app/api", "my-app", "my--app", "my_app", "my__app", "my.app", "a", "0", "v2/2fa", "org/tags"])(
    "accepts %j",
    (name) => {
      expect(isValidRepositoryName(name)).toBe(true);
    },
  );

  it.each([
    ["", "empty"],
    ["Nginx", "uppercase"],
    ["library//nginx", "double slash"],
    ["/nginx", "leading slash"],
    ["nginx/", "trailing slash"],
    ["-nginx", "leading dash"],
    [".nginx", "leading dot"],
    ["_nginx", "leading underscore"],
    ["nginx-", "trailing dash"],
    ["my..app", "two dots"],
    ["my___app", "three underscores"],
    ["my._app", "mixed separators"],
    ["library/-nginx", "component starting with a separator"],
    ["registry.example.com:5000/nginx", "port (names are registry-local)"],
    ["nginx:latest", "tag in the name"],
    ["my app", "space"],
    ["café", "non-ASCII"],
  ])("rejects %j (%s)", (name) => {
    expect(isValidRepositoryName(name)).toBe(false);
  });

  it("accepts a 255-character name and rejects a 256-character one", () => {
    const name255 = `${"a".repeat(127)}/${"b".repeat(127)}`;
    expect(name255).toHaveLength(255);
    expect(isValidRepositoryName(name255)).toBe(true);
    expect(isValidRepositoryName(`${name255}c`)).toBe(false);
  });

  it("never accepts a string containing '..', '//', an uppercase letter or '%'", () => {
    const unit = fc.constantFrom(..."abz09._-/".split(""));
    const filler = fc.string({ unit, maxLength: 20 });
    const forbidden = fc.oneof(fc.constant(".."), fc.constant("//"), fc.constant("%"), fc.constantFrom(..."AMZ"));
    fc.assert(
      fc.property(filler, forbidden, filler, (before, bad, after) => {
        expect(isValidRepositoryName(before + bad + after)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts every name built from grammar-conforming components", () => {
    const alnum = fc.string({ unit: fc.constantFrom(..."abcxyz0189".split("")), minLength: 1, maxLength: 5 });
    const separator = fc.constantFrom(".", "_", "__", "-", "--");
    const component = fc
      .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
      .map(([head, tail]) => head + tail.map(([s, a]) => s + a).join(""));
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 4 }), (components) => {
        expect(isValidRepositoryName(components.join("/"))).toBe(true);
      }),
    );
  });
});

describe("assertRepositoryName", () => {
  it("passes a valid name silently", () => {
    expect(() => assertRepositoryName("library/nginx")).not.toThrow();
  });

  it("throws InvalidReferenceError on field 'name' naming the offending value", () => {
    const e = caught(() => assertRepositoryName("Library/Nginx"));
    expect(e).toBeInstanceOf(InvalidReferenceError);
    expect(e).toBeInstanceOf(Error);
    expect((e as InvalidReferenceError).field).toBe("name");
    expect((e as InvalidReferenceError).message).toContain("Library/Nginx");
  });

  it("reports the length limit for names over 255 characters", () => {
    const e = caught(() => assertRepositoryName("a".repeat(256)));
    expect((e as InvalidReferenceError).message).toMatch(/256 characters.*255/);
  });

  it("reports an empty name as empty", () => {
    expect(() => assertRepositoryName("")).toThrow(/empty/);
  });
});

describe("isValidTag", () => {
  it.each(["latest", "v1.2.3", "1.2.3-rc.1", "_internal", "UPPER_case", "a", "x".repeat(128)])("accepts %j", (tag) => {
    expect(isValidTag(tag)).toBe(true);
  });

  it.each([
    ["", "empty"],
    [".hidden", "leading dot"],
    ["-dash", "leading dash"],
    ["a:b", "colon"],
    ["a/b", "slash"],
    ["a+b", "plus"],
    ["x".repeat(129), "129 characters"],
  ])("rejects %j (%s)", (tag) => {
    expect(isValidTag(tag)).toBe(false);
  });
});

describe("isValidDigest", () => {
  it("accepts sha256 with 64 lowercase hex and sha512 with 128", () => {
    expect(isValidDigest(sha("a"))).toBe(true);
    expect(isValidDigest(`sha512:${"0f".repeat(64)}`)).toBe(true);
  });

  it("rejects sha256 with uppercase hex, wrong length or non-hex characters", () => {
    expect(isValidDigest(`sha256:${"A".repeat(64)}`)).toBe(false);
    expect(isValidDigest(`sha256:${"a".repeat(63)}`)).toBe(false);
    expect(isValidDigest(`sha256:${"a".repeat(65)}`)).toBe(false);
    expect(isValidDigest(`sha256:${"g".repeat(64)}`)).toBe(false);
    expect(isValidDigest(`sha512:${"a".repeat(64)}`)).toBe(false);
  });

  it("accepts other algorithms with an encoded part of at least 32 allowed characters", () => {
    expect(isValidDigest("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")).toBe(true);
    expect(isValidDigest(`blake3:${"a".repeat(32)}`)).toBe(true);
    expect(isValidDigest(`blake3:${"a".repeat(31)}`)).toBe(false);
    expect(isValidDigest(`blake3:${"a".repeat(31)}!`)).toBe(false);
  });

  it("rejects malformed algorithms and missing parts", () => {
    expect(isValidDigest(`SHA256:${"a".repeat(64)}`)).toBe(false);
    expect(isValidDigest(`sha256-:${"a".repeat(64)}`)).toBe(false);
    expect(isValidDigest(`:${"a".repeat(64)}`)).toBe(false);
    expect(isValidDigest("sha256:")).toBe(false);
    expect(isValidDigest("a".repeat(64))).toBe(false);
    expect(isValidDigest(`${sha("a")}\n`)).toBe(false);
  });

  it("does not treat Object.prototype member names as registered algorithms", () => {
    expect(isValidDigest(`constructor:${"a".repeat(32)}`)).toBe(true);
  });
});

describe("parseReference", () => {
  it("parses a tag", () => {
    expect(parseReference("1.25-alpine")).toEqual({ kind: "tag", tag: "1.25-alpine" });
  });

  it("parses a digest", () => {
    expect(parseReference(sha("b"))).toEqual({ kind: "digest", digest: sha("b") });
  });

  it("rejects an invalid tag on field 'tag'", () => {
    const e = caught(() => parseReference("-bad"));
    expect(e).toBeInstanceOf(InvalidReferenceError);
    expect((e as InvalidReferenceError).field).toBe("tag");
    expect((e as InvalidReferenceError).message).toContain('"-bad"');
  });

  it("rejects anything with a colon that is not a valid digest on field 'digest'", () => {
    const e = caught(() => parseReference("sha256:abc"));
    expect((e as InvalidReferenceError).field).toBe("digest");
    expect((e as InvalidReferenceError).message).toContain("sha256:abc");
  });

  it("rejects an empty reference on field 'reference'", () => {
    expect((caught(() => parseReference("")) as InvalidReferenceError).field).toBe("reference");
  });
});

describe("shortDigest", () => {
  it("keeps the algorithm and the first 12 hex characters", () => {
    expect(shortDigest("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")).toBe("sha256:0123456789ab");
  });
});
