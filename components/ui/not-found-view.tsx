import Link from "next/link";
import type { ReactNode } from "react";
import { buttonClass } from "./button";

export function NotFoundView({
  title,
  children,
  backHref,
  backLabel,
}: {
  title: string;
  children?: ReactNode;
  backHref: string;
  backLabel: string;
}) {
  return (
    <div className="mx-auto max-w-2xl rounded-xl border border-zinc-200 bg-white p-6 text-center dark:border-zinc-800 dark:bg-zinc-900">
      <p className="font-semibold text-indigo-700 text-sm dark:text-indigo-300">404</p>
      <h1 className="mt-1 font-semibold text-xl text-zinc-900 dark:text-white">{title}</h1>
      {children ? <div className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{children}</div> : null}
      <Link href={backHref} className={`mt-5 ${buttonClass("primary")}`}>
        {backLabel}
      </Link>
    </div>
  );
}
