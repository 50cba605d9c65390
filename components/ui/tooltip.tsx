"use client";

import { type ReactNode, useId } from "react";
import { cn, focusRing } from "./cn";

/**
 * A focusable trigger whose description shows on hover and keyboard focus. The text stays in the
 * DOM (aria-describedby), so screen readers get it without hovering. Hidden, it is `display: none`
 * rather than invisible: a table shows one per row, and an invisible bubble is still laid out and
 * its text shaped before the table's first paint. A description may refer to hidden content.
 */
export function Tooltip({
  trigger,
  label,
  children,
  className,
}: {
  trigger: ReactNode;
  /** Accessible name of the trigger. */
  label: string;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <span className={cn("group relative inline-flex", className)}>
      <button type="button" aria-label={label} aria-describedby={id} className={cn("inline-flex cursor-help rounded-md", focusRing)}>
        {trigger}
      </button>
      <span
        id={id}
        role="tooltip"
        className="absolute top-full left-0 z-30 mt-1 hidden w-max max-w-72 rounded-md bg-zinc-900 px-2.5 py-1.5 text-left text-white text-xs shadow-lg group-focus-within:block group-hover:block dark:bg-zinc-100 dark:text-zinc-900"
      >
        {children}
      </span>
    </span>
  );
}
