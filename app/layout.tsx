import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import localFont from "next/font/local";
import { headers } from "next/headers";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { NavLink } from "@/components/app-shell/nav-link";
import { UserMenu } from "@/components/auth/user-menu";
import { RegistryBanner } from "@/components/registry-banner/registry-banner";
import { SyncIndicator } from "@/components/sync-indicator/sync-indicator";
import { themeInitScript } from "@/components/theme-toggle/theme";
import { ThemeToggle } from "@/components/theme-toggle/theme-toggle";
import { Announcer } from "@/components/ui/announcer";
import { focusRing } from "@/components/ui/cn";
import { BoxIcon } from "@/components/ui/icons";
import { IntentLink } from "@/components/ui/intent-link";
import { can } from "@/lib/auth/permissions";
import { pageCaller } from "@/lib/http/page";
import { makeServerQueryClient, prefetchMe } from "@/lib/queries/server";
import { Providers } from "./providers";
import { WithSyncStatus } from "./sync-status";
import "./globals.css";

// Offline builds: the variable Inter shipped in node_modules, not Google Fonts.
const inter = localFont({
  src: "../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  variable: "--font-inter",
  weight: "100 900",
  display: "swap",
});

export const metadata: Metadata = {
  title: { default: "Layerscope", template: "%s · Layerscope" },
  description: "Browse the repositories, tags and manifests of a private Docker/OCI registry.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page reads live data.
  await connection();
  // proxy.ts sets x-nonce with the page's Content-Security-Policy: without it the theme script would be blocked
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  const queryClient = makeServerQueryClient();
  // signed out (login, first-run setup): no navigation, nothing of the registry. The page asks for the same
  // caller (resolved once per request); who is signed in comes with it, the sync status streams in beside the page.
  const caller = await pageCaller();
  if (caller) await prefetchMe(queryClient, caller);

  return (
    <html lang="en" className={inter.variable} suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script that sets the theme class before paint */}
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeInitScript }} />
      </head>
      <body className="min-h-dvh font-sans">
        <Providers>
          <HydrationBoundary state={dehydrate(queryClient)}>
            <a
              href="#main"
              className="sr-only z-50 rounded-md bg-indigo-600 px-3 py-2 font-medium text-sm text-white focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
            >
              Skip to content
            </a>
            <header className="sticky top-0 z-20 border-zinc-200 border-b bg-white dark:border-zinc-800 dark:bg-zinc-950">
              <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2.5 sm:px-6">
                <IntentLink
                  href="/"
                  className={`flex items-center gap-2 rounded-md font-semibold text-base text-zinc-900 dark:text-white ${focusRing}`}
                >
                  <BoxIcon className="size-5 text-indigo-600 dark:text-indigo-400" />
                  Layerscope
                </IntentLink>
                {caller && (
                  <nav aria-label="Main" className="order-last flex w-full flex-wrap items-center gap-1 md:order-none md:w-auto">
                    <NavLink href="/repositories">Repositories</NavLink>
                    {can(caller, "retention:preview") ? <NavLink href="/retention">Retention</NavLink> : null}
                    {can(caller, "gc:run") ? <NavLink href="/gc">Garbage collection</NavLink> : null}
                    {can(caller, "gc:run") ? <NavLink href="/storage">Storage</NavLink> : null}
                    {can(caller, "audit:read") ? <NavLink href="/audit">Audit log</NavLink> : null}
                  </nav>
                )}
                <div className="ml-auto flex min-w-0 items-center gap-3">
                  {caller && (
                    <WithSyncStatus caller={caller} fallback={<SyncIndicator />}>
                      <SyncIndicator />
                    </WithSyncStatus>
                  )}
                  <ThemeToggle />
                  {caller && <UserMenu />}
                </div>
              </div>
            </header>
            {caller && (
              <WithSyncStatus caller={caller} fallback={null}>
                <RegistryBanner />
              </WithSyncStatus>
            )}
            <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl px-4 py-6 outline-none sm:px-6">
              {children}
              <Announcer />
            </main>
          </HydrationBoundary>
        </Providers>
      </body>
    </html>
  );
}
