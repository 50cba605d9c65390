import { describe, expect, it } from "vitest";
import { compileTagPattern, TagPatternError, tagPatternError } from "@/lib/retention/tag-pattern";

describe("tag patterns", () => {
  it("match anywhere in the tag unless anchored, like RegExp.test", () => {
    const p = compileTagPattern("rc\\d");
    expect(["v1-rc1", "rc2", "v1"].map((t) => p.test(t))).toEqual([true, true, false]);
    expect(compileTagPattern("^v\\d+$").test("v12")).toBe(true);
    expect(compileTagPattern("^v\\d+$").test("xv12")).toBe(false);
    expect(compileTagPattern("(?i)^STABLE$").test("stable")).toBe(true);
  });

  it("refuse what RE2 cannot run, with a message for the user", () => {
    expect(() => compileTagPattern("(?=a)")).toThrow(TagPatternError);
    expect(tagPatternError("(?=a)")).toMatch(/^not a valid regular expression in RE2 syntax \(lookaround and backreferences/);
    expect(tagPatternError("^(v1")).toMatch(/missing closing \)/);
    expect(tagPatternError("x".repeat(201))).toMatch(/at most 200 characters/);
    expect(tagPatternError("^v\\d+\\.\\d+\\.\\d+$")).toBeNull();
  });

  it("match the issue's pattern on a 128-character tag at once", () => {
    const p = compileTagPattern("(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)@");
    const started = performance.now();
    for (let i = 0; i < 1000; i++) expect(p.test(`${"a".repeat(124)}${i.toString().padStart(4, "0")}`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
