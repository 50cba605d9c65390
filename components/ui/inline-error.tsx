import type { ReactNode } from "react";

/** A one-line error next to the control that failed, announced as soon as it appears. */
export function InlineError({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="text-red-700 text-sm dark:text-red-400">
      {children}
    </p>
  );
}
