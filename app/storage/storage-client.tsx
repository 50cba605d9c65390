"use client";

import { type UseMutationResult, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useId, useState } from "react";
import { tableClass, tdClass, thClass } from "@/components/manifest-summary/table-styles";
import { LocateCard } from "@/components/storage/locate-card";
import { Button } from "@/components/ui/button";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { linkClass } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { formatCount, formatExact, pluralize } from "@/components/ui/format";
import { InlineError } from "@/components/ui/inline-error";
import { PageHeader } from "@/components/ui/page-header";
import { ProgressBar } from "@/components/ui/progress-bar";
import { shortDigest } from "@/lib/oci/reference";
import { formatBytes } from "@/lib/oci/size";
import { pageHrefs, queryKeys, removeStorageRepository, rescanStorage, storageOptions } from "@/lib/queries";
import type { StorageScanJob, StorageScanResult } from "@/lib/services/api-types";

const muted = "text-zinc-600 dark:text-zinc-400";

const PHASES: Record<NonNullable<StorageScanJob["progress"]>["phase"], string> = {
  blobs: "listing blobs",
  repositories: "reading repositories",
  manifests: "reading manifests",
  other: "measuring the rest",
  done: "saving",
};

/** The background scan running now: its phase and what it has counted so far (the total is not known). */
function ScanStatus({ scan }: { scan: StorageScanJob }) {
  const p = scan.progress;
  const text =
    scan.status === "queued"
      ? "Scan queued…"
      : p
        ? `Scanning: ${PHASES[p.phase]} · ${formatCount(p.files)} files (${formatBytes(p.bytes)}) · ${pluralize(p.blobs, "blob")}`
        : "Scanning…";
  return (
    <div className="space-y-1" data-testid="storage-scan-status">
      <p role="status" className="text-sm">
        {text}
      </p>
      <ProgressBar label="Storage scan progress" value={0} max={0} valueText={text} />
    </div>
  );
}

export function StorageClient() {
  const queryClient = useQueryClient();
  const { data } = useQuery(storageOptions());
  const readOnlyId = useId();
  const [readOnly, setReadOnly] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.storage() });
  const rescan = useMutation({ mutationFn: rescanStorage, onSuccess: refresh });
  // the DELETE route queues a rescan itself
  const remove = useMutation({ mutationFn: (name: string) => removeStorageRepository(name, readOnly), onSuccess: refresh });
  if (!data) return null;
  if (!data.configured) {
    return (
      <>
        <PageHeader title="Storage" />
        <TitledCard id="storage-setup" title="The storage root is not mounted">
          <p className="text-sm">
            Set <code>REGISTRY_STORAGE_ROOT</code> to the registry's storage root directory (the folder holding{" "}
            <code>docker/registry/v2</code>; a read-only mount is enough) to see real disk usage, orphaned blobs, leftover uploads and empty
            repositories. Garbage collection also uses it to find untagged manifests.
          </p>
        </TitledCard>
      </>
    );
  }
  const scan = data.scan;
  const scanning = scan !== null && (scan.status === "queued" || scan.status === "running");
  const scanButton = (
    <Button onClick={() => rescan.mutate()} disabled={rescan.isPending || scanning}>
      {scanning ? "Scanning…" : data.result ? "Scan again" : "Scan now"}
    </Button>
  );
  const scanNotes = (
    <>
      {scanning && scan ? <ScanStatus scan={scan} /> : null}
      {scan?.status === "failed" ? <InlineError>The last scan failed: {scan.error ?? "unknown error"}</InlineError> : null}
      {rescan.isError ? <InlineError>{rescan.error.message}</InlineError> : null}
    </>
  );
  if (!data.result) {
    return (
      <>
        <PageHeader title="Storage" description="No scan of the storage root has finished yet." actions={scanButton} />
        <div className="space-y-4">
          {scanNotes}
          <p className={`text-sm ${muted}`}>
            A scan reads every file under the storage root in the background; this page shows the last finished scan and its time.
          </p>
          <LocateCard />
        </div>
      </>
    );
  }
  return (
    <StorageResult
      result={data.result}
      header={scanButton}
      notes={scanNotes}
      readOnly={readOnly}
      setReadOnly={setReadOnly}
      readOnlyId={readOnlyId}
      remove={remove}
    />
  );
}

