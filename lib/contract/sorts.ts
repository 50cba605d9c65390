// The lists' sorts and orders as plain values. The browser reads them from the URL on every render; taking them
// from the zod enums would load zod and build the contract's schemas before the page can paint.

export const SORT_ORDERS = ["asc", "desc"] as const;
export const REPOSITORY_SORTS = ["name", "updated", "size", "tags"] as const;
export const TAG_SORTS = ["name", "semver", "created", "size"] as const;

/** `value` when it is one of `values`; undefined otherwise (an unknown sort in a URL falls back to the default). */
export function oneOf<T extends string>(values: readonly T[], value: string | undefined): T | undefined {
  return values.find((v) => v === value);
}
