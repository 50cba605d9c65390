"use client";

import type { ReactNode } from "react";
import { TextField } from "./text-field";

export const PASSWORDS_DIFFER = "The passwords do not match.";

/** The confirmation's message: none when it repeats the password. */
export function confirmationError(password: string, confirm: string): string | undefined {
  return password === confirm ? undefined : PASSWORDS_DIFFER;
}

type PasswordInput = {
  label: string;
  /** the input's name attribute (password managers key on it) */
  name?: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
};

/**
 * A new password (the rules the API enforces: at least 8 characters) and, where the person types their own,
 * its confirmation. Every form that sets a password uses it: setup, change password, create user, reset password.
 */
export function NewPasswordFields({
  hint = "At least 8 characters.",
  autoFocus,
  className,
  confirmation,
  ...password
}: PasswordInput & {
  hint?: ReactNode;
  autoFocus?: boolean;
  className?: string;
  confirmation?: PasswordInput;
}) {
  return (
    <>
      <TextField
        label={password.label}
        name={password.name}
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        autoFocus={autoFocus}
        hint={hint}
        error={password.error}
        value={password.value}
        onChange={(e) => password.onChange(e.target.value)}
        className={className}
      />
      {confirmation ? (
        <TextField
          label={confirmation.label}
          name={confirmation.name}
          type="password"
          autoComplete="new-password"
          required
          error={confirmation.error}
          value={confirmation.value}
          onChange={(e) => confirmation.onChange(e.target.value)}
        />
      ) : null}
    </>
  );
}
