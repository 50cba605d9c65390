import type { Metadata } from "next";
import { ForbiddenView } from "@/components/auth/forbidden-view";
import { can } from "@/lib/auth/permissions";
import { requirePageCaller } from "@/lib/http/page";
import { pageHrefs } from "@/lib/queries";
import { RetentionClient } from "./retention-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Retention" };

export default async function RetentionPage() {
  const caller = await requirePageCaller(pageHrefs.retention);
  if (!can(caller, "retention:preview")) {
    return <ForbiddenView title="You need the editor role">Editors preview retention policies; admins save and run them.</ForbiddenView>;
  }
  return <RetentionClient canManage={can(caller, "retention:manage")} />;
}
