import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  evaluateRetention,
  type RepositoryRetention,
  type RetentionInput,
  type RetentionManifestInput,
  type RetentionRules,
  type RetentionTagInput,
  retentionPolicySchema,
} from "../../../lib/retention/policy";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2024-06-01T00:00:00Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

function tag(name: string, digestOf: number, ageDays: number, extra: Partial<RetentionTagInput> = {}): RetentionTagInput {
  return { tag: name, digest: digest(digestOf), created: daysAgo(ageDays), firstSeen: daysAgo(ageDays), lastPulled: null, ...extra };
}

/** Every tagged digest as an image manifest unless `manifests` says otherwise. */
function repository(name: string, tags: RetentionTagInput[], manifests: RetentionManifestInput[] = []) {
  const listed = new Set(manifests.map((m) => m.digest));
  const images = [...new Set(tags.map((t) => t.digest))].filter((d) => !listed.has(d)).map((d) => ({ digest: d, children: [] }));
  return { name, tags, manifests: [...manifests, ...images] };
}

function evaluateOne(rules: Partial<RetentionRules>, tags: RetentionTagInput[], manifests: RetentionManifestInput[] = []) {
  const result = evaluateRetention({ repositoryGlob: "**", ...rules }, { repositories: [repository("app", tags, manifests)] }, NOW);
  expect(result.repositories).toHaveLength(1);
  return result.repositories[0] as RepositoryRetention;
}

const names = (decisions: { tag: string }[]) => decisions.map((d) => d.tag);
/** Tags of the maximal 128 characters, shaped to make a backtracking engine try every split. */
const hostileTags = [
  "a".repeat(128),
  `${"a".repeat(127)}z`,
  `${"-".repeat(127)}a`,
  `${"ab-".repeat(42)}xy`,
  `${"0.".repeat(63)}00`,
  `${"aa".repeat(63)}a_`,
  `${"x".repeat(64)}${"y".repeat(64)}`,
  `v${"1.".repeat(63)}9`,
];

const reasonsOf = (r: RepositoryRetention, name: string) => [...r.keepTags, ...r.deleteTags].find((t) => t.tag === name)?.reasons;

