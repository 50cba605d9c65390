import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { ForbiddenView } from "@/components/auth/forbidden-view";
import { can } from "@/lib/auth/permissions";
import { requirePageCaller } from "@/lib/http/page";
import { auditListOptions, auditListParams, pageHrefs } from "@/lib/queries";
import { makeServerQueryClient, prefetchMe, serviceLoaders } from "@/lib/queries/server";
import { AuditClient } from "./audit-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const caller = await requirePageCaller(pageHrefs.auditLog);
  if (!can(caller, "audit:read")) {
    return <ForbiddenView title="You need the admin role">Only admins read the audit log.</ForbiddenView>;
  }
  const sp = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" && v !== "" ? v : undefined);
  const params = auditListParams({ action: one(sp.action), actor: one(sp.actor), limit: 50 });
  const queryClient = makeServerQueryClient();
  await Promise.all([prefetchMe(queryClient, caller), queryClient.prefetchQuery(auditListOptions(params, serviceLoaders(caller).audit))]);
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <AuditClient />
    </HydrationBoundary>
  );
}
