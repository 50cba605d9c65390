import Link from "next/link";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { linkClass } from "@/components/ui/cn";
import { shortDigest } from "@/lib/oci/reference";
import { formatBytes, platformLabel } from "@/lib/oci/size";
import { pageHrefs } from "@/lib/queries";
import type { ManifestDetail } from "@/lib/services/api-types";
import { DigestText } from "./digest-text";
import { tableClass, tdClass, thClass } from "./table-styles";

export function PlatformsTable({ manifest }: { manifest: ManifestDetail }) {
  return (
    <TitledCard id="platforms" title={`Platforms (${manifest.platforms.length})`}>
      <div className="-m-4 overflow-x-auto">
        <table className={tableClass}>
          <caption className="sr-only">Platform images of this index</caption>
          <thead>
            <tr>
              <th scope="col" className={thClass}>
                Platform
              </th>
              <th scope="col" className={thClass}>
                Digest
              </th>
              <th scope="col" className={`${thClass} text-right`}>
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {manifest.platforms.map((p) => (
              <tr key={p.digest}>
                <td className={tdClass}>
                  <Link
                    href={pageHrefs.manifest(manifest.repository, p.digest)}
                    className={`font-mono ${linkClass}`}
                    aria-label={`${platformLabel(p)} image ${shortDigest(p.digest)}`}
                  >
                    {platformLabel(p)}
                  </Link>
                </td>
                <td className={tdClass}>
                  <DigestText digest={p.digest} short label={`Copy digest of the ${platformLabel(p)} image`} />
                </td>
                <td className={`${tdClass} text-right`}>
                  <Bytes value={p.sizeBytes} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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
        <table className={tableClass}>
          <caption className="sr-only">Attestation manifests of this index</caption>
          <thead>
            <tr>
              <th scope="col" className={thClass}>
                Attestation
              </th>
              <th scope="col" className={thClass}>
                Describes
              </th>
              <th scope="col" className={`${thClass} text-right`}>
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {manifest.attestations.map((a) => (
              <tr key={a.digest}>
                <td className={tdClass}>
                  <Link
                    href={pageHrefs.manifest(manifest.repository, a.digest)}
                    className={`font-mono text-xs ${linkClass}`}
                    title={a.digest}
                  >
                    {shortDigest(a.digest)}
                  </Link>
                </td>
                <td className={tdClass}>
                  {a.refersTo ? (
                    <Link
                      href={pageHrefs.manifest(manifest.repository, a.refersTo)}
                      className={`font-mono text-xs ${linkClass}`}
                      title={a.refersTo}
                    >
                      {byDigest.get(a.refersTo) ?? shortDigest(a.refersTo)}
                    </Link>
                  ) : (
                    <span className="text-zinc-600 dark:text-zinc-400">—</span>
                  )}
                </td>
                <td className={`${tdClass} text-right`}>
                  <Bytes value={a.sizeBytes} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </TitledCard>
  );
}
