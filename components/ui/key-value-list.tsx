import type { ReactNode } from "react";
import { cn } from "./cn";

export type KeyValue = { key: string; label: ReactNode; value: ReactNode };

/** A description list: label column and value column on wide screens, stacked on narrow ones. */
export function KeyValueList({ items, className }: { items: readonly KeyValue[]; className?: string }) {
  return (
    <dl className={cn("grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[minmax(8rem,max-content)_minmax(0,1fr)]", className)}>
      {items.map((item) => (
        <div key={item.key} className="contents">
          <dt className="text-zinc-600 dark:text-zinc-400">{item.label}</dt>
          <dd className="min-w-0 break-words text-zinc-900 dark:text-zinc-100">{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}
