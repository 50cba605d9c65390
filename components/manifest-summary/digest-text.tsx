import { CopyButton } from "@/components/ui/copy-button";
import { shortDigest } from "@/lib/oci/reference";

/** A digest in monospace with a copy button; `short` shows the first 12 hex characters. */
export function DigestText({ digest, short = false, label }: { digest: string; short?: boolean; label?: string }) {
  return (
    <span className="inline-flex max-w-full items-center gap-1">
      <code className="min-w-0 break-all font-mono text-xs text-zinc-800 dark:text-zinc-200" title={digest}>
        {short ? shortDigest(digest) : digest}
      </code>
      <CopyButton value={digest} label={label ?? `Copy digest ${shortDigest(digest)}`} />
    </span>
  );
}
