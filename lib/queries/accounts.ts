// The caller (`/me`), users, API tokens and first-run setup.

import { mutationOptions, type QueryClient, queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import type {
  CreatedToken,
  changePasswordBody,
  createTokenBody,
  createUserBody,
  Me,
  PasswordChanged,
  SetupStatus,
  setupBody,
  TokenList,
  UpdatedUser,
  UserItem,
  UserList,
  updateUserBody,
} from "@/lib/contract/accounts";
import { getJson, parseJson, sendJson } from "./client";
import { queryKeys } from "./keys";
import { apiPaths } from "./paths";

export type MeLoader = (signal?: AbortSignal) => Promise<Me>;

export type UserListLoader = (signal?: AbortSignal) => Promise<UserList>;

export type TokenListLoader = (signal?: AbortSignal) => Promise<TokenList>;

export type SetupStatusLoader = (signal?: AbortSignal) => Promise<SetupStatus>;

export const fetchMe: MeLoader = (signal) => getJson(apiPaths.me, "me", signal);

export const fetchUsers: UserListLoader = (signal) => getJson(apiPaths.users, "userList", signal);

export const fetchMyTokens: TokenListLoader = (signal) => getJson(apiPaths.myTokens, "tokenList", signal);

export const fetchSetupStatus: SetupStatusLoader = (signal) => getJson(apiPaths.setup, "setupStatus", signal);

// Request bodies as the browser sends them (the server applies the schemas' defaults).
export type CreateUserInput = z.input<typeof createUserBody>;

export type UpdateUserInput = z.input<typeof updateUserBody>;

export type ChangePasswordInput = z.input<typeof changePasswordBody>;

export type CreateTokenInput = z.input<typeof createTokenBody>;

export type SetupInput = z.input<typeof setupBody>;

export async function postUser(body: CreateUserInput): Promise<UserItem> {
  return parseJson(await sendJson(apiPaths.users, "POST", body), apiPaths.users, "userItem");
}

/** A password reset in `body` also answers how many of the user's API tokens it revoked. */
export async function patchUser(id: number, body: UpdateUserInput): Promise<UpdatedUser> {
  return parseJson(await sendJson(apiPaths.user(id), "PATCH", body), apiPaths.user(id), "updatedUser");
}

/** Every session of the user ends, this one too (the caller signs in again), and every API token is revoked. */
export async function postPassword(body: ChangePasswordInput): Promise<PasswordChanged> {
  return parseJson(await sendJson(apiPaths.myPassword, "POST", body), apiPaths.myPassword, "passwordChanged");
}

export const fetchUserTokens = (userId: number, signal?: AbortSignal): Promise<TokenList> =>
  getJson(apiPaths.userTokens(userId), "tokenList", signal);

export async function deleteUserToken({ userId, tokenId }: { userId: number; tokenId: number }): Promise<void> {
  await sendJson(apiPaths.userToken(userId, tokenId), "DELETE");
}

/** The response holds the token's secret: show it once, never cache it. */
export async function postToken(body: CreateTokenInput): Promise<CreatedToken> {
  return parseJson(await sendJson(apiPaths.myTokens, "POST", body), apiPaths.myTokens, "createdToken");
}

export async function deleteToken(id: number): Promise<void> {
  await sendJson(apiPaths.myToken(id), "DELETE");
}

/** Creates the first admin (201); 409 once any user exists. */
export async function postSetup(body: SetupInput): Promise<void> {
  await sendJson(apiPaths.setup, "POST", body);
}

/** Who the browser is signed in as, and what their role allows (controls hide what it does not). */
export function meOptions(load: MeLoader = fetchMe) {
  return queryOptions({ queryKey: queryKeys.me(), queryFn: ({ signal }) => load(signal), staleTime: 60_000 });
}

/** Admins only. */
export function userListOptions(load: UserListLoader = fetchUsers) {
  return queryOptions({ queryKey: queryKeys.users(), queryFn: ({ signal }) => load(signal) });
}

export function myTokensOptions(load: TokenListLoader = fetchMyTokens) {
  return queryOptions({ queryKey: queryKeys.myTokens(), queryFn: ({ signal }) => load(signal) });
}

export function setupStatusOptions(load: SetupStatusLoader = fetchSetupStatus) {
  return queryOptions({ queryKey: queryKeys.setup(), queryFn: ({ signal }) => load(signal) });
}

export function createUserOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["users", "create"],
    mutationFn: postUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.users }),
  });
}

export function updateUserOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["users", "update"],
    mutationFn: ({ id, body }: { id: number; body: UpdateUserInput }) => patchUser(id, body),
    onSuccess: ({ tokensRevoked: _, ...updated }) => {
      // the row changes at once; the refetch below confirms it
      queryClient.setQueryData(queryKeys.users(), (list: UserList | undefined) =>
        list ? { items: list.items.map((u) => (u.id === updated.id ? updated : u)) } : list,
      );
    },
    // an admin may have changed their own role or grants
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.roots.users }),
        queryClient.invalidateQueries({ queryKey: queryKeys.me() }),
      ]),
  });
}

export function changePasswordOptions() {
  return mutationOptions({ mutationKey: ["me", "password"], mutationFn: postPassword });
}

export function createTokenOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["tokens", "create"],
    mutationFn: postToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.tokens }),
  });
}

export function userTokensOptions(userId: number) {
  return queryOptions({ queryKey: queryKeys.userTokens(userId), queryFn: ({ signal }) => fetchUserTokens(userId, signal) });
}

/** An admin revokes someone's token; the users list (active token counts) refreshes too. */
export function revokeUserTokenOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["users", "tokens", "revoke"],
    mutationFn: deleteUserToken,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.users }),
  });
}

export function revokeTokenOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["tokens", "revoke"],
    mutationFn: deleteToken,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.roots.tokens }),
  });
}

export function setupOptions(queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: ["setup"],
    mutationFn: postSetup,
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.setup() }),
  });
}
