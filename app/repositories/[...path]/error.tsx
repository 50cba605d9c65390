"use client";

import { RouteError } from "@/components/ui/route-error";

export default function RepositoryError({ error, retry }: { error: unknown; reset: () => void; retry: () => void }) {
  return <RouteError title="Couldn't load this page" error={error} retry={retry} />;
}
