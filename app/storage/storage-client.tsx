"use client";

import { type UseMutationResult, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type ReactNode, useId, useState } from "react";
import { LocateCard } from "@/components/storage/locate-card";
import {
  isScanning,
  orphanLinkNote,
  removeButton,
  repositoriesBySize,
  scanButton,
  scanDescription,
  scanFailure,
  scanStatusText,
  storagePage,
  storageTotals,
  uploadStartedNote,
} from "@/components/storage/storage-model";
import { Button } from "@/components/ui/button";
import { Bytes } from "@/components/ui/bytes";
import { TitledCard } from "@/components/ui/card";
import { linkClass } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { pluralize } from "@/components/ui/format";
import { InlineError } from "@/components/ui/inline-error";
import { PageHeader } from "@/components/ui/page-header";
import { ProgressBar } from "@/components/ui/progress-bar";
import { BytesCell, Table, Td } from "@/components/ui/table";
import type { StorageScanJob, StorageScanResult } from "@/lib/contract/storage";
import { shortDigest } from "@/lib/oci/reference";
import { pageHrefs, queryKeys, removeStorageRepository, rescanStorage, storageOptions } from "@/lib/queries";

const muted = "text-zinc-600 dark:text-zinc-400";

/** The background scan running now: its phase and what it has counted so far (the total is not known). */
function ScanStatus({ scan }: { scan: StorageScanJob }) {
  const text = scanStatusText(scan);
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
  const page = storagePage(data);
  if (page.view === "unconfigured") {
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
  const scan = page.scan;
  const scanning = isScanning(scan);
  const button = scanButton({ scanning, hasResult: page.view === "result", requesting: rescan.isPending });
  const failure = scanFailure(scan);
  const scanActions = (
    <Button onClick={() => rescan.mutate()} disabled={button.disabled}>
      {button.label}
    </Button>
  );
  const scanNotes = (
    <>
      {isScanning(scan) ? <ScanStatus scan={scan} /> : null}
      {failure !== null ? <InlineError>The last scan failed: {failure}</InlineError> : null}
      {rescan.isError ? <InlineError>{rescan.error.message}</InlineError> : null}
    </>
  );
  if (page.view === "no-result") {
    return (
      <>
        <PageHeader title="Storage" description="No scan of the storage root has finished yet." actions={scanActions} />
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
      result={page.result}
      header={scanActions}
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
  const { linked, orphaned, uploads } = storageTotals(data);
  const repos = repositoriesBySize(data);
  const removeState = removeButton({ readOnly, removing: remove.isPending });

  return (
    <>
      <PageHeader title="Storage" description={scanDescription(data)} actions={header} />
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
                    <Button size="sm" onClick={() => remove.mutate(name)} disabled={removeState.disabled} title={removeState.title}>
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
              <Table
                caption="Repositories in the storage root, largest first"
                columns={[
                  "Repository",
                  { label: "Tags", align: "right" },
                  { label: "Manifests", align: "right" },
                  { label: "Linked blobs", align: "right" },
                  { label: "Uploads", align: "right" },
                ]}
              >
                {repos.map((r) => (
                  <tr key={r.name}>
                    <Td className="font-mono">
                      <Link href={pageHrefs.repository(r.name)} className={linkClass}>
                        {r.name}
                      </Link>
                    </Td>
                    <Td align="right">{r.tags}</Td>
                    <Td align="right">{r.manifests}</Td>
                    <BytesCell value={r.linkedBytes} />
                    <Td align="right">{r.uploads.count > 0 ? <Bytes value={r.uploads.bytes} /> : "—"}</Td>
                  </tr>
                ))}
              </Table>
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
                  {orphanLinkNote(b.linkedBy)} · {b.path}
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
                  {uploadStartedNote(u.startedAt)}
                </li>
              ))}
            </ul>
          </TitledCard>
        ) : null}
      </div>
    </>
  );
}
