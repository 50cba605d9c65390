"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useEffect, useId, useRef, useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { ChevronRightIcon } from "@/components/ui/icons";
import { meOptions, pageHrefs, signInHref } from "@/lib/queries";
import { RoleBadge } from "./role-badge";

const itemClass = cn(
  "flex w-full items-center rounded-md px-2.5 py-1.5 text-left text-sm text-zinc-800 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800",
  focusRing,
);

/** The header's account control: who is signed in, their settings, sign out; "Sign in" for anonymous readers. */
export function UserMenu() {
  const { data: me, isError } = useQuery(meOptions());
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    function onPointerDown(e: PointerEvent) {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    }
    function onKeyDown(e: KeyboardEvent) {
      if (e.key !== "Escape") return;
      setOpen(false);
      buttonRef.current?.focus();
    }
    // tabbing out of the menu closes it
    function onFocusOut(e: FocusEvent) {
      if (e.relatedTarget instanceof Node && !rootRef.current?.contains(e.relatedTarget)) setOpen(false);
    }
    const root = rootRef.current;
    document.addEventListener("pointerdown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    root?.addEventListener("focusout", onFocusOut);
    return () => {
      document.removeEventListener("pointerdown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
      root?.removeEventListener("focusout", onFocusOut);
    };
  }, [open]);

  // already there
  if (pathname === pageHrefs.login) return null;

  if (!me) {
    // a session that ended meanwhile: offer to sign in again
    return isError ? (
      <Link href={signInHref(pathname)} className={buttonClass("secondary", "sm")}>
        Sign in
      </Link>
    ) : null;
  }

  if (!me.user) {
    return (
      <Link href={signInHref(pathname)} className={buttonClass("secondary", "sm")}>
        Sign in
      </Link>
    );
  }

  const user = me.user;
  const canManageUsers = me.permissions.includes("users:manage");
  return (
    <div ref={rootRef} className="relative">
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        className={buttonClass("ghost", "md", "max-w-64")}
      >
        <span className="sr-only">Account menu:</span>
        <span className="truncate">{user.name}</span>
        <RoleBadge role={me.role} />
        <ChevronRightIcon className={cn("size-3.5 transition-transform", open ? "-rotate-90" : "rotate-90")} />
      </button>
      {open ? (
        <div
          id={panelId}
          className="absolute top-full right-0 z-30 mt-2 w-60 rounded-lg border border-zinc-200 bg-white p-1.5 shadow-lg dark:border-zinc-800 dark:bg-zinc-900"
        >
          <p className="border-zinc-200 border-b px-2.5 pt-1 pb-2 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
            Signed in as <span className="font-medium text-zinc-900 dark:text-zinc-100">{user.username}</span>
          </p>
          <nav aria-label="Account" className="mt-1.5">
            <ul className="space-y-0.5">
              <li>
                <Link href={pageHrefs.profile} className={itemClass} onClick={() => setOpen(false)}>
                  Profile
                </Link>
              </li>
              {canManageUsers ? (
                <li>
                  <Link href={pageHrefs.users} className={itemClass} onClick={() => setOpen(false)}>
                    Users
                  </Link>
                </li>
              ) : null}
              {canManageUsers ? (
                <li>
                  <Link href="/settings/registry" className={itemClass} onClick={() => setOpen(false)}>
                    Registry and configuration
                  </Link>
                </li>
              ) : null}
              <li>
                <Link href="/api-docs" className={itemClass} onClick={() => setOpen(false)}>
                  API
                </Link>
              </li>
            </ul>
          </nav>
          <div className="mt-1.5 border-zinc-200 border-t pt-1.5 dark:border-zinc-800">
            <button
              type="button"
              className={itemClass}
              disabled={signingOut}
              onClick={() => {
                setSigningOut(true);
                void signOut({ callbackUrl: pageHrefs.login });
              }}
            >
              Sign out
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
