"use client";

import { useId } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { shortDigest } from "@/lib/oci/reference";
import { isDigestReference } from "@/lib/queries";

const fieldClass =
  "h-9 min-w-48 max-w-full rounded-md border border-zinc-300 bg-white px-2 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100";

/**
 * A tag of the repository, by name. A reference that is not a tag (a digest from a link, a tag
 * deleted since) stays selectable so the URL's choice is never silently replaced.
 */
export function ReferencePicker({
  label,
  value,
  tags,
  loading,
  onChange,
}: {
  label: string;
  value: string;
  tags: readonly string[];
  loading: boolean;
  onChange: (reference: string) => void;
}) {
  const id = useId();
  const extra = value && !tags.includes(value) ? [value] : [];
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="font-medium text-sm text-zinc-700 dark:text-zinc-300">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className={cn(fieldClass, focusRing)}>
        <option value="">{loading && tags.length === 0 ? "Loading tags…" : "Choose a tag…"}</option>
        {extra.map((r) => (
          <option key={r} value={r}>
            {isDigestReference(r) ? `@${shortDigest(r)}` : r}
          </option>
        ))}
        {tags.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
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
