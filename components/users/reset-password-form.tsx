"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { FormError, failureText } from "@/components/forms/form-message";
import { TextField } from "@/components/forms/text-field";
import { Button } from "@/components/ui/button";
import { pluralize } from "@/components/ui/format";
import { updateUserOptions } from "@/lib/queries";
import { password as passwordSchema, type UserItem } from "@/lib/services/api-types";

/** An admin sets a new password for someone; their sessions end and their API tokens are revoked. */
export function ResetPasswordForm({
  user,
  onDone,
  onCancel,
}: {
  user: UserItem;
  /** with how many API tokens the reset revoked */
  onDone: (tokensRevoked: number) => void;
  onCancel: () => void;
}) {
  const queryClient = useQueryClient();
  const update = useMutation(updateUserOptions(queryClient));
  const [password, setPassword] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const parsed = passwordSchema.safeParse(password);
    if (!parsed.success) {
      setFieldError(`Password: ${parsed.error.issues[0]?.message ?? "not allowed"}`);
      return;
    }
    setFieldError(null);
    update.mutate({ id: user.id, body: { password: parsed.data } }, { onSuccess: (updated) => onDone(updated.tokensRevoked) });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      {update.isError ? <FormError>{failureText(update.error)}</FormError> : null}
      <div className="flex flex-wrap items-end gap-3">
        <TextField
          label={`New password for ${user.username}`}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          autoFocus
          hint={`At least 8 characters. Signs them out everywhere${
            user.activeTokens > 0 ? ` and revokes their ${pluralize(user.activeTokens, "API token")}` : " and revokes any API tokens"
          }.`}
          error={fieldError}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className="w-72 max-w-full"
        />
        <div className="flex gap-2 pb-5">
          <Button type="submit" variant="primary" disabled={update.isPending} aria-busy={update.isPending}>
            Save password
          </Button>
          <Button variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </div>
    </form>
  );
}
