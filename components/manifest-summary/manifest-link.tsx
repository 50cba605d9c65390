import Link from "next/link";
import type { ReactNode } from "react";
import { linkClass } from "@/components/ui/cn";
import { shortDigest } from "@/lib/oci/reference";
import { pageHrefs } from "@/lib/queries";

/** A link to another manifest of the repository, by digest: the short digest (or `children`), the full one on hover. */
export function ManifestLink({ repository, digest, children }: { repository: string; digest: string; children?: ReactNode }) {
  return (
    <Link href={pageHrefs.manifest(repository, digest)} className={`font-mono text-xs ${linkClass}`} title={digest}>
      {children ?? shortDigest(digest)}
    </Link>
  );
}
