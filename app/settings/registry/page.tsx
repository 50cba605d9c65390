import type { Metadata } from "next";
import { headers } from "next/headers";
import { ForbiddenView } from "@/components/auth/forbidden-view";
import { RegistrySettings } from "@/components/settings/registry-settings";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/lib/auth/permissions";
import { requirePageCaller } from "@/lib/http/page";
import { signInHref } from "@/lib/queries";
import { diagnoseRegistry, effectiveConfiguration } from "@/lib/services/registry-settings";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Registry and configuration" };

const HREF = "/settings/registry";

export default async function RegistrySettingsPage() {
  const caller = await requirePageCaller(HREF);
  if (!can(caller, "users:manage")) {
    return (
      <ForbiddenView
        title="You need the admin role"
        action={caller.kind === "anonymous" ? { href: signInHref(HREF), label: "Sign in" } : undefined}
      >
        Only admins see the configuration and what was detected about the registry.
      </ForbiddenView>
    );
  }
  const h = await headers();
  const origin = `${h.get("x-forwarded-proto") ?? "http"}://${h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000"}`;
  const [config, diagnosis] = await Promise.all([effectiveConfiguration(caller), diagnoseRegistry(caller, origin)]);
  return (
    <>
      <PageHeader
        title="Registry and configuration"
        description="What Layerscope runs with, what it found out about the registry, and what to change in the registry's config.yml."
      />
      <RegistrySettings config={config} initialDiagnosis={diagnosis} />
    </>
  );
}
