"use client";

import type { ReactNode } from "react";
import { useEffect, useRef, useState } from "react";
import { announce } from "./announcer";
import { Button } from "./button";
import { cn } from "./cn";
import { CheckIcon, CopyIcon } from "./icons";

/** The async Clipboard API needs a secure context; plain-http dashboards fall back to execCommand. */
async function copyText(text: string): Promise<boolean> {
  if (typeof navigator !== "undefined" && navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // denied: try the fallback
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

export function CopyButton({
  value,
  label,
  children,
  size = "sm",
  variant = "ghost",
  className,
}: {
  value: string;
  /** Accessible name: what is copied ("Copy digest"). Must contain the visible text, if any. */
  label: string;
  /** Visible text; icon-only when absent. */
  children?: ReactNode;
  size?: "sm" | "md";
  variant?: "primary" | "secondary" | "ghost";
  className?: string;
}) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  async function onClick() {
    const ok = await copyText(value);
    setState(ok ? "copied" : "failed");
    announce(ok ? "Copied" : "Copy failed");
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState("idle"), 2000);
  }

  return (
    <Button
      variant={variant}
      size={size}
      aria-label={label}
      title={state === "failed" ? "Copy failed: select the text and copy it manually" : label}
      onClick={onClick}
      className={cn(!children && "w-7 px-0", className)}
    >
      {state === "copied" ? <CheckIcon className="size-3.5 text-emerald-600 dark:text-emerald-400" /> : <CopyIcon className="size-3.5" />}
      {children}
    </Button>
  );
}
