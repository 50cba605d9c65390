import Link from "next/link";
import { RELATION_LABELS } from "@/components/tag-table/related-badges";
import { Badge } from "@/components/ui/badge";
import { TitledCard } from "@/components/ui/card";
import { cn, focusRing, linkClass } from "@/components/ui/cn";
import { formatCount } from "@/components/ui/format";
import type { ArtifactContent, ManifestDetail, SignatureVerification } from "@/lib/contract/images";
import { shortDigest } from "@/lib/oci/reference";
import { pageHrefs } from "@/lib/queries";

const DESCRIPTIONS = {
  signature: "a cosign signature",
  attestation: "an attestation",
  sbom: "a software bill of materials (SBOM)",
  artifact: "an artifact",
} as const;

export function VerificationBadge({ verification }: { verification: SignatureVerification }) {
  if (verification.status === "verified") return <Badge tone="success">verified by {verification.keys.join(", ")}</Badge>;
  if (verification.status === "failed")
    return (
      <Badge tone="danger" title={verification.reason ?? undefined}>
        signature does not verify
      </Badge>
    );
  return <Badge title={verification.reason ?? undefined}>not verified</Badge>;
}

function Content({ content }: { content: ArtifactContent }) {
  const layer = <code className="font-mono text-xs text-zinc-600 dark:text-zinc-400">{shortDigest(content.layer)}</code>;
  if (content.kind === "unreadable") {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Layer {layer}: couldn't be read ({content.reason}).
      </p>
    );
  }
  if (content.kind === "sbom") {
    return (
      <p className="text-sm">
        Layer {layer}: {content.format}
        {content.version ? ` ${content.version}` : ""} document{content.name ? <> “{content.name}”</> : null} listing{" "}
        {formatCount(content.packageCount)} {content.format === "CycloneDX" ? "components" : "packages"}.
      </p>
    );
  }
  return (
    <div className="space-y-2">
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <span>Layer {layer}: simple-signing payload</span>
        <VerificationBadge verification={content.verification} />
        {content.verification.status !== "verified" && content.verification.reason ? (
          <span className="text-zinc-600 text-xs dark:text-zinc-400">{content.verification.reason}</span>
        ) : null}
      </p>
      {/* a named, focusable region: a long payload scrolls, and keyboard users must be able to scroll it */}
      <section
        aria-label="Signature payload"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region takes focus (axe: scrollable-region-focusable)
        tabIndex={0}
        className={cn("max-h-80 overflow-auto rounded-md bg-zinc-100 dark:bg-zinc-800", focusRing)}
      >
        <pre className="p-3 font-mono text-xs">{content.payload}</pre>
      </section>
    </div>
  );
}

/** A signature's, attestation's or SBOM's page: what it is, the image it describes, and what its layers say. */
export function ArtifactCard({ manifest }: { manifest: ManifestDetail }) {
  const relatedTo = manifest.relatedTo;
  if (!relatedTo) return null;
  return (
    <TitledCard id="artifact-about" title={RELATION_LABELS[relatedTo.relation]}>
      <div className="space-y-4">
        <p className="text-sm">
          This is {DESCRIPTIONS[relatedTo.relation]} of{" "}
          <Link href={pageHrefs.manifest(manifest.repository, relatedTo.digest)} className={`break-all font-mono ${linkClass}`}>
            {manifest.repository}@{shortDigest(relatedTo.digest)}
          </Link>
          . It has no file system: its layers hold {relatedTo.relation === "signature" ? "signed payloads" : "documents"}, not files.
        </p>
        {manifest.artifactContents.map((c) => (
          <Content key={c.layer} content={c} />
        ))}
      </div>
    </TitledCard>
  );
}
