"use client";

import { useEffect, useState } from "react";
import { formatExact, formatRelative } from "./format";

/** "3 hours ago", exact UTC time on hover. Re-renders every minute so it doesn't go stale. */
export function RelativeTime({ iso, fallback = "—" }: { iso: string | null; fallback?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(id);
  }, []);
  if (!iso) {
    return (
      <span>
        <span aria-hidden="true">{fallback}</span>
        <span className="sr-only">unknown</span>
      </span>
    );
  }
  const exact = formatExact(iso);
  return (
    // The server's clock differs from the browser's by the time it took to get here.
    <time dateTime={iso} title={exact} suppressHydrationWarning>
      {formatRelative(iso, now)}
    </time>
  );
}
