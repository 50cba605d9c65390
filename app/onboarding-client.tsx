"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { OnboardingView } from "@/components/onboarding/onboarding-view";
import { syncStatusOptions } from "@/lib/queries";

export function OnboardingClient() {
  const router = useRouter();
  const { data: sync } = useQuery(syncStatusOptions());
  // Once a first sync has run (or is running), the home page becomes the repositories view.
  const started = sync !== undefined && (sync.running || sync.lastRun !== null);
  useEffect(() => {
    if (started) router.refresh();
  }, [started, router]);
  return <OnboardingView sync={sync} />;
}
