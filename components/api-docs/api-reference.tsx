"use client";

// Swagger UI, bundled from npm (nothing loads from a CDN), rendered in the browser only: it reads the OpenAPI
// document from this origin.
import dynamic from "next/dynamic";
import "swagger-ui-react/swagger-ui.css";
import "./api-reference.css";
import { Skeleton } from "@/components/ui/skeleton";

const SwaggerUI = dynamic(() => import("swagger-ui-react"), {
  ssr: false,
  loading: () => <Skeleton className="h-96 w-full" />,
});

export function ApiReference({ url }: { url: string }) {
  return (
    <div className="api-reference overflow-hidden rounded-xl border border-zinc-200 bg-white text-zinc-900 dark:border-zinc-800">
      <SwaggerUI url={url} docExpansion="list" defaultModelsExpandDepth={0} deepLinking={false} tryItOutEnabled={false} />
    </div>
  );
}
