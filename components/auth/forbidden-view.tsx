import Link from "next/link";
import type { ReactNode } from "react";
import { buttonClass } from "@/components/ui/button";

/** What a page shows a caller whose role does not allow it (the 403 of a page). */
export function ForbiddenView({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  /** Where to go instead; home by default. */
  action?: { href: string; label: string };
}) {
  const { href, label } = action ?? { href: "/", label: "Go home" };
  return (
    <div className="mx-auto max-w-2xl rounded-xl border border-zinc-200 bg-white p-6 text-center dark:border-zinc-800 dark:bg-zinc-900">
      <p className="font-semibold text-indigo-700 text-sm dark:text-indigo-300">403 · Forbidden</p>
      <h1 className="mt-1 font-semibold text-xl text-zinc-900 dark:text-white">{title}</h1>
      {children ? <div className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{children}</div> : null}
      <Link href={href} className={`mt-5 ${buttonClass("primary")}`}>
        {label}
      </Link>
    </div>
  );
}
