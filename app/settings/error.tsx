"use client";

import { RouteError } from "@/components/ui/route-error";

export default function SettingsError({ error, retry }: { error: unknown; reset: () => void; retry: () => void }) {
  return <RouteError title="Couldn't load the settings" error={error} retry={retry} />;
}
