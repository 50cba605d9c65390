import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { ForbiddenView } from "@/components/auth/forbidden-view";
import { can } from "@/lib/auth/permissions";
import { requirePageCaller } from "@/lib/http/page";
import { auditListOptions, pageHrefs, RECENT_SIGN_INS, signInHref, userListOptions } from "@/lib/queries";
import { makeServerQueryClient, prefetchMe, serviceLoaders } from "@/lib/queries/server";
import { UsersClient } from "./users-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const caller = await requirePageCaller(pageHrefs.users);
  if (!can(caller, "users:manage")) {
    return (
      <ForbiddenView
        title="You need the admin role"
        action={caller.kind === "anonymous" ? { href: signInHref(pageHrefs.users), label: "Sign in" } : undefined}
      >
        Only admins manage users.{" "}
        {caller.kind === "user"
          ? `You are signed in as ${caller.username} with the ${caller.role} role.`
          : "You are browsing without signing in."}
      </ForbiddenView>
    );
  }

  const queryClient = makeServerQueryClient();
  const loaders = serviceLoaders(caller);
  await Promise.all([
    prefetchMe(queryClient, caller),
    queryClient.prefetchQuery(userListOptions(loaders.users)),
    can(caller, "audit:read") ? queryClient.prefetchQuery(auditListOptions(RECENT_SIGN_INS, loaders.audit)) : null,
  ]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <UsersClient />
    </HydrationBoundary>
  );
}