describe("retentionPolicySchema", () => {
  const valid = { name: "nightly", repositoryGlob: "team/*", keepLatest: 3, enabled: true };

  it("accepts a full policy and a schedule or none", () => {
    const full = {
      ...valid,
      keepTagPattern: "^v\\d+\\.\\d+\\.\\d+$",
      deleteOlderThanDays: 30,
      keepPulledWithinDays: 7,
      schedule: "@daily",
    };
    expect(retentionPolicySchema.parse(full)).toEqual(full);
    expect(retentionPolicySchema.safeParse({ ...valid, schedule: null }).success).toBe(true);
    expect(retentionPolicySchema.safeParse({ ...valid, repositoryGlob: "**" }).success).toBe(true);
  });

  it.each([
    ["an empty name", { name: "" }],
    ["a name over 100 characters", { name: "x".repeat(101) }],
    ["an upper-case glob", { repositoryGlob: "Team/*" }],
    ["a negative keepLatest", { keepLatest: -1 }],
    ["a fractional keepLatest", { keepLatest: 1.5 }],
    ["deleteOlderThanDays of 0", { deleteOlderThanDays: 0 }],
    ["keepPulledWithinDays of 0", { keepPulledWithinDays: 0 }],
    ["an invalid schedule", { schedule: "every day" }],
    ["a missing enabled flag", { enabled: undefined }],
  ])("rejects %s", (_, change) => {
    expect(retentionPolicySchema.safeParse({ ...valid, ...change }).success).toBe(false);
  });

  it("rejects a keep pattern that does not compile, and says so", () => {
    const result = retentionPolicySchema.safeParse({ ...valid, keepTagPattern: "^(v1" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/not a valid regular expression/);
    expect(retentionPolicySchema.safeParse({ ...valid, keepTagPattern: "[z-a]" }).success).toBe(false);
  });

  it("caps the keep pattern at 200 characters", () => {
    expect(retentionPolicySchema.safeParse({ ...valid, keepTagPattern: "a".repeat(200) }).success).toBe(true);
    expect(retentionPolicySchema.safeParse({ ...valid, keepTagPattern: "a".repeat(201) }).success).toBe(false);
  });

  it.each([
    ["(?=v)", /lookaround and backreferences are not supported/],
    ["(?<!v)1", /lookaround and backreferences are not supported/],
    ["(a)\\1", /lookaround and backreferences are not supported/],
    ["(?<n>a)\\k<n>", /lookaround and backreferences are not supported/],
    ["a{1001}", /invalid repeat count/],
    ["\\pL{999}", /too complex/],
  ])("rejects %s, which the linear-time engine does not take, with a clear message", (pattern, message) => {
    const result = retentionPolicySchema.safeParse({ ...valid, keepTagPattern: pattern });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it.each([
    // each of these made the backtracking RegExp take seconds to years on a long tag
    "(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)@",
    "(a+)+$",
    "(a*)*b",
    "(\\.\\d+)*$",
    "(a|aa)*$",
    "(x?y?)+$",
    ".*.*.*x",
    ".*-.*-.*-.*x",
    "\\w+\\d*\\w+$",
    "a{1,50}a{1,50}a{1,50}b",
    "(?:\\w|\\d|_){1,100}@",
  ])("accepts %s and evaluates it on 128-character tags in bounded time", (pattern) => {
    expect(retentionPolicySchema.safeParse({ ...valid, keepTagPattern: pattern }).success).toBe(true);
    const tags = [...hostileTags, ...hostileTags.map((t) => `${t.slice(0, 127)}-`)].map((t, i) => tag(t, i, 100));
    const started = performance.now();
    const r = evaluateOne({ keepTagPattern: pattern, keepLatest: 0 }, tags);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.keepTags.length + r.deleteTags.length).toBe(tags.length);
  });

  it("evaluates generated patterns on 128-character tags in bounded time (fast-check)", () => {
    const atom = fc.constantFrom("\\w", "\\d", ".", "a", "-", "[a-z0-9]", "[^@]", "\\.", "(?:a|ab)", "\\b");
    const quantifier = fc.constantFrom("", "*", "+", "?", "{1,30}", "*?", "{2,}");
    const term: fc.Arbitrary<string> = fc.letrec<{ term: string }>((tie) => ({
      term: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.tuple(atom, quantifier).map(([a, q]) => a + q),
        fc.tuple(fc.array(tie("term"), { minLength: 1, maxLength: 4 }), quantifier).map(([ts, q]) => `(${ts.join("")})${q}`),
        fc.tuple(tie("term"), tie("term")).map(([a, b]) => `(?:${a}|${b})`),
      ),
    })).term;
    const pattern = fc
      .tuple(fc.array(term, { minLength: 1, maxLength: 8 }), fc.constantFrom("", "@", "$", "x$"))
      .map(([ts, end]) => ts.join("") + end)
      .filter((p) => p.length <= 200 && retentionPolicySchema.safeParse({ ...valid, keepTagPattern: p }).success);
    const tags = hostileTags.map((t, i) => tag(t, i, 100));
    fc.assert(
      fc.property(pattern, (p) => {
        const started = performance.now();
        evaluateOne({ keepTagPattern: p, keepLatest: 0 }, tags);
        expect(performance.now() - started, p).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
  });

  it("matches ordinary patterns the way JavaScript's RegExp does (fast-check)", () => {
    const piece = fc.constantFrom("^", "$", "v", "\\d+", "\\d*", "[0-9.]+", "\\.", "-rc", "(?:stable|lts)", "[a-z]+", "\\w", ".");
    const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((ps) => ps.join(""));
    const tagName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(pattern, fc.array(tagName, { minLength: 1, maxLength: 10 }), (p, tagNames) => {
        const r = evaluateOne(
          { keepTagPattern: p, keepLatest: 0 },
          tagNames.map((t, i) => tag(`${t}${i}`, i, 100)),
        );
        const kept = r.keepTags.filter((t) => t.reasons.some((x) => x.startsWith("matches keep pattern"))).map((t) => t.tag);
        expect(kept.sort()).toEqual(
          tagNames
            .map((t, i) => `${t}${i}`)
            .filter((t) => new RegExp(p).test(t))
            .sort(),
        );
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    "^latest$",
    "^v\\d+\\.\\d+\\.\\d+$",
    "^(main|release-.+)$",
    "-rc\\d*$",
    "^v[0-9.]+(-rc\\.[0-9]+)?$",
    "^\\d{4}-\\d{2}-\\d{2}$",
    "^(?:stable|lts)$",
    "[*+]+",
    "^[a-z]+[0-9]+$",
    "\\(a+\\)+",
  ])("accepts the ordinary keep pattern %s", (pattern) => {
    expect(retentionPolicySchema.safeParse({ ...valid, keepTagPattern: pattern }).success).toBe(true);
  });
});

describe("evaluateRetention", () => {
  it("keeps the newest 3 of 10 tags and deletes the other 7", () => {
    // v10 is the newest (1 day old), v1 the oldest (10 days)
    const tags = Array.from({ length: 10 }, (_, i) => tag(`v${i + 1}`, i + 1, 10 - i));
    const r = evaluateOne({ keepLatest: 3 }, tags);
    expect(names(r.keepTags)).toEqual(["v10", "v8", "v9"]);
    expect(names(r.deleteTags)).toEqual(["v1", "v2", "v3", "v4", "v5", "v6", "v7"]);
    expect(r.deleteDigests).toEqual([1, 2, 3, 4, 5, 6, 7].map(digest));
    expect(reasonsOf(r, "v10")).toEqual(["among the newest 3 tags (#1)"]);
    expect(reasonsOf(r, "v7")).toEqual(["beyond the newest 3 tags (#4)"]);
  });

  it("ranks by first-seen time when the image has no or an implausibly early created time", () => {
    const tags = [
      tag("built", 1, 5),
      // an index has no created time; a reproducible build says 1970; both were pushed yesterday
      tag("index", 2, 0, { created: null, firstSeen: daysAgo(1) }),
      tag("ko", 3, 0, { created: new Date(0), firstSeen: daysAgo(2) }),
    ];
    const r = evaluateOne({ keepLatest: 2 }, tags);
    expect(names(r.keepTags)).toEqual(["index", "ko"]);
    expect(names(r.deleteTags)).toEqual(["built"]);
    const old = evaluateOne({ deleteOlderThanDays: 30 }, tags);
    expect(old.deleteTags).toEqual([]);
    expect(reasonsOf(old, "ko")).toEqual([`not older than 30 days (first seen ${daysAgo(2).toISOString()})`]);
  });

  it("keeps tags matching the keep pattern however old they are", () => {
    const tags = [tag("latest", 1, 0), tag("v1.0.0", 2, 300), tag("v1.0.1", 3, 200), tag("pr-12", 4, 100), tag("v1.0.1-debug", 5, 90)];
    const r = evaluateOne({ keepLatest: 1, keepTagPattern: "^v\\d+\\.\\d+\\.\\d+$" }, tags);
    expect(names(r.keepTags)).toEqual(["latest", "v1.0.0", "v1.0.1"]);
    expect(names(r.deleteTags)).toEqual(["pr-12", "v1.0.1-debug"]);
    expect(reasonsOf(r, "v1.0.0")).toEqual(["matches keep pattern ^v\\d+\\.\\d+\\.\\d+$"]);
  });

  it("deletes tags older than 30 days, not those exactly 30 days old", () => {
    const tags = [tag("a", 1, 10), tag("b", 2, 29.9), tag("c", 3, 30), tag("d", 4, 31), tag("e", 5, 400)];
    const r = evaluateOne({ deleteOlderThanDays: 30 }, tags);
    expect(names(r.deleteTags)).toEqual(["d", "e"]);
    expect(names(r.keepTags)).toEqual(["a", "b", "c"]);
    expect(reasonsOf(r, "d")).toEqual([`older than 30 days (created ${daysAgo(31).toISOString()})`]);
  });

  it("with keepLatest and deleteOlderThanDays deletes only what is both old and beyond the newest N", () => {
    const tags = [tag("n1", 1, 50), tag("n2", 2, 60), tag("young", 3, 5), tag("old", 4, 70)];
    // ranks by age: young (5d), n1 (50d), n2 (60d), old (70d)
    const r = evaluateOne({ keepLatest: 2, deleteOlderThanDays: 30 }, tags);
    expect(names(r.keepTags)).toEqual(["n1", "young"]);
    expect(names(r.deleteTags)).toEqual(["n2", "old"]);
    const young = evaluateOne({ keepLatest: 0, deleteOlderThanDays: 30 }, [tag("young", 1, 5), tag("old", 2, 40)]);
    expect(names(young.deleteTags)).toEqual(["old"]);
  });

  it("keeps tags pulled within the window and deletes those pulled earlier or never", () => {
    const tags = [
      tag("recent", 1, 100, { lastPulled: daysAgo(3) }),
      tag("stale", 2, 100, { lastPulled: daysAgo(10) }),
      tag("never", 3, 100),
    ];
    const r = evaluateOne({ deleteOlderThanDays: 30, keepPulledWithinDays: 7 }, tags);
    expect(names(r.keepTags)).toEqual(["recent"]);
    expect(names(r.deleteTags)).toEqual(["never", "stale"]);
    expect(reasonsOf(r, "recent")).toEqual([`pulled within 7 days (last pulled ${daysAgo(3).toISOString()})`]);
  });

  it("deletes nothing when the policy has no delete rule", () => {
    const tags = [tag("a", 1, 1000), tag("b", 2, 2000, { lastPulled: daysAgo(500) })];
    const r = evaluateOne({ keepTagPattern: "^x$", keepPulledWithinDays: 1 }, tags);
    expect(r.deleteTags).toEqual([]);
    expect(r.deleteDigests).toEqual([]);
    expect(reasonsOf(r, "a")).toEqual(["the policy has no delete rule (keepLatest or deleteOlderThanDays)"]);
  });

  it("keeps a delete candidate that shares its digest with a kept tag, and does not delete the digest", () => {
    const tags = [tag("stable", 7, 100), tag("v1", 7, 100), tag("v0", 8, 200), tag("v0-again", 8, 150)];
    const r = evaluateOne({ deleteOlderThanDays: 30, keepTagPattern: "^stable$" }, tags);
    expect(names(r.keepTags)).toEqual(["stable", "v1"]);
    expect(reasonsOf(r, "v1")?.[0]).toBe("shares digest with kept tag stable");
    expect(reasonsOf(r, "v1")?.[1]).toMatch(/^would otherwise be deleted: older than 30 days/);
    expect(names(r.deleteTags)).toEqual(["v0", "v0-again"]);
    expect(r.deleteDigests).toEqual([digest(8)]);
  });

  it("keeps a delete candidate whose digest is a (nested) child of a kept index", () => {
    // app → index 10 → [image 11, image 12, index 13 → [image 14]]; each child is tagged on its own too
    const manifests = [
      { digest: digest(10), children: [digest(11), digest(12), digest(13)] },
      { digest: digest(13), children: [digest(14)] },
      { digest: digest(20), children: [digest(11)] },
    ];
    const tags = [
      tag("app", 10, 1),
      tag("app-amd64", 11, 100),
      tag("app-arm64", 12, 100),
      tag("app-windows", 14, 100),
      tag("old", 15, 100),
      // an old index whose child the kept index shares: the old index itself may go
      tag("old-index", 20, 100),
    ];
    const r = evaluateOne({ keepLatest: 1 }, tags, manifests);
    expect(names(r.keepTags)).toEqual(["app", "app-amd64", "app-arm64", "app-windows"]);
    expect(reasonsOf(r, "app-amd64")?.[0]).toBe(`child of index ${digest(10)} kept by tag app`);
    expect(reasonsOf(r, "app-windows")?.[0]).toBe(`child of index ${digest(13)} kept by tag app`);
    expect(names(r.deleteTags)).toEqual(["old", "old-index"]);
    expect(r.deleteDigests).toEqual([digest(15), digest(20)]);
  });

  it("deletes nothing a kept tag might need when a kept tag's manifest is missing from the input", () => {
    const input: RetentionInput = { repositories: [{ name: "app", tags: [tag("new", 1, 1), tag("old", 2, 100)], manifests: [] }] };
    const [r] = evaluateRetention({ repositoryGlob: "**", keepLatest: 1 }, input, NOW).repositories;
    expect(r?.deleteTags).toEqual([]);
    expect(reasonsOf(r as RepositoryRetention, "old")?.[0]).toBe(
      `manifest ${digest(1)} of kept tag new is not in the input, so its children are unknown`,
    );
  });

  it("evaluates only the repositories the glob matches, sorted by name", () => {
    const input: RetentionInput = {
      repositories: [
        repository("team/web", [tag("a", 1, 100)]),
        repository("team/sub/api", [tag("a", 1, 100)]),
        repository("other", [tag("a", 1, 100)]),
        repository("team/api", [tag("a", 1, 100)]),
      ],
    };
    const result = evaluateRetention({ repositoryGlob: "team/*", deleteOlderThanDays: 30 }, input, NOW);
    expect(result.repositories.map((r) => r.name)).toEqual(["team/api", "team/web"]);
    expect(result.repositories.every((r) => r.deleteDigests.length === 1)).toBe(true);
  });

  it("breaks ties in age by tag name", () => {
    const r = evaluateOne({ keepLatest: 1 }, [tag("b", 1, 5), tag("a", 2, 5), tag("c", 3, 5)]);
    expect(names(r.keepTags)).toEqual(["a"]);
  });
});

describe("evaluateRetention on random input", () => {
  const DIGESTS = Array.from({ length: 8 }, (_, i) => digest(i));
  const ageDays = fc.integer({ min: 0, max: 120 });
  const tagInput = fc.record({
    digest: fc.constantFrom(...DIGESTS),
    created: fc.option(fc.oneof(ageDays.map(daysAgo), fc.constant(new Date(0)))),
    firstSeen: ageDays.map(daysAgo),
    lastPulled: fc.option(ageDays.map(daysAgo)),
  });
  const repositoryInput = (name: string) =>
    fc
      .record({
        tags: fc.uniqueArray(fc.tuple(fc.constantFrom("latest", "v1", "v2", "v2.1", "dev", "pr-1", "pr-2", "stable", "main"), tagInput), {
          selector: ([name]) => name,
          maxLength: 9,
        }),
        // any digest may be an index of any others, cycles included; some manifests go missing
        manifests: fc.array(fc.record({ digest: fc.constantFrom(...DIGESTS), children: fc.subarray(DIGESTS, { maxLength: 3 }) }), {
          maxLength: 10,
        }),
      })
      .map(({ tags, manifests }) => ({ name, tags: tags.map(([tag, t]) => ({ tag, ...t })), manifests }));
  const input = fc
    .tuple(repositoryInput("a"), repositoryInput("team/b"), repositoryInput("c"))
    .map((repositories): RetentionInput => ({ repositories }));
  const rules = fc.record(
    {
      repositoryGlob: fc.constantFrom("**", "*", "team/*"),
      keepLatest: fc.integer({ min: 0, max: 6 }),
      keepTagPattern: fc.constantFrom("^v", "^stable$", "pr-"),
      deleteOlderThanDays: fc.integer({ min: 1, max: 90 }),
      keepPulledWithinDays: fc.integer({ min: 1, max: 60 }),
    },
    { requiredKeys: ["repositoryGlob"] },
  );

  function neededByKeptTags(repo: RetentionInput["repositories"][number], kept: readonly { digest: string }[]): Set<string> {
    const needed = new Set(kept.map((t) => t.digest));
    let grew = true;
    while (grew) {
      grew = false;
      for (const m of repo.manifests) {
        if (!needed.has(m.digest)) continue;
        for (const child of m.children) {
          if (!needed.has(child)) {
            needed.add(child);
            grew = true;
          }
        }
      }
    }
    return needed;
  }

  it("never deletes a digest a kept tag points at or a kept index (transitively) contains", () => {
    fc.assert(
      fc.property(rules, input, (policy, data) => {
        const result = evaluateRetention(policy, data, NOW);
        for (const r of result.repositories) {
          const repo = data.repositories.find((x) => x.name === r.name);
          if (repo === undefined) throw new Error(`unknown repository ${r.name}`);
          const needed = neededByKeptTags(repo, r.keepTags);
          for (const d of r.deleteDigests) expect(needed.has(d)).toBe(false);
          // every tag is decided exactly once, with a reason
          expect([...names(r.keepTags), ...names(r.deleteTags)].sort()).toEqual(repo.tags.map((t) => t.tag).sort());
          for (const t of [...r.keepTags, ...r.deleteTags]) expect(t.reasons.length).toBeGreaterThan(0);
          expect(r.deleteDigests).toEqual([...new Set(r.deleteTags.map((t) => t.digest))].sort());
          if (policy.keepLatest === undefined && policy.deleteOlderThanDays === undefined) expect(r.deleteTags).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("gives the same result whatever order the input is in", () => {
    fc.assert(
      fc.property(rules, input, (policy, data) => {
        const reversed: RetentionInput = {
          repositories: [...data.repositories]
            .reverse()
            .map((r) => ({ ...r, tags: [...r.tags].reverse(), manifests: [...r.manifests].reverse() })),
        };
        expect(evaluateRetention(policy, reversed, NOW)).toEqual(evaluateRetention(policy, data, NOW));
      }),
      { numRuns: 200 },
    );
  });
});
