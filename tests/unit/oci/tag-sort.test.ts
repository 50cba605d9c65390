import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareNatural, compareTagsSemver, compareTagsVersionOrder } from "../../../lib/oci/tag-sort";

const sorted = (tags: string[], cmp: (a: string, b: string) => number) => [...tags].sort(cmp);

describe("compareTagsSemver", () => {
  it("orders numeric parts by value, so 1.10 comes after 1.9", () => {
    expect(compareTagsSemver("1.10", "1.9")).toBeGreaterThan(0);
    expect(sorted(["1.10.0", "1.9.0", "1.2.0", "10.0.0", "2.0.0"], compareTagsSemver)).toEqual([
      "1.2.0",
      "1.9.0",
      "1.10.0",
      "2.0.0",
      "10.0.0",
    ]);
  });

  it("ignores a leading v when comparing versions", () => {
    expect(sorted(["v2.0.0", "1.5.0", "v1.2.3"], compareTagsSemver)).toEqual(["v1.2.3", "1.5.0", "v2.0.0"]);
  });

  it("puts a prerelease before its release and orders prereleases naturally", () => {
    expect(compareTagsSemver("1.2.3-rc.1", "1.2.3")).toBeLessThan(0);
    expect(sorted(["1.2.3", "1.2.3-rc.10", "1.2.3-rc.2", "1.2.3-beta", "1.2.3-alpha.1", "1.2.3-1"], compareTagsSemver)).toEqual([
      "1.2.3-1",
      "1.2.3-alpha.1",
      "1.2.3-beta",
      "1.2.3-rc.2",
      "1.2.3-rc.10",
      "1.2.3",
    ]);
  });

  it("treats 1.2 and 1.2.0 as the same version and breaks the tie by the string", () => {
    expect(compareTagsSemver("1.2", "1.2.0")).toBeLessThan(0);
    expect(compareTagsSemver("1.2.0", "1.2")).toBeGreaterThan(0);
    expect(compareTagsSemver("1.2.1", "1.2")).toBeGreaterThan(0);
  });

  it("sorts non-version tags, including latest, after every version in natural order", () => {
    expect(sorted(["latest", "main", "2.0", "build-10", "1.0", "build-9", "nightly"], compareTagsSemver)).toEqual([
      "1.0",
      "2.0",
      "build-9",
      "build-10",
      "latest",
      "main",
      "nightly",
    ]);
  });

  it("compares numbers longer than a double can hold exactly", () => {
    expect(compareTagsSemver("20240101000000000001", "20240101000000000002")).toBeLessThan(0);
  });

  it("returns 0 only for identical tags", () => {
    expect(compareTagsSemver("1.0.0", "1.0.0")).toBe(0);
    expect(compareTagsSemver("01.0", "1.0")).not.toBe(0);
  });

  it("is a total order: antisymmetric and transitive over version-like and other tags", () => {
    const tag = fc.oneof(
      fc.stringMatching(/^v?\d{1,2}(\.\d{1,2}){0,3}(-[a-z0-9]{1,3}(\.[a-z0-9]{1,3}){0,2})?$/),
      fc.string({ unit: fc.constantFrom(..."aZ09.-_".split("")), minLength: 1, maxLength: 6 }),
    );
    fc.assert(
      fc.property(tag, tag, tag, (a, b, c) => {
        expect(Math.sign(compareTagsSemver(a, b)) + Math.sign(compareTagsSemver(b, a))).toBe(0);
        if (compareTagsSemver(a, b) <= 0 && compareTagsSemver(b, c) <= 0) expect(compareTagsSemver(a, c)).toBeLessThanOrEqual(0);
        expect(compareTagsSemver(a, b) === 0).toBe(a === b);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("compareNatural", () => {
  it("compares digit runs by value", () => {
    expect(sorted(["tag10", "tag2", "tag1"], compareNatural)).toEqual(["tag1", "tag2", "tag10"]);
  });

  it("ignores case first and uses it only to break ties", () => {
    expect(sorted(["beta", "Alpha", "alpha"], compareNatural)).toEqual(["Alpha", "alpha", "beta"]);
  });

  it("puts a prefix before the longer string", () => {
    expect(compareNatural("build", "build-1")).toBeLessThan(0);
  });

  it("is a total order: antisymmetric and transitive", () => {
    const s = fc.string({ unit: fc.constantFrom(..."aB0917.-_".split("")), maxLength: 6 });
    fc.assert(
      fc.property(s, s, s, (a, b, c) => {
        expect(Math.sign(compareNatural(a, b)) + Math.sign(compareNatural(b, a))).toBe(0);
        if (compareNatural(a, b) <= 0 && compareNatural(b, c) <= 0) expect(compareNatural(a, c)).toBeLessThanOrEqual(0);
        expect(compareNatural(a, b) === 0).toBe(a === b);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("compareTagsVersionOrder", () => {
  const tag = (name: string, createdAt: string | null) => ({ name, createdAt });
  const desc = (tags: { name: string; createdAt: string | null }[]) =>
    [...tags].sort((a, b) => compareTagsVersionOrder(b, a)).map((t) => t.name);

  it("puts versions first when descending, newest version on top", () => {
    expect(
      desc([tag("latest", "2024-06-01T00:00:00Z"), tag("1.9.0", "2020-01-01T00:00:00Z"), tag("1.10.0", "2019-01-01T00:00:00Z")]),
    ).toEqual(["1.10.0", "1.9.0", "latest"]);
  });

  it("orders other tags by creation, newest first, with undated and zero-dated ones last", () => {
    expect(
      desc([
        tag("build-9", "2024-01-01T00:00:00Z"),
        tag("nightly", null),
        tag("sha-1", "2024-03-01T00:00:00Z"),
        tag("epoch", "1970-01-01T00:00:00Z"),
      ]),
    ).toEqual(["sha-1", "build-9", "nightly", "epoch"]);
  });

  it("is a total order on names: only equal names tie", () => {
    const names = fc.constantFrom("1.0", "1.0.0", "v1", "latest", "sha-a", "Sha-a", "b2", "b10");
    const dates = fc.option(fc.constantFrom("2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z", "1970-01-01T00:00:00Z"));
    fc.assert(
      fc.property(names, dates, names, dates, (n1, d1, n2, d2) => {
        const a = tag(n1, d1);
        const b = tag(n2, d2);
        expect(Math.sign(compareTagsVersionOrder(a, b)) + Math.sign(compareTagsVersionOrder(b, a))).toBe(0);
        if (n1 !== n2) expect(compareTagsVersionOrder(a, b)).not.toBe(0);
      }),
    );
  });
});
