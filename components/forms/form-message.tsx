import type { ReactNode } from "react";
import { cn } from "@/components/ui/cn";
import { AlertIcon, CheckIcon } from "@/components/ui/icons";

const TONES = {
  error: {
    role: "alert",
    className: "border-red-200 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100",
    Icon: AlertIcon,
  },
  notice: {
    role: "status",
    className: "border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100",
    Icon: CheckIcon,
  },
} as const;

function FormMessage({ tone, children, id }: { tone: keyof typeof TONES; children: ReactNode; id?: string }) {
  const { role, className, Icon } = TONES[tone];
  return (
    <div id={id} role={role} className={cn("flex items-start gap-2 rounded-md border px-3 py-2 text-sm", className)}>
      <Icon className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 break-words">{children}</div>
    </div>
  );
}

/** A form's error: announced as soon as it appears. */
export function FormError({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <FormMessage tone="error" id={id}>
      {children}
    </FormMessage>
  );
}

/** A form's success or information message, announced politely. */
export function FormNotice({ children, id }: { children: ReactNode; id?: string }) {
  return (
    <FormMessage tone="notice" id={id}>
      {children}
    </FormMessage>
  );
}

/** What a form shows for a failed call: the API's message, with a first capital letter. */
export function failureText(error: unknown): string {
  const message = error instanceof Error && error.message ? error.message : "Something went wrong";
  return message.charAt(0).toUpperCase() + message.slice(1);
}
