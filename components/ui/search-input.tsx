"use client";

import { useEffect, useId, useRef, useState } from "react";
import { cn, focusRing } from "./cn";
import { SearchIcon } from "./icons";

/**
 * A search box that reports its value after typing pauses. Follows `value` when it changes from
 * outside (back button, a link), unless the user is mid-edit.
 */
export function SearchInput({
  label,
  value,
  onDebouncedChange,
  placeholder,
  delayMs = 250,
  className,
}: {
  label: string;
  value: string;
  onDebouncedChange: (value: string) => void;
  placeholder?: string;
  delayMs?: number;
  className?: string;
}) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  const pending = useRef<number | undefined>(undefined);
  const callback = useRef(onDebouncedChange);
  useEffect(() => {
    callback.current = onDebouncedChange;
  });

  useEffect(() => {
    if (pending.current === undefined) setDraft(value);
  }, [value]);

  useEffect(() => () => window.clearTimeout(pending.current), []);

  function schedule(next: string) {
    setDraft(next);
    window.clearTimeout(pending.current);
    pending.current = window.setTimeout(() => {
      pending.current = undefined;
      callback.current(next);
    }, delayMs);
  }

  return (
    <div className={cn("relative", className)}>
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-zinc-500 dark:text-zinc-400" />
      <input
        id={id}
        type="search"
        value={draft}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => schedule(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            window.clearTimeout(pending.current);
            pending.current = undefined;
            callback.current(draft);
          }
        }}
        className={cn(
          "h-9 w-full rounded-md border border-zinc-300 bg-white pr-2 pl-8 text-sm text-zinc-900 placeholder:text-zinc-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-400",
          focusRing,
        )}
      />
    </div>
  );
}
