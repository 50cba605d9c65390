import type { ReactNode } from "react";
import { BoxIcon } from "@/components/ui/icons";

/** The narrow centred card of the sign-in and first-run pages. */
export function AuthCard({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <div className="mx-auto mt-8 w-full max-w-sm sm:mt-16">
      <div className="rounded-xl border border-zinc-200 bg-white p-6 shadow-xs dark:border-zinc-800 dark:bg-zinc-900">
        <BoxIcon className="size-8 text-indigo-600 dark:text-indigo-400" />
        <h1 className="mt-3 font-semibold text-xl text-zinc-900 tracking-tight dark:text-white">{title}</h1>
        {description ? <div className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{description}</div> : null}
        <div className="mt-5">{children}</div>
      </div>
    </div>
  );
}
