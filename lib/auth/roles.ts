// Roles, per-namespace grants and what each permission needs. Pure: no I/O, unit-tested.
import { z } from "zod";

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
export const grantPatternSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[a-z0-9*][a-z0-9._\-/*]*$/, "a repository glob: lower-case letters, digits, . _ - / and *");

export const grantSchema = z.object({ pattern: grantPatternSchema, role: roleSchema });
export type Grant = z.infer<typeof grantSchema>;

// Globs are matched position by position (the set of name positions each prefix of the glob can
// reach), never by a backtracking RegExp: O(glob × name) steps whatever the input.
// `scratch/*-*-*-*-*-**z` against a 129-character name took 2.3 s as a RegExp.

/** A glob token: one literal character, `*` (any run without `/`) or `**` (any run at all). */
type GlobToken = string;
const STAR = "*";
const GLOBSTAR = "**";
const tokenCache = new Map<string, GlobToken[]>();

function globTokens(pattern: string): GlobToken[] {
  let tokens = tokenCache.get(pattern);
  if (tokens) return tokens;
  tokens = [];
  for (let i = 0; i < pattern.length; ) {
    if (pattern[i] !== "*") {
      tokens.push(pattern[i] as string);
      i++;
      continue;
    }
    let run = 0;
    while (pattern[i] === "*") {
      run++;
      i++;
    }
    // `***` meant `.*[^/]*`, which is `.*`: any run of two or more is `**`
    tokens.push(run === 1 ? STAR : GLOBSTAR);
  }
  if (tokenCache.size > 1000) tokenCache.clear();
  tokenCache.set(pattern, tokens);
  return tokens;
}

/**
 * Whether a repository name matches a glob: `*` matches within one path segment, `**` across
 * segments, every other character itself. The whole name must match.
 */
export function matchesPattern(pattern: string, repository: string): boolean {
  const n = repository.length;
  // reach[i]: the glob tokens so far can match exactly the first i characters
  let reach = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  reach[0] = 1;
  for (const token of globTokens(pattern)) {
    next.fill(0);
    let any = false;
    if (token === STAR || token === GLOBSTAR) {
      for (let i = 0; i <= n; i++) {
        const carried = i > 0 && next[i - 1] === 1 && (token === GLOBSTAR || repository[i - 1] !== "/");
        if (reach[i] === 1 || carried) {
          next[i] = 1;
          any = true;
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (reach[i] === 1 && repository[i] === token) {
          next[i + 1] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    [reach, next] = [next, reach];
  }
  return reach[n] === 1;
}

/**
 * Whether every name the glob `inner` matches is one `outer` matches too. Conservative: it
 * checks that `outer` covers `inner` token by token (a literal by itself, `*` or `**`; an inner
 * `*` by `*` or `**`; an inner `**` only by `**`), so a `true` is always right, and a `false`
 * can be wrong only for contrived globs. O(inner × outer).
 */
export function globWithin(inner: string, outer: string): boolean {
  const a = globTokens(inner);
  const b = globTokens(outer);
  const width = b.length + 1;
  // covered[i * width + j]: outer's first j tokens cover inner's first i tokens
  const covered = new Uint8Array((a.length + 1) * width);
  covered[0] = 1;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      if (covered[i * width + j] !== 1) continue;
      const o = b[j];
      const t = a[i];
      if (o === undefined) continue;
      if (o === STAR || o === GLOBSTAR) {
        // the wildcard covers nothing more and ends, or takes the next inner token and goes on
        covered[i * width + j + 1] = 1;
        if (t !== undefined && (o === GLOBSTAR || (t !== GLOBSTAR && t !== "/"))) covered[(i + 1) * width + j] = 1;
      } else if (t === o) {
        covered[(i + 1) * width + j + 1] = 1;
      }
    }
  }
  return covered[a.length * width + b.length] === 1;
}

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
