"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useCallback } from "react";

export type SearchPatch = Record<string, string | undefined>;

/**
 * Updates the URL's search params in place. The history API (which Next's router follows) keeps
 * filter and sort changes on the client: the query keys change, React Query fetches, and no
 * server render runs per keystroke. Empty values are removed so URLs stay short.
 */
export function useSearchParamsUpdate(): (patch: SearchPatch, mode?: "push" | "replace") => void {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  return useCallback(
    (patch, mode = "replace") => {
      const next = new URLSearchParams(searchParams.toString());
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined || value === "") next.delete(key);
        else next.set(key, value);
      }
      const qs = next.toString();
      const url = qs ? `${pathname}?${qs}` : pathname;
      if (mode === "push") window.history.pushState(null, "", url);
      else window.history.replaceState(null, "", url);
    },
    [pathname, searchParams],
  );
}
