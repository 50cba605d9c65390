"use client";

import { useEffect, useState } from "react";

// One polite live region for the page, instead of one per control that has something to say: a table of tags had
// three copy buttons per row, each with its own region, and every one of them is DOM the browser builds and lays
// out before it paints the page. The root layout renders the region inside <main>. A control inside a modal dialog
// needs its own region: screen readers ignore what is outside an open modal.

let say: ((message: string) => void) | null = null;

/** Tells screen readers `message` through the page's live region. */
export function announce(message: string): void {
  say?.(message);
}

/** How long an announcement stays in the region (read again by a screen reader browsing the page, then gone). */
const KEEP_MS = 5_000;

export function Announcer() {
  const [message, setMessage] = useState("");
  useEffect(() => {
    let show: number | undefined;
    let clear: number | undefined;
    say = (next) => {
      // emptied first, so the same words twice in a row ("Copied") are announced twice
      setMessage("");
      window.clearTimeout(show);
      window.clearTimeout(clear);
      show = window.setTimeout(() => {
        setMessage(next);
        clear = window.setTimeout(() => setMessage(""), KEEP_MS);
      }, 50);
    };
    return () => {
      say = null;
      window.clearTimeout(show);
      window.clearTimeout(clear);
    };
  }, []);
  return (
    <div role="status" aria-live="polite" className="sr-only" data-testid="announcer">
      {message}
    </div>
  );
}
