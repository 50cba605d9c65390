"use client";

// "Find on disk": where a blob (and, with a repository, a manifest and its tag links) lives under
// the storage root. The looked-up digest and repository are in the URL, so a lookup is a deep link.
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { type FormEvent, useState } from "react";
import { TextField } from "@/components/forms/text-field";
import { Button } from "@/components/ui/button";
import { TitledCard } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { ErrorState } from "@/components/ui/error-state";
import { formatExact } from "@/components/ui/format";
import { useSearchParamsUpdate } from "@/components/ui/use-search-params-update";
import type { StorageLocation } from "@/lib/contract/storage";
import { isValidDigest, isValidRepositoryName } from "@/lib/oci/reference";
import { formatBytes } from "@/lib/oci/size";
import { storageLocationOptions } from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";

/** Digests and repository names are typed or pasted as they are: no spelling fixes, no autofill. */
const referenceInput = { spellCheck: false, autoComplete: "off" } as const;

export function LocateCard() {
  const searchParams = useSearchParams();
  const urlDigest = searchParams.get("digest") ?? "";
  const urlRepository = searchParams.get("repository") ?? "";
  // a link or Back to another lookup starts the form over from the URL
  return <Locate key={`${urlDigest} ${urlRepository}`} urlDigest={urlDigest} urlRepository={urlRepository} />;
}

function Locate({ urlDigest, urlRepository }: { urlDigest: string; urlRepository: string }) {
  const update = useSearchParamsUpdate();
  const [digest, setDigest] = useState(urlDigest);
  const [repository, setRepository] = useState(urlRepository);
  const [touched, setTouched] = useState(false);
  const digestError = touched && !isValidDigest(digest.trim()) ? "A digest such as sha256:<64 hex characters>." : null;
  const repositoryError =
    touched && repository.trim() !== "" && !isValidRepositoryName(repository.trim()) ? "Not a valid repository name." : null;
  const lookup = isValidDigest(urlDigest) ? { digest: urlDigest, repository: urlRepository || undefined } : null;
  const result = useQuery({ ...storageLocationOptions(lookup?.digest ?? "", lookup?.repository), enabled: lookup !== null });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    const d = digest.trim();
    const r = repository.trim();
    if (!isValidDigest(d) || (r !== "" && !isValidRepositoryName(r))) return;
    update({ digest: d, repository: r || undefined }, "push");
  };

  return (
    <TitledCard id="storage-locate" title="Find on disk">
      <form onSubmit={submit} className="flex flex-wrap items-start gap-3" noValidate>
        {[
          { label: "Digest", className: "min-w-80 flex-[3]", value: digest, set: setDigest, placeholder: "sha256:…", error: digestError },
          {
            label: "Repository (optional)",
            className: "min-w-48 flex-[2]",
            value: repository,
            set: setRepository,
            placeholder: "team/app",
            error: repositoryError,
            hint: "With a repository, also the manifest's revision link and the tags that point at it.",
          },
        ].map(({ set, ...field }) => (
          <TextField key={field.label} {...field} onChange={(e) => set(e.target.value)} {...referenceInput} />
        ))}
        <Button type="submit" variant="primary" className="mt-6">
          Find
        </Button>
      </form>
      {lookup === null ? null : result.isError ? (
        <div className="mt-4">
          <ErrorState title="The lookup failed" error={result.error} onRetry={() => result.refetch()} />
        </div>
      ) : result.data ? (
        <LocationView location={result.data} />
      ) : (
        <p role="status" className={`mt-4 text-sm ${muted}`}>
          Looking in the storage root…
        </p>
      )}
    </TitledCard>
  );
}

function PathLine({ label, path, detail }: { label: string; path: string; detail?: string }) {
  return (
    <li className="flex min-w-0 items-center gap-2">
      <span className={`shrink-0 ${muted}`}>{label}</span>
      <code className="min-w-0 break-all font-mono text-xs">{path}</code>
      {detail ? <span className={`shrink-0 text-xs ${muted}`}>{detail}</span> : null}
      <CopyButton value={path} label={`Copy path of ${label.toLowerCase()}`} />
    </li>
  );
}

/**
 * Whether garbage collection deletes the blob. Links do not decide it: GC keeps every manifest revision and what
 * it references, linked or not, and deletes the rest, linked or not. Knowing needs every manifest, so the answer
 * comes from the last storage scan.
 */
function GcVerdict({ gc }: { gc: StorageLocation["blob"]["gc"] }) {
  if (gc === null) {
    return <li className={muted}>Scan the storage root to know whether garbage collection keeps it.</li>;
  }
  return (
    <li className={muted} data-testid="storage-gc-verdict">
      {gc.orphan
        ? "No manifest references it: the next garbage collection deletes it"
        : "A manifest references it: garbage collection keeps it"}{" "}
      (storage scan of {formatExact(gc.scannedAt)}).
    </li>
  );
}

function LocationView({ location }: { location: StorageLocation }) {
  const { blob, manifest } = location;
  return (
    <div className="mt-4 space-y-4 text-sm" data-testid="storage-location">
      <section aria-label="Blob">
        <h3 className="font-medium">Blob {blob.digest}</h3>
        <ul className="mt-1 space-y-1">
          {blob.blob ? (
            <PathLine label="Data" path={blob.blob.path} detail={formatBytes(blob.blob.bytes)} />
          ) : (
            <li className={muted}>No blob data with this digest (never pushed, or freed by garbage collection).</li>
          )}
          {blob.links.map((l) => (
            <PathLine
              key={`${l.repository}:${l.kind}`}
              label={`${l.repository} · ${l.kind === "layer" ? "layer link" : "manifest revision"}`}
              path={l.path}
            />
          ))}
          {blob.links.length === 0 ? <li className={muted}>No repository links it.</li> : null}
          {blob.blob ? <GcVerdict gc={blob.gc} /> : null}
        </ul>
      </section>
      {manifest ? (
        <section aria-label={`Manifest in ${manifest.repository}`}>
          <h3 className="font-medium">Manifest in {manifest.repository}</h3>
          <ul className="mt-1 space-y-1">
            {manifest.repositoryPath === null ? (
              <li className={muted}>The storage root has no repository {manifest.repository}.</li>
            ) : (
              <>
                <PathLine label="Repository" path={manifest.repositoryPath} />
                {manifest.revisionLink ? (
                  <PathLine label="Revision link" path={manifest.revisionLink} />
                ) : (
                  <li className={muted}>Not a manifest of this repository (no revision link).</li>
                )}
                {manifest.tags.map((t) => (
                  <PathLine key={t.tag} label={`Tag ${t.tag}`} path={t.currentLink} />
                ))}
                {manifest.revisionLink && manifest.tags.length === 0 ? <li className={muted}>No tag points at it: untagged.</li> : null}
                {manifest.tagHistory
                  .filter((h) => !h.current)
                  .map((h) => (
                    <PathLine key={h.tag} label={`Earlier ${h.tag}`} path={h.indexLink} />
                  ))}
              </>
            )}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
