"use client";

import { type InputHTMLAttributes, type ReactNode, useId } from "react";
import { cn, focusRing } from "@/components/ui/cn";

export const inputClass = cn(
  "h-9 w-full rounded-md border border-zinc-300 bg-white px-2.5 text-sm text-zinc-900 placeholder:text-zinc-500 disabled:opacity-70 aria-invalid:border-red-600 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-400 dark:aria-invalid:border-red-400",
  focusRing,
);

/** A labelled input with an optional hint and error, both tied to it by aria-describedby. */
export function TextField({
  label,
  hideLabel = false,
  hint,
  error,
  className,
  ...input
}: Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "aria-describedby" | "aria-invalid"> & {
  label: string;
  hideLabel?: boolean;
  hint?: ReactNode;
  /** A message under the field; marks it invalid. */
  error?: string | null;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("flex min-w-0 flex-col gap-1", className)}>
      <label htmlFor={id} className={cn("font-medium text-sm text-zinc-800 dark:text-zinc-200", hideLabel && "sr-only")}>
        {label}
      </label>
      <input id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} className={inputClass} {...input} />
      {hint ? (
        <p id={hintId} className="text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="text-red-700 text-xs dark:text-red-300">
          {error}
        </p>
      ) : null}
    </div>
  );
}
