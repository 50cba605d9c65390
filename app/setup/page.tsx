import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { pageHrefs } from "@/lib/queries";
import { setupNeeded } from "@/lib/services/users";
import { SetupClient } from "./setup-client";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Set up" };

/** First run: while no user exists, create the admin. Afterwards this page only sends people to sign in. */
export default async function SetupPage() {
  if (!(await setupNeeded())) redirect(pageHrefs.login);
  return <SetupClient />;
}
