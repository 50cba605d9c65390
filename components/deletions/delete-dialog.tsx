"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { InlineError } from "@/components/ui/inline-error";
import type { DeletionResult } from "@/lib/contract/deletions";
import { shortDigest } from "@/lib/oci/reference";
import { exactBytes, formatBytes } from "@/lib/oci/size";
import { type DeletionInput, invalidateAfterDelete, isApiRequestError, postDeletion, postDeletionPreview } from "@/lib/queries";
import {
  blobsFreedNote,
  confirmState,
  confirmTags,
  deleteDialogStage,
  deletedSummary,
  manifestsHeading,
  platformLine,
} from "./delete-dialog-model";

const muted = "text-zinc-600 dark:text-zinc-400";
const listClass = "max-h-40 overflow-auto rounded-md border border-zinc-200 p-2 font-mono text-xs dark:border-zinc-800";

/**
 * Preview, confirm, delete. The preview lists every tag that goes (registry 2.x deletes by digest, so
 * siblings on the same digest go too), the manifests, platforms of indexes and the bytes a GC would
 * free; the user types a name to confirm exactly that list.
 */
export function DeleteDialog({
  input,
  title,
  onClose,
  onDeleted,
}: {
  input: DeletionInput;
  title: string;
  onClose: () => void;
  onDeleted?: (result: DeletionResult) => void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const confirmId = useId();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState("");
  useEffect(() => {
    dialogRef.current?.showModal();
  }, []);

  const preview = useQuery({
    queryKey: ["deletion-preview", input],
    queryFn: () => postDeletionPreview(input),
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
  const remove = useMutation({
    mutationFn: (confirmTags: string[]) => postDeletion({ ...input, confirmTags }),
    onSuccess: async (result) => {
      await invalidateAfterDelete(queryClient);
      onDeleted?.(result);
    },
    onError: (e) => {
      // the registry changed since the preview: show the fresh one
      if (isApiRequestError(e) && e.code === "conflict") void preview.refetch();
    },
  });

  const p = preview.data;
  const done = remove.data;
  const stage = deleteDialogStage({ previewPending: preview.isPending, previewFailed: preview.isError, preview: p, result: done });
  const confirm = confirmState({ input, preview: p, result: done, typed, deleting: remove.isPending });

  return (
    <dialog
      ref={dialogRef}
      aria-labelledby={titleId}
      onClose={onClose}
      className="m-auto w-[min(42rem,calc(100vw-2rem))] rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-zinc-950/50 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <div className="space-y-4 p-5">
        <h2 id={titleId} className="font-semibold text-lg">
          {title}
        </h2>
        {stage === "loading" ? (
          <p className={`text-sm ${muted}`} role="status">
            Working out what this delete removes…
          </p>
        ) : stage === "error" ? (
          <InlineError>{preview.error?.message}</InlineError>
        ) : stage === "done" && done ? (
          <div role="status" className="space-y-2 text-sm">
            <p>{deletedSummary(done)}</p>
            {done.failed.length > 0 ? (
              <ul className="text-red-700 dark:text-red-400">
                {done.failed.map((f) => (
                  <li key={f.reference}>
                    {f.reference}: {f.error}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : stage === "preview" && p ? (
          <div className="space-y-3 text-sm">
            {p.warnings.map((w) => (
              <p
                key={w}
                role="alert"
                className="rounded-md border border-amber-300 bg-amber-50 p-2 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
              >
                {w}
              </p>
            ))}
            <section aria-label="Tags removed">
              <h3 className="font-medium">Tags removed ({p.tagsRemoved.length})</h3>
              {p.tagsRemoved.length > 0 ? (
                <ul className={listClass} data-testid="tags-removed">
                  {p.tagsRemoved.map((t) => (
                    <li key={t.tag}>
                      {t.repository}:{t.tag}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className={muted}>None</p>
              )}
            </section>
            <section aria-label="Manifests removed">
              <h3 className="font-medium">{manifestsHeading(p)}</h3>
              <ul className={listClass}>
                {p.manifestsRemoved.map((d) => (
                  <li key={d} title={d}>
                    {shortDigest(d)}
                  </li>
                ))}
              </ul>
            </section>
            {p.platformsAffected.length > 0 ? (
              <section aria-label="Platforms affected">
                <h3 className="font-medium">Platforms affected</h3>
                <ul className={listClass}>
                  {p.platformsAffected.map((x) => (
                    <li key={`${x.index}-${x.manifest}`} className={x.breaksIndex ? "text-red-700 dark:text-red-400" : undefined}>
                      {platformLine(x)}
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
            <p>
              A garbage collection afterwards frees{" "}
              <strong data-testid="bytes-freed" title={exactBytes(p.bytesFreed)}>
                {formatBytes(p.bytesFreed)}
              </strong>{" "}
              <span className={muted}>{blobsFreedNote(p)}</span>.
            </p>
            {confirm.confirmable ? (
              <div className="space-y-1">
                <label htmlFor={confirmId} className="block font-medium">
                  Type <code className="rounded bg-zinc-100 px-1 font-mono dark:bg-zinc-800">{confirm.word}</code> to confirm
                </label>
                <input
                  id={confirmId}
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  autoComplete="off"
                  className="h-9 w-full rounded-md border border-zinc-300 bg-white px-2 font-mono text-sm dark:border-zinc-700 dark:bg-zinc-950"
                />
              </div>
            ) : null}
            {remove.isError ? <InlineError>{remove.error.message}</InlineError> : null}
          </div>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => dialogRef.current?.close()}>
            {confirm.dismissLabel}
          </Button>
          {confirm.confirmable && p ? (
            <Button
              variant="primary"
              className="bg-red-700 hover:bg-red-800 disabled:bg-red-700/60"
              disabled={!confirm.canDelete}
              onClick={() => remove.mutate(confirmTags(p))}
            >
              {confirm.deleteLabel}
            </Button>
          ) : null}
        </div>
      </div>
    </dialog>
  );
}
