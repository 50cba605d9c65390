/** Joins class names, skipping falsy ones. */
export function cn(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

/** The one focus ring, for every interactive element. */
export const focusRing =
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:focus-visible:outline-indigo-400";

/** Links in running text and tables. */
export const linkClass = cn("rounded-sm font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-300", focusRing);
