import { Button } from "./button";
import { AlertIcon } from "./icons";

/** An inline error for one region of a page; the rest of the page keeps working. */
export function ErrorState({ title, error, onRetry }: { title: string; error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : "Unknown error";
  return (
    <div
      role="alert"
      className="flex flex-col items-start gap-3 rounded-lg border border-red-200 bg-red-50 p-4 text-red-900 text-sm dark:border-red-900 dark:bg-red-950 dark:text-red-100"
    >
      <p className="flex items-center gap-2 font-semibold">
        <AlertIcon className="size-4" />
        {title}
      </p>
      <p className="break-words">{message}</p>
      {onRetry ? (
        <Button size="sm" onClick={onRetry}>
          Retry
        </Button>
      ) : null}
    </div>
  );
}
