import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { ForbiddenView } from "@/components/auth/forbidden-view";
import { requirePageCaller } from "@/lib/http/page";
import { myTokensOptions, pageHrefs, signInHref } from "@/lib/queries";
import { makeServerQueryClient, prefetchMe, serviceLoaders } from "@/lib/queries/server";
import { ProfileClient } from "./profile-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfilePage() {
  const caller = await requirePageCaller(pageHrefs.profile);
  if (caller.kind !== "user") {
    return (
      <ForbiddenView title="Sign in to see your profile" action={{ href: signInHref(pageHrefs.profile), label: "Sign in" }}>
        You are browsing without signing in: there is no account, password or API token to manage.
      </ForbiddenView>
    );
  }
  const queryClient = makeServerQueryClient();
  await Promise.all([prefetchMe(queryClient, caller), queryClient.prefetchQuery(myTokensOptions(serviceLoaders(caller).myTokens))]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ProfileClient />
    </HydrationBoundary>
  );
}
