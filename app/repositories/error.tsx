"use client";

import { RouteError } from "@/components/ui/route-error";

export default function RepositoriesError({ error, retry }: { error: unknown; reset: () => void; retry: () => void }) {
  return <RouteError title="Couldn't load repositories" error={error} retry={retry} />;
}
