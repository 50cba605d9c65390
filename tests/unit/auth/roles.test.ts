import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  allows,
  effectiveRole,
  grantPatternSchema,
  heldPermissions,
  matchesPattern,
  PERMISSIONS,
  type Permission,
  ROLES,
  roleFromGroups,
} from "@/lib/auth/roles";

describe("grant patterns", () => {
  it.each([
    ["team-a/**", "team-a/api", true],
    ["team-a/**", "team-a/sub/api", true],
    ["team-a/**", "team-a", false],
    ["team-a/**", "team-ab/api", false],
    ["team-a/*", "team-a/api", true],
    ["team-a/*", "team-a/sub/api", false],
    ["*", "alpine", true],
    ["*", "library/alpine", false],
    ["**", "library/alpine", true],
    ["*/api", "team-a/api", true],
    ["library/alpine", "library/alpine", true],
    ["library/alpine", "library/alpinex", false],
    ["a.b", "axb", false],
  ])("%s matches %s: %s", (pattern, repository, expected) => {
    expect(matchesPattern(pattern, repository)).toBe(expected);
  });

  it("treats every character but * literally (no regular-expression injection)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9][a-z0-9._\-/]{0,30}$/),
        fc.stringMatching(/^[a-z0-9][a-z0-9._\-/]{0,30}$/),
        (pattern, name) => {
          expect(matchesPattern(pattern, name)).toBe(pattern === name);
        },
      ),
    );
  });

  it("accepts repository globs only", () => {
    expect(grantPatternSchema.safeParse("team-a/**").success).toBe(true);
    for (const bad of ["", "Team/*", "a b", "(.*)", "a/[x]", "^a$", ".hidden"]) {
      expect(grantPatternSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe("effective role", () => {
  const grants = [
    { pattern: "team-a/**", role: "editor" as const },
    { pattern: "ops/*", role: "admin" as const },
  ];

  it("raises the role on matching repositories only, never lowers it", () => {
    expect(effectiveRole("viewer", grants, "team-a/api")).toBe("editor");
    expect(effectiveRole("viewer", grants, "team-b/api")).toBe("viewer");
    expect(effectiveRole("viewer", grants, "ops/gc")).toBe("admin");
    expect(effectiveRole("admin", [{ pattern: "**", role: "viewer" }], "x")).toBe("admin");
    expect(effectiveRole("viewer", grants)).toBe("viewer");
  });
});

describe("permissions", () => {
  const viewer = { role: "viewer" as const, grants: [], anonymous: false };
  const editor = { role: "editor" as const, grants: [], anonymous: false };
  const admin = { role: "admin" as const, grants: [], anonymous: false };
  const anonymous = { role: "viewer" as const, grants: [], anonymous: true };

  it("gives each role exactly the permissions at or below it", () => {
    const rank = { viewer: 1, editor: 2, admin: 3 };
    for (const p of [viewer, editor, admin]) {
      for (const [perm, rule] of Object.entries(PERMISSIONS)) {
        expect(allows(p, perm as Permission, "x"), `${p.role} ${perm}`).toBe(rank[p.role] >= rank[rule.role]);
      }
    }
  });

  it("lets anonymous readers read and nothing else", () => {
    expect(heldPermissions(anonymous)).toEqual(["repository:read"]);
  });

  it("applies grants to repository permissions, not to global ones", () => {
    const scoped = { role: "viewer" as const, grants: [{ pattern: "team-a/**", role: "admin" as const }], anonymous: false };
    expect(allows(scoped, "tag:delete", "team-a/api")).toBe(true);
    expect(allows(scoped, "tag:delete", "team-b/api")).toBe(false);
    expect(allows(scoped, "gc:run")).toBe(false);
    expect(allows(scoped, "users:manage")).toBe(false);
    expect(heldPermissions(scoped)).toContain("tag:delete");
    expect(heldPermissions(scoped)).not.toContain("users:manage");
  });

  it("orders roles viewer < editor < admin", () => {
    expect(ROLES).toEqual(["viewer", "editor", "admin"]);
  });
});

describe("single sign-on groups", () => {
  const map = { admin: ["sre"], editor: ["dev"], viewer: [] as string[] };
  it("maps the group claim to the highest role it names", () => {
    expect(roleFromGroups(["dev", "sre"], map)).toBe("admin");
    expect(roleFromGroups(["dev"], map)).toBe("editor");
    expect(roleFromGroups(["sales"], map)).toBe("viewer");
    expect(roleFromGroups([], map)).toBe("viewer");
  });
  it("refuses people in no listed group once viewer groups are configured", () => {
    expect(roleFromGroups(["sales"], { ...map, viewer: ["staff"] })).toBeNull();
    expect(roleFromGroups(["staff"], { ...map, viewer: ["staff"] })).toBe("viewer");
  });
});
