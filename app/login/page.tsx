import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { signInErrorMessage } from "@/components/auth/sign-in-messages";
import { getEnv } from "@/lib/env";
import { pageCaller } from "@/lib/http/page";
import { pageHrefs, safeCallbackUrl } from "@/lib/queries";
import { setupNeeded } from "@/lib/services/users";
import { LoginClient } from "./login-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const callbackUrl = safeCallbackUrl(first(sp.callbackUrl));
  // anonymous read-only browsing is not being signed in: they may still want to
  const caller = await pageCaller();
  if (caller?.kind === "user") redirect(callbackUrl);
  if (await setupNeeded()) redirect(pageHrefs.setup);

  const env = getEnv();
  return (
    <LoginClient
      callbackUrl={callbackUrl}
      oidcName={env.OIDC_ISSUER ? env.OIDC_NAME : null}
      passwordChanged={first(sp.changed) === "1"}
      initialError={signInErrorMessage(first(sp.error), first(sp.code))}
    />
  );
}
