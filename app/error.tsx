"use client";

import { RouteError } from "@/components/ui/route-error";

export default function ErrorPage({ error, retry }: { error: unknown; reset: () => void; retry: () => void }) {
  return <RouteError title="Something went wrong" error={error} retry={retry} />;
}
