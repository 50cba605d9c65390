"use client";

import { isServer, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useEffect } from "react";
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
  // Marks the page as interactive: Next 16 drops a Link click that lands before the router has hydrated,
  // so the e2e tests (and anything else driving the page) wait for <html data-hydrated>.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <QueryClientProvider client={queryClient}>
      <ThemeProvider>{children}</ThemeProvider>
    </QueryClientProvider>
  );
}
