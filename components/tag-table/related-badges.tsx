import { Badge } from "@/components/ui/badge";
import type { RelatedCounts, RelatedTo, Relation } from "@/lib/contract/images";
import { shortDigest } from "@/lib/oci/reference";

export const RELATION_LABELS: Record<Relation, string> = {
  signature: "Signature",
  attestation: "Attestation",
  sbom: "SBOM",
  artifact: "Artifact",
};

const times = (n: number) => (n > 1 ? ` ×${n}` : "");

/** "signed" (with its verification), "SBOM" and "attested" on an image that has them. */
export function RelatedBadges({ related }: { related: RelatedCounts }) {
  const v = related.verification;
  return (
    <>
      {related.signatures > 0 ? (
        v?.status === "verified" ? (
          <Badge tone="success" title={`cosign signature verified by ${v.keys.join(", ")}`}>
            signed · verified by {v.keys.join(", ")}
          </Badge>
        ) : v?.status === "failed" ? (
          <Badge tone="danger" title={v.reason ?? undefined}>
            signed · signature does not verify
          </Badge>
        ) : (
          <Badge tone="accent" title={v?.reason ?? "signed"}>
            signed{times(related.signatures)}
          </Badge>
        )
      ) : null}
      {related.sboms > 0 ? <Badge tone="accent">SBOM{times(related.sboms)}</Badge> : null}
      {related.attestations > 0 ? <Badge tone="accent">attested{times(related.attestations)}</Badge> : null}
    </>
  );
}

/** On an artifact's own row: what it is and which manifest it describes. */
export function RelationBadge({ relatedTo }: { relatedTo: RelatedTo }) {
  return (
    <Badge tone="neutral" title={`${RELATION_LABELS[relatedTo.relation]} of ${relatedTo.digest}`}>
      {RELATION_LABELS[relatedTo.relation].toLowerCase()} of {shortDigest(relatedTo.digest)}
    </Badge>
  );
}