function StorageResult({
  result: data,
  header,
  notes,
  readOnly,
  setReadOnly,
  readOnlyId,
  remove,
}: {
  result: StorageScanResult;
  header: ReactNode;
  notes: ReactNode;
  readOnly: boolean;
  setReadOnly: (v: boolean) => void;
  readOnlyId: string;
  remove: UseMutationResult<void, Error, string>;
}) {
  const linked = data.repositories.reduce((s, r) => s + r.linkedBytes, 0);
  const orphaned = data.orphanedBlobs.reduce((s, b) => s + b.bytes, 0);
  const uploads = data.uploads.reduce((s, u) => s + u.bytes, 0);
  const repos = [...data.repositories].sort((a, b) => b.linkedBytes - a.linkedBytes);

  return (
    <>
      <PageHeader
        title="Storage"
        description={`On disk: ${formatBytes(data.totalBytes)} · ${pluralize(data.blobs.count, "blob")} (${formatBytes(data.blobs.bytes)}) · scanned ${formatExact(data.scannedAt)} in ${data.durationMs} ms`}
        actions={header}
      />
      <div className="space-y-6">
        {notes}
        <TitledCard id="storage-summary" title="Where the bytes are">
          <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
            <dt className={muted}>Blobs</dt>
            <dd>
              <Bytes value={data.blobs.bytes} />
            </dd>
            <dt className={muted}>Orphaned blobs (no manifest references them)</dt>
            <dd>
              <Bytes value={orphaned} /> in {pluralize(data.orphanedBlobs.length, "blob")}
            </dd>
            <dt className={muted}>Leftover uploads</dt>
            <dd>
              <Bytes value={uploads} /> in {pluralize(data.uploads.length, "upload")}
            </dd>
            <dt className={muted}>Linked by repositories (a blob once per repository)</dt>
            <dd>
              <Bytes value={linked} />
            </dd>
          </dl>
          <p className={`mt-3 text-xs ${muted}`}>
            Blob data lives at <code>docker/registry/v2/blobs/sha256/&lt;2 hex&gt;/&lt;hex&gt;/data</code>; a repository links the blobs it
            uses under <code>repositories/&lt;name&gt;/_layers</code> and its manifests under <code>_manifests/revisions</code>. Garbage
            collection keeps every manifest revision and the blobs it references (config, layers, index children), whatever links them; the
            others, orphaned here, are freed by the next garbage collection.
          </p>
        </TitledCard>

        <LocateCard />

        <TitledCard id="storage-empty" title={`Empty repositories (${data.emptyRepositories.length})`}>
          {data.emptyRepositories.length === 0 ? (
            <p className={`text-sm ${muted}`}>Every repository on disk has at least one tag.</p>
          ) : (
            <div className="space-y-3 text-sm">
              <p>
                These have no tags but stay in the registry's catalog until their folders are removed. Remove them only while the registry
                is read-only (<code>storage.maintenance.readonly</code>) or stopped; a stopped registry is detected.
              </p>
              <label htmlFor={readOnlyId} className="flex items-center gap-2">
                <input id={readOnlyId} type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} />
                The registry is read-only or stopped
              </label>
              <ul className="space-y-1">
                {data.emptyRepositories.map((name) => (
                  <li key={name} className="flex items-center gap-2">
                    <code className="font-mono">{name}</code>
                    <Button
                      size="sm"
                      onClick={() => remove.mutate(name)}
                      disabled={!readOnly || remove.isPending}
                      title={readOnly ? undefined : "Tick “The registry is read-only or stopped” first"}
                    >
                      Remove folders of {name}
                    </Button>
                  </li>
                ))}
              </ul>
              {remove.isError ? <InlineError>{remove.error.message}</InlineError> : null}
            </div>
          )}
        </TitledCard>

        <TitledCard id="storage-repositories" title={`Repositories on disk (${repos.length})`}>
          {repos.length === 0 ? (
            <EmptyState title="No repositories">The storage root has no repositories yet.</EmptyState>
          ) : (
            <div className="-m-4 overflow-x-auto">
              <table className={tableClass}>
                <caption className="sr-only">Repositories in the storage root, largest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className={thClass}>
                      Repository
                    </th>
                    <th scope="col" className={`${thClass} text-right`}>
                      Tags
                    </th>
                    <th scope="col" className={`${thClass} text-right`}>
                      Manifests
                    </th>
                    <th scope="col" className={`${thClass} text-right`}>
                      Linked blobs
                    </th>
                    <th scope="col" className={`${thClass} text-right`}>
                      Uploads
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {repos.map((r) => (
                    <tr key={r.name}>
                      <td className={`${tdClass} font-mono`}>
                        <Link href={pageHrefs.repository(r.name)} className={linkClass}>
                          {r.name}
                        </Link>
                      </td>
                      <td className={`${tdClass} text-right`}>{r.tags}</td>
                      <td className={`${tdClass} text-right`}>{r.manifests}</td>
                      <td className={`${tdClass} text-right`}>
                        <Bytes value={r.linkedBytes} />
                      </td>
                      <td className={`${tdClass} text-right`}>{r.uploads.count > 0 ? <Bytes value={r.uploads.bytes} /> : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </TitledCard>

        <TitledCard id="storage-orphans" title={`Orphaned blobs (${data.orphanedBlobs.length})`}>
          {data.orphanedBlobs.length === 0 ? (
            <p className={`text-sm ${muted}`}>Every blob is a manifest or referenced by one: garbage collection keeps them all.</p>
          ) : (
            <ul className="space-y-0.5 font-mono text-xs">
              {data.orphanedBlobs.map((b) => (
                <li key={b.digest} title={b.path}>
                  <Link href={`${pageHrefs.storage}?digest=${encodeURIComponent(b.digest)}`} className={linkClass}>
                    {shortDigest(b.digest)}
                  </Link>{" "}
                  · <Bytes value={b.bytes} />
                  {b.linkedBy > 0
                    ? ` · still linked by ${pluralize(b.linkedBy, "repository", "repositories")}, referenced by no manifest`
                    : ""}{" "}
                  · {b.path}
                </li>
              ))}
            </ul>
          )}
        </TitledCard>
        {data.uploads.length > 0 ? (
          <TitledCard id="storage-uploads" title={`Leftover uploads (${data.uploads.length})`}>
            <ul className="space-y-0.5 font-mono text-xs">
              {data.uploads.map((u) => (
                <li key={u.path}>
                  {u.repository} · {u.uuid} · <Bytes value={u.bytes} />
                  {u.startedAt ? ` · started ${formatExact(u.startedAt)}` : ""}
                </li>
              ))}
            </ul>
          </TitledCard>
        ) : null}
      </div>
    </>
  );
}
