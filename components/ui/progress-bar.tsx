import { cn } from "./cn";

/** Determinate when max > 0, otherwise an indeterminate pulse (the total isn't known yet). */
export function ProgressBar({
  value,
  max,
  label,
  valueText,
  className,
}: {
  value: number;
  max: number;
  label: string;
  valueText?: string;
  className?: string;
}) {
  const determinate = max > 0;
  const clamped = determinate ? Math.min(Math.max(value, 0), max) : 0;
  const percent = determinate ? (clamped / max) * 100 : 0;
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={determinate ? max : undefined}
      aria-valuenow={determinate ? clamped : undefined}
      aria-valuetext={valueText}
      className={cn("h-1.5 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-700", className)}
    >
      <div
        className={cn(
          "h-full rounded-full bg-indigo-600 transition-[width] duration-500 dark:bg-indigo-400",
          !determinate && "w-1/3 animate-pulse",
        )}
        style={determinate ? { width: `${percent}%` } : undefined}
      />
    </div>
  );
}
