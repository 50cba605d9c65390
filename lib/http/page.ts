// The caller of a server-rendered page: the same resolution as API routes, from the request headers.
import "server-only";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { AppError } from "@/lib/errors";
import type { Caller } from "../auth/caller";
import { setupNeeded } from "../services/users";
import { resolveCaller } from "./caller";

/**
 * The page's caller, or null when nobody is signed in (and anonymous reading is off). Resolved once per
 * request: the layout and the page both ask, and each resolution reads the session and the user row.
 */
export const pageCaller = cache(async (): Promise<Caller | null> => {
  try {
    return await resolveCaller(await headers());
  } catch (e) {
    // wrong credentials in an Authorization header, or a throttled one: the page treats it as signed out
    if (e instanceof AppError && (e.code === "unauthorized" || e.code === "rate_limited")) return null;
    throw e;
  }
});

/** Where to send someone who is not signed in: the first-run page before any user exists, else the login page. */
export async function signInPath(returnTo: string): Promise<string> {
  if (await setupNeeded()) return "/setup";
  return `/login?callbackUrl=${encodeURIComponent(returnTo)}`;
}

/** The page's caller; redirects to sign in (and back to `returnTo` afterwards) when there is none. */
export async function requirePageCaller(returnTo: string): Promise<Caller> {
  const caller = await pageCaller();
  if (!caller) redirect(await signInPath(returnTo));
  return caller;
}
