"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { firstFieldErrors } from "@/components/forms/field-errors";
import { FormError, failureText } from "@/components/forms/form-message";
import { TextField } from "@/components/forms/text-field";
import { Button } from "@/components/ui/button";
import { Select, type SelectOption } from "@/components/ui/select";
import type { Role } from "@/lib/auth/roles";
import { grantInput, type UserItem } from "@/lib/contract/accounts";
import { updateUserOptions } from "@/lib/queries";

export const ROLE_OPTIONS: SelectOption<Role>[] = [
  { value: "viewer", label: "Viewer" },
  { value: "editor", label: "Editor" },
  { value: "admin", label: "Admin" },
];

type Row = { key: number; pattern: string; role: Role; error: string | null };

/**
 * A user's grants: repository globs (`team-a/**`) that raise their role on matching repositories.
 * Saved all at once; the server replaces the whole list.
 */
export function GrantsEditor({ user, onDone, onCancel }: { user: UserItem; onDone: () => void; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const update = useMutation(updateUserOptions(queryClient));
  const nextKey = useRef(user.grants.length);
  const [rows, setRows] = useState<Row[]>(() => user.grants.map((g, i) => ({ key: i, pattern: g.pattern, role: g.role, error: null })));

  const patch = (key: number, change: Partial<Row>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...change } : r)));

  function addRow() {
    const key = nextKey.current++;
    setRows((rs) => [...rs, { key, pattern: "", role: "editor", error: null }]);
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    let valid = true;
    const checked = rows.map((r) => {
      const parsed = grantInput.safeParse({ pattern: r.pattern, role: r.role });
      if (parsed.success) return { ...r, pattern: parsed.data.pattern, error: null };
      valid = false;
      return { ...r, error: r.pattern.trim() ? (firstFieldErrors(parsed.error).pattern ?? "not a valid pattern") : "Enter a pattern." };
    });
    setRows(checked);
    if (!valid) return;
    update.mutate({ id: user.id, body: { grants: checked.map((r) => ({ pattern: r.pattern, role: r.role })) } }, { onSuccess: onDone });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Grants of ${user.username}`}>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        A grant raises {user.username}’s role ({user.role}) on the repositories its pattern matches. <code className="font-mono">*</code>{" "}
        matches within one path segment, <code className="font-mono">**</code> across segments: <code className="font-mono">team-a/**</code>{" "}
        is everything under team-a/.
      </p>
      {update.isError ? <FormError>{failureText(update.error)}</FormError> : null}
      {rows.length === 0 ? (
        <p className="text-sm text-zinc-700 dark:text-zinc-300">No grants: {user.username} has their role everywhere, and no more.</p>
      ) : (
        <ul className="space-y-2">
          {rows.map((r, i) => (
            <li key={r.key} className="flex flex-wrap items-start gap-3">
              <TextField
                label={`Repository pattern of grant ${i + 1}`}
                hideLabel
                placeholder="team-a/**"
                autoCapitalize="none"
                spellCheck={false}
                value={r.pattern}
                error={r.error}
                onChange={(e) => patch(r.key, { pattern: e.target.value, error: null })}
                className="w-72 max-w-full font-mono"
              />
              <Select
                label={`Role of grant ${i + 1}`}
                hideLabel
                value={r.role}
                options={ROLE_OPTIONS}
                onChange={(role) => patch(r.key, { role })}
              />
              <Button variant="ghost" onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}>
                Remove<span className="sr-only"> grant {i + 1}</span>
              </Button>
            </li>
          ))}
        </ul>
      )}
      <div className="flex flex-wrap gap-2">
        <Button size="sm" onClick={addRow}>
          Add grant
        </Button>
        <span className="flex-1" />
        <Button type="submit" size="sm" variant="primary" disabled={update.isPending} aria-busy={update.isPending}>
          Save grants
        </Button>
        <Button size="sm" variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
