"use client";

import type { ComponentProps } from "react";
import { TextField } from "./text-field";

/** The "User name" input of sign-in, setup and user creation: typed as-is (no capitals, no spell check). */
export function UsernameField({
  autoComplete = "username",
  ...field
}: Omit<ComponentProps<typeof TextField>, "label" | "name" | "type" | "autoCapitalize" | "spellCheck" | "required">) {
  return (
    <TextField label="User name" name="username" autoComplete={autoComplete} autoCapitalize="none" spellCheck={false} required {...field} />
  );
}
