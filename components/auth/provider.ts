import type { UserItem } from "@/lib/contract/accounts";

export function providerLabel(provider: string): string {
  if (provider === "credentials") return "Password";
  if (provider === "oidc") return "Single sign-on";
  return provider;
}

/** Single sign-on accounts have no password here: their identity provider checks it. */
export function hasLocalPassword(user: Pick<UserItem, "provider">): boolean {
  return user.provider !== "oidc";
}
