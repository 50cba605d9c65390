import type { ReactNode } from "react";
import { cn } from "./cn";

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded-md bg-zinc-200 dark:bg-zinc-800", className)} />;
}

/**
 * Wraps a loading layout: one announcement instead of many empty boxes. `header` sizes the placeholder lines of
 * the page header (eyebrow, title, description: height and width classes), spaced like the real one.
 */
export function LoadingRegion({ label, header = [], children }: { label: string; header?: readonly string[]; children: ReactNode }) {
  return (
    <div role="status" aria-live="polite" aria-busy="true">
      {/* the page's heading until the real one arrives */}
      <h1 className="sr-only">{label}</h1>
      {header.map((size, i) => (
        <Skeleton key={size} className={cn(i === header.length - 1 ? "mb-6" : "mb-2", size)} />
      ))}
      {children}
    </div>
  );
}

/** The search box, sort column and order of a list's filter bar. */
export function FilterBarSkeleton() {
  return (
    <div className="flex gap-3">
      <Skeleton className="h-9 flex-1" />
      <Skeleton className="h-9 w-40" />
      <Skeleton className="h-9 w-28" />
    </div>
  );
}

/** Stable keys for a fixed number of identical placeholders. */
function placeholderIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `placeholder-${i}`);
}

export function TableSkeleton({ rows = 8, columns = 4 }: { rows?: number; columns?: number }) {
  return (
    <div className="space-y-2" aria-hidden="true">
      <Skeleton className="h-9 w-full" />
      {placeholderIds(rows).map((rowId) => (
        <div key={rowId} className="flex gap-4">
          {placeholderIds(columns).map((cellId, c) => (
            <Skeleton key={cellId} className={cn("h-6", c === 0 ? "flex-[3]" : "flex-1")} />
          ))}
        </div>
      ))}
    </div>
  );
}
