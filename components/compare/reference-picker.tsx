"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { flattenPages, tagListOptions, tagListParams } from "@/lib/queries";

const fieldClass =
  "h-9 min-w-48 max-w-full rounded-md border border-zinc-300 bg-white px-2 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100";

/** How long typing pauses before the suggestions are asked for. */
const SUGGEST_DELAY_MS = 200;

/**
 * A reference of the repository: a tag typed or picked from suggestions, or a digest. The suggestions are the first
 * page of the repository's tags (by name) containing what is typed, filtered by the server: a repository of
 * 100,000 tags costs one small page per pause in typing, never the whole list. The choice is taken on Enter, on
 * leaving the field, or when a suggestion is picked.
 */
export function ReferencePicker({
  label,
  repository,
  value,
  onChange,
}: {
  label: string;
  repository: string;
  value: string;
  onChange: (reference: string) => void;
}) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  // back/forward, a swap or a deep link moves the URL's choice: the field follows
  useEffect(() => setDraft(value), [value]);
  const [q, setQ] = useState("");
  useEffect(() => {
    const timer = window.setTimeout(() => setQ(draft === value ? "" : draft.trim()), SUGGEST_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [draft, value]);
  const suggestions = useInfiniteQuery({
    ...tagListOptions(repository, tagListParams({ q, sort: "name" })),
    placeholderData: keepPreviousData,
  });
  const names = flattenPages(suggestions.data).map((t) => t.name);

  const commit = (reference: string) => {
    const next = reference.trim();
    if (next !== value) onChange(next);
  };

  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="font-medium text-sm text-zinc-700 dark:text-zinc-300">
        {label}
      </label>
      <input
        id={id}
        type="text"
        list={`${id}-tags`}
        value={draft}
        placeholder={suggestions.isPending ? "Loading tags…" : "Type or choose a tag…"}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => {
          setDraft(e.target.value);
          // a suggestion picked from the list (or a value filled in whole) is a choice; typing is not, yet
          const inputType = (e.nativeEvent as Partial<InputEvent>).inputType;
          if (!inputType || inputType === "insertReplacementText") commit(e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(draft);
          if (e.key === "Escape") setDraft(value);
        }}
        onBlur={() => commit(draft)}
        className={cn(fieldClass, "font-mono", focusRing)}
      />
      {suggestions.isError ? (
        <p role="alert" className="max-w-64 text-red-700 text-xs dark:text-red-300">
          Couldn't load tag suggestions: {suggestions.error.message}
        </p>
      ) : null}
      <datalist id={`${id}-tags`} data-testid={`${label.toLowerCase()}-suggestions`}>
        {names.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
    </div>
  );
}

/** The image of an index to compare; "" lets the API choose (linux/amd64, else the first). */
export function PlatformPicker({
  value,
  platforms,
  onChange,
}: {
  value: string;
  platforms: readonly string[];
  onChange: (platform: string) => void;
}) {
  const id = useId();
  const extra = value && !platforms.includes(value) ? [value] : [];
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="font-medium text-sm text-zinc-700 dark:text-zinc-300">
        Platform
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className={cn(fieldClass, "min-w-40", focusRing)}>
        <option value="">Default (linux/amd64 or the first)</option>
        {[...extra, ...platforms].map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </div>
  );
}
