"use client";

import { isServer, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ThemeProvider } from "@/components/theme-toggle/theme-provider";
import { queryClientConfig } from "@/lib/queries";

let browserQueryClient: QueryClient | undefined;

/** A fresh client per server render (never share caches between requests), one for the browser's lifetime. */
function getQueryClient(): QueryClient {
  if (isServer) return new QueryClient(queryClientConfig);
  browserQueryClient ??= new QueryClient(queryClientConfig);
  return browserQueryClient;
}

export function Providers({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  return (
    <QueryClientProvider client={queryClient}>
      <ThemeProvider>{children}</ThemeProvider>
    </QueryClientProvider>
  );
}
