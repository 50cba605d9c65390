import Link from "next/link";
import { TitledCard } from "@/components/ui/card";
import { linkClass } from "@/components/ui/cn";
import { BytesCell, Table, Td } from "@/components/ui/table";
import type { ManifestDetail } from "@/lib/contract/images";
import { shortDigest } from "@/lib/oci/reference";
import { platformLabel } from "@/lib/oci/size";
import { pageHrefs } from "@/lib/queries";
import { DigestText } from "./digest-text";
import { ManifestLink } from "./manifest-link";

export function PlatformsTable({ manifest }: { manifest: ManifestDetail }) {
  return (
    <TitledCard id="platforms" title={`Platforms (${manifest.platforms.length})`}>
      <div className="-m-4 overflow-x-auto">
        <Table caption="Platform images of this index" columns={["Platform", "Digest", { label: "Size", align: "right" }]}>
          {manifest.platforms.map((p) => (
            <tr key={p.digest}>
              <Td>
                <Link
                  href={pageHrefs.manifest(manifest.repository, p.digest)}
                  className={`font-mono ${linkClass}`}
                  aria-label={`${platformLabel(p)} image ${shortDigest(p.digest)}`}
                >
                  {platformLabel(p)}
                </Link>
              </Td>
              <Td>
                <DigestText digest={p.digest} short label={`Copy digest of the ${platformLabel(p)} image`} />
              </Td>
              <BytesCell value={p.sizeBytes} />
            </tr>
          ))}
        </Table>
      </div>
    </TitledCard>
  );
}

export function AttestationsTable({ manifest }: { manifest: ManifestDetail }) {
  const byDigest = new Map(manifest.platforms.map((p) => [p.digest, platformLabel(p)]));
  return (
    <TitledCard id="attestations" title={`Attestations (${manifest.attestations.length})`}>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
        Build provenance and SBOM documents attached by BuildKit. They aren't runnable images.
      </p>
      <div className="-mx-4 -mb-4 overflow-x-auto">
        <Table caption="Attestation manifests of this index" columns={["Attestation", "Describes", { label: "Size", align: "right" }]}>
          {manifest.attestations.map((a) => (
            <tr key={a.digest}>
              <Td>
                <ManifestLink repository={manifest.repository} digest={a.digest} />
              </Td>
              <Td>
                {a.refersTo ? (
                  <ManifestLink repository={manifest.repository} digest={a.refersTo}>
                    {byDigest.get(a.refersTo)}
                  </ManifestLink>
                ) : (
                  <span className="text-zinc-600 dark:text-zinc-400">—</span>
                )}
              </Td>
              <BytesCell value={a.sizeBytes} />
            </tr>
          ))}
        </Table>
      </div>
    </TitledCard>
  );
}
