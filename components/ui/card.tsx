import type { HTMLAttributes, ReactNode } from "react";
import { cn } from "./cn";

export function Card({ className, ...props }: HTMLAttributes<HTMLElement>) {
  return (
    <section
      className={cn("rounded-xl border border-zinc-200 bg-white shadow-xs dark:border-zinc-800 dark:bg-zinc-900", className)}
      {...props}
    />
  );
}

/** A card with a heading; the heading names the section for screen readers. */
export function TitledCard({
  title,
  id,
  actions,
  children,
  className,
}: {
  title: ReactNode;
  id: string;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <Card aria-labelledby={id} className={className}>
      <div className="flex items-center justify-between gap-3 border-zinc-200 border-b px-4 py-3 dark:border-zinc-800">
        <h2 id={id} className="font-semibold text-sm text-zinc-900 dark:text-zinc-100">
          {title}
        </h2>
        {actions}
      </div>
      <div className="p-4">{children}</div>
    </Card>
  );
}
