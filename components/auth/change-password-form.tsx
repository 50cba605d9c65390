"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { signOut } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { type FieldErrors, firstFieldErrors } from "@/components/forms/field-errors";
import { FormError, failureText } from "@/components/forms/form-message";
import { confirmationError, NewPasswordFields } from "@/components/forms/new-password-fields";
import { TextField } from "@/components/forms/text-field";
import { Button } from "@/components/ui/button";
import { pluralize } from "@/components/ui/format";
import { changePasswordBody } from "@/lib/contract/accounts";
import { changePasswordOptions, myTokensOptions, pageHrefs } from "@/lib/queries";

/** Changing the password ends every session, this one included, and revokes every API token: on success, sign in again. */
export function ChangePasswordForm() {
  const change = useMutation(changePasswordOptions());
  const tokens = useQuery(myTokensOptions());
  const tokenCount = tokens.data?.items.length ?? 0;
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FieldErrors<"current" | "next" | "confirm">>({});
  const [signingOut, setSigningOut] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const invalid = firstFieldErrors(changePasswordBody.safeParse({ currentPassword: current, newPassword: next }).error);
    const found: FieldErrors<"current" | "next" | "confirm"> = {
      current: current ? undefined : "Enter your current password.",
      next: invalid.newPassword
        ? `New password: ${invalid.newPassword}`
        : next === current
          ? "The new password is the same as the current one."
          : undefined,
      confirm: confirmationError(next, confirm),
    };
    setErrors(found);
    if (found.current || found.next || found.confirm) return;
    change.mutate(
      { currentPassword: current, newPassword: next },
      {
        onSuccess: ({ tokensRevoked }) => {
          setSigningOut(
            tokensRevoked > 0
              ? `Password changed; ${pluralize(tokensRevoked, "API token")} ${tokensRevoked === 1 ? "was" : "were"} revoked. Signing you out…`
              : "Password changed. Signing you out…",
          );
          void signOut({ callbackUrl: `${pageHrefs.login}?changed=1` });
        },
      },
    );
  }

  const busy = change.isPending || signingOut !== null;
  return (
    <form onSubmit={onSubmit} noValidate className="max-w-sm space-y-4">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        This signs you out everywhere, here too: you sign in again with the new password. It also revokes{" "}
        {tokenCount > 0 ? `your ${pluralize(tokenCount, "API token")}` : "any API tokens you have"}: scripts need new ones.
      </p>
      {change.isError ? <FormError>{failureText(change.error)}</FormError> : null}
      {signingOut ? (
        <p role="status" className="text-sm text-zinc-700 dark:text-zinc-300">
          {signingOut}
        </p>
      ) : null}
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        error={errors.current}
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <NewPasswordFields
        label="New password"
        error={errors.next}
        value={next}
        onChange={setNext}
        confirmation={{ label: "Confirm new password", error: errors.confirm, value: confirm, onChange: setConfirm }}
      />
      <Button type="submit" variant="primary" disabled={busy} aria-busy={busy}>
        Change password
      </Button>
    </form>
  );
}
