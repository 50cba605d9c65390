// An image (or repository) whose manifest needs a blob the registry no longer has: it looks normal everywhere
// else, and every pull of it fails. The badge goes in list rows, the banner on the image page.
import { Badge } from "@/components/ui/badge";
import type { Problem } from "@/lib/contract/images";
import { shortDigest } from "@/lib/oci/reference";

export const INCOMPLETE_LABEL = "incomplete: pulls will fail";

function missingDigests(problems: readonly Problem[]): string[] {
  return problems.filter((p) => p.code === "blob_missing").map((p) => p.digest);
}

/** Nothing when there is no problem. */
export function IncompleteBadge({ problems }: { problems: readonly Problem[] | undefined }) {
  const missing = missingDigests(problems ?? []);
  const first = missing[0];
  if (first === undefined) return null;
  const more = missing.length > 1 ? ` and ${missing.length - 1} more` : "";
  return (
    <Badge tone="danger" title={`Missing from the registry: ${missing.join(", ")}`} data-testid="incomplete-badge">
      {INCOMPLETE_LABEL} · missing {shortDigest(first)}
      {more}
    </Badge>
  );
}

export function IncompleteBanner({ problems }: { problems: readonly Problem[] }) {
  const missing = missingDigests(problems);
  if (missing.length === 0) return null;
  return (
    <div
      role="alert"
      data-testid="incomplete-banner"
      className="rounded-md border border-red-300 bg-red-50 p-3 text-red-900 text-sm dark:border-red-800 dark:bg-red-950 dark:text-red-100"
    >
      <p className="font-medium">This image is incomplete: pulls will fail.</p>
      <p className="mt-1">
        The registry no longer has {missing.length === 1 ? "this blob" : "these blobs"}, which the manifest needs (a layer or config deleted
        on disk, or by a garbage collection). Push the image again to repair it.
      </p>
      <ul className="mt-1 space-y-0.5">
        {missing.map((d) => (
          <li key={d}>
            <code className="break-all font-mono text-xs">{d}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}
