"use client";

import { useQueryErrorResetBoundary } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect } from "react";
import { isApiRequestError } from "@/lib/queries";
import { Button, buttonClass } from "./button";
import { AlertIcon } from "./icons";

function describeError(error: unknown): { message: string; digest: string | undefined } {
  if (error instanceof Error) {
    const digest = "digest" in error && typeof error.digest === "string" ? error.digest : undefined;
    return { message: error.message || "Unknown error", digest };
  }
  return { message: typeof error === "string" ? error : "Unknown error", digest: undefined };
}

/** The body of every error.tsx: what failed, the error's message, and a retry. */
export function RouteError({ title, error, retry }: { title: string; error: unknown; retry: () => void }) {
  const { reset: resetQueries } = useQueryErrorResetBoundary();
  useEffect(() => {
    console.error(error);
  }, [error]);
  const { message, digest } = describeError(error);
  const status = isApiRequestError(error) && error.status > 0 ? ` (${error.status} ${error.code})` : "";
  return (
    <div role="alert" className="mx-auto max-w-2xl rounded-xl border border-red-200 bg-white p-6 dark:border-red-900 dark:bg-zinc-900">
      <h1 className="flex items-center gap-2 font-semibold text-lg text-red-800 dark:text-red-300">
        <AlertIcon className="size-5" />
        {title}
      </h1>
      <p className="mt-2 break-words text-sm text-zinc-800 dark:text-zinc-200">
        {message}
        {status}
      </p>
      {digest ? <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">Error reference: {digest}</p> : null}
      <div className="mt-4 flex gap-2">
        <Button
          variant="primary"
          onClick={() => {
            // let failed queries fetch again on remount, then re-render the segment
            resetQueries();
            retry();
          }}
        >
          Retry
        </Button>
        <Link href="/" className={buttonClass("secondary")}>
          Go home
        </Link>
      </div>
    </div>
  );
}
