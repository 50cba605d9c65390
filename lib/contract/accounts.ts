// Users, roles, API tokens, the caller (`/me`) and first-run setup. Client-safe: zod and types only.
import { z } from "zod";
import { grantSchema, roleSchema, usernameSchema } from "../auth/roles";

export const role = roleSchema;
export const grant = z.object({ pattern: z.string(), role });
export const permission = z.enum([
  "repository:read",
  "tag:delete",
  "retention:preview",
  "sync:run",
  "retention:manage",
  "gc:run",
  "users:manage",
  "audit:read",
  "settings:manage",
]);

/** `GET /api/v1/me`: who the caller is. `user` is null for anonymous read-only browsing. */
export const me = z.object({
  user: z
    .object({
      id: z.number().int(),
      username: z.string(),
      name: z.string(),
      provider: z.string(),
      via: z.enum(["session", "token", "basic"]),
    })
    .nullable(),
  role,
  grants: z.array(grant),
  anonymous: z.boolean(),
  permissions: z.array(permission),
});
export type Me = z.infer<typeof me>;

export const userItem = z.object({
  id: z.number().int(),
  username: z.string(),
  name: z.string().nullable(),
  role,
  disabled: z.boolean(),
  provider: z.string(),
  grants: z.array(grant),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
  /** API tokens that still work (not revoked, not expired) */
  activeTokens: z.number().int(),
});
export type UserItem = z.infer<typeof userItem>;
export const userList = z.object({ items: z.array(userItem) });
export type UserList = z.infer<typeof userList>;
/** `PATCH /api/v1/users/<id>`: the user, and how many API tokens a password reset revoked. */
export const updatedUser = userItem.extend({ tokensRevoked: z.number().int() });
export type UpdatedUser = z.infer<typeof updatedUser>;
/** `POST /api/v1/me/password`: a password change revokes every API token of the account. */
export const passwordChanged = z.object({ tokensRevoked: z.number().int() });
export type PasswordChanged = z.infer<typeof passwordChanged>;

export const tokenItem = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export type TokenItem = z.infer<typeof tokenItem>;
export const tokenList = z.object({ items: z.array(tokenItem) });
export type TokenList = z.infer<typeof tokenList>;
/** `POST /api/v1/me/tokens`: the secret is in this response and nowhere else, ever. */
export const createdToken = z.object({ token: z.string(), item: tokenItem });
export type CreatedToken = z.infer<typeof createdToken>;

export const setupStatus = z.object({ needed: z.boolean() });
export type SetupStatus = z.infer<typeof setupStatus>;

// request bodies
export const password = z.string().min(8, "at least 8 characters").max(1024);
export const usernameInput = usernameSchema.transform((u) => u.toLowerCase());
export const grantInput = grantSchema;
export const createUserBody = z.object({
  username: usernameInput,
  name: z.string().trim().max(128).optional(),
  password,
  role: role.default("viewer"),
  grants: z.array(grantInput).max(100).default([]),
});
export type CreateUserBody = z.infer<typeof createUserBody>;
export const updateUserBody = z
  .object({
    name: z.string().trim().max(128).nullable().optional(),
    role: role.optional(),
    disabled: z.boolean().optional(),
    /** an admin's reset: the user's sessions end and their API tokens are revoked */
    password: password.optional(),
    grants: z.array(grantInput).max(100).optional(),
  })
  .strict();
export type UpdateUserBody = z.infer<typeof updateUserBody>;
export const changePasswordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: password });
export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(64),
  // absent or null: the longest LAYERSCOPE_TOKEN_MAX_DAYS allows
  expiresInDays: z.number().int().min(1).max(3650).nullable().optional(),
});
export const setupBody = z.object({ username: usernameInput, password });
