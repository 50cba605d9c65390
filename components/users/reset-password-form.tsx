"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { firstFieldErrors } from "@/components/forms/field-errors";
import { FormError, failureText } from "@/components/forms/form-message";
import { NewPasswordFields } from "@/components/forms/new-password-fields";
import { Button } from "@/components/ui/button";
import { pluralize } from "@/components/ui/format";
import { type UserItem, updateUserBody } from "@/lib/contract/accounts";
import { updateUserOptions } from "@/lib/queries";

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
    const parsed = updateUserBody.safeParse({ password });
    if (!parsed.success) {
      setFieldError(`Password: ${firstFieldErrors(parsed.error).password}`);
      return;
    }
    setFieldError(null);
    update.mutate({ id: user.id, body: { password } }, { onSuccess: (updated) => onDone(updated.tokensRevoked) });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      {update.isError ? <FormError>{failureText(update.error)}</FormError> : null}
      <div className="flex flex-wrap items-end gap-3">
        <NewPasswordFields
          label={`New password for ${user.username}`}
          autoFocus
          hint={`At least 8 characters. Signs them out everywhere${
            user.activeTokens > 0 ? ` and revokes their ${pluralize(user.activeTokens, "API token")}` : " and revokes any API tokens"
          }.`}
          error={fieldError}
          value={password}
          onChange={setPassword}
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
