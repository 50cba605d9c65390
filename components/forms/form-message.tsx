import type { ReactNode } from "react";
import { AlertIcon, CheckIcon } from "@/components/ui/icons";

/** A form's error: announced as soon as it appears. */
export function FormError({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <div
      id={id}
      role="alert"
      className="flex items-start gap-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-red-900 text-sm dark:border-red-900 dark:bg-red-950 dark:text-red-100"
    >
      <AlertIcon className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 break-words">{children}</div>
    </div>
  );
}

/** A form's success or information message, announced politely. */
export function FormNotice({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <div
      id={id}
      role="status"
      className="flex items-start gap-2 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-emerald-900 text-sm dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
    >
      <CheckIcon className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 break-words">{children}</div>
    </div>
  );
}

/** What a form shows for a failed call: the API's message, with a first capital letter. */
export function failureText(error: unknown): string {
  const message = error instanceof Error && error.message ? error.message : "Something went wrong";
  return message.charAt(0).toUpperCase() + message.slice(1);
}
