"use client";

import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { IntentLink } from "@/components/ui/intent-link";

export function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const pathname = usePathname();
  const active = pathname === href || pathname.startsWith(`${href}/`);
  return (
    <IntentLink
      href={href}
      aria-current={active ? "page" : undefined}
      className={cn(
        "rounded-md px-2.5 py-1.5 font-medium text-sm transition-colors",
        focusRing,
        active
          ? "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-white"
          : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white",
      )}
    >
      {children}
    </IntentLink>
  );
}
