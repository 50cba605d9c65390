import type { ReactNode } from "react";
import { cn } from "./cn";

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded-md bg-zinc-200 dark:bg-zinc-800", className)} />;
}

/** Wraps a loading layout: one announcement instead of many empty boxes. */
export function LoadingRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="status" aria-live="polite" aria-busy="true">
      {/* the page's heading until the real one arrives */}
      <h1 className="sr-only">{label}</h1>
      {children}
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
