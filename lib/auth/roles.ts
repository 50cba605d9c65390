// Roles, per-namespace grants and what each permission needs. Pure: no I/O, unit-tested.
import { z } from "zod";
import { matchesPattern, repositoryGlobSchema } from "../retention/repository-glob";

// the glob matchers live with the pure repository-glob grammar; re-exported for existing importers
export { globWithin, matchesPattern } from "../retention/repository-glob";

/** A Layerscope user name: what people type at the login prompt. */
export const usernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, "letters, digits and . _ @ - only");

export const ROLES = ["viewer", "editor", "admin"] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export function maxRole(a: Role, b: Role): Role {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * A grant pattern: a repository name glob. `*` matches within one path segment, `**` across
 * segments (`team-a/**` is every repository under team-a/, `*` every top-level repository).
 */
export const grantPatternSchema = repositoryGlobSchema;

export const grantSchema = z.object({ pattern: grantPatternSchema, role: roleSchema });
export type Grant = z.infer<typeof grantSchema>;

/** The role a user acts with on one repository: their role, raised by any grant that matches it. */
export function effectiveRole(role: Role, grants: readonly Grant[], repository?: string): Role {
  if (repository === undefined) return role;
  let r = role;
  for (const g of grants) if (matchesPattern(g.pattern, repository)) r = maxRole(r, g.role);
  return r;
}

/**
 * Every permission and the role it needs. Repository-scoped permissions honour grants;
 * the others need the user's own role.
 */
export const PERMISSIONS = {
  "repository:read": { role: "viewer", scoped: true },
  "tag:delete": { role: "editor", scoped: true },
  "retention:preview": { role: "editor", scoped: true },
  "sync:run": { role: "editor", scoped: false },
  "retention:manage": { role: "admin", scoped: false },
  "gc:run": { role: "admin", scoped: false },
  "users:manage": { role: "admin", scoped: false },
  "audit:read": { role: "admin", scoped: false },
  "settings:manage": { role: "admin", scoped: false },
} as const satisfies Record<string, { role: Role; scoped: boolean }>;

export type Permission = keyof typeof PERMISSIONS;

export type Principal = { role: Role; grants: readonly Grant[]; anonymous: boolean };

/** Whether a principal may do this (on this repository, for scoped permissions). Anonymous callers only read. */
export function allows(p: Principal, permission: Permission, repository?: string): boolean {
  const rule = PERMISSIONS[permission];
  if (p.anonymous && rule.role !== "viewer") return false;
  const role = rule.scoped ? effectiveRole(p.role, p.grants, repository) : p.role;
  return roleAtLeast(role, rule.role);
}

/** The highest role a user holds anywhere: their own, or one a grant gives on some repositories. */
export function bestRole(role: Role, grants: readonly Grant[]): Role {
  return grants.reduce<Role>((r, g) => maxRole(r, g.role), role);
}

/** The permissions a principal holds somewhere (with grants: on at least one repository) — for the UI. */
export function heldPermissions(p: Principal): Permission[] {
  const best = bestRole(p.role, p.grants);
  return (Object.keys(PERMISSIONS) as Permission[]).filter((perm) => {
    const rule = PERMISSIONS[perm];
    if (p.anonymous && rule.role !== "viewer") return false;
    return roleAtLeast(rule.scoped ? best : p.role, rule.role);
  });
}

/**
 * The role single sign-on gives from the identity provider's group claim: admin and editor
 * groups first; with viewer groups configured, someone in none of the groups gets no access
 * (null), otherwise they are a viewer.
 */
export function roleFromGroups(
  groups: readonly string[],
  map: { admin: readonly string[]; editor: readonly string[]; viewer: readonly string[] },
): Role | null {
  const inAny = (list: readonly string[]) => groups.some((g) => list.includes(g));
  if (inAny(map.admin)) return "admin";
  if (inAny(map.editor)) return "editor";
  if (map.viewer.length === 0 || inAny(map.viewer)) return "viewer";
  return null;
}
