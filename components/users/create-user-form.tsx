"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type FieldErrors, firstFieldErrors } from "@/components/forms/field-errors";
import { FormError, FormNotice, failureText } from "@/components/forms/form-message";
import { NewPasswordFields } from "@/components/forms/new-password-fields";
import { TextField } from "@/components/forms/text-field";
import { UsernameField } from "@/components/forms/username-field";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/select";
import type { Role } from "@/lib/auth/roles";
import { createUserBody } from "@/lib/contract/accounts";
import { createUserOptions } from "@/lib/queries";
import { ROLE_OPTIONS } from "./grants-editor";

type Field = "username" | "name" | "password";
const FIELD_LABELS: Record<Field, string> = { username: "User name", name: "Display name", password: "Password" };
const FIELDS = Object.keys(FIELD_LABELS) as Field[];

export function CreateUserForm() {
  const queryClient = useQueryClient();
  const create = useMutation(createUserOptions(queryClient));
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [errors, setErrors] = useState<FieldErrors<Field>>({});
  const [created, setCreated] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setCreated(null);
    const parsed = createUserBody.safeParse({ username, name: name.trim() || undefined, password, role });
    if (!parsed.success) {
      const invalid = firstFieldErrors(parsed.error);
      const next: FieldErrors<Field> = {};
      for (const field of FIELDS) if (invalid[field]) next[field] = `${FIELD_LABELS[field]}: ${invalid[field]}`;
      if (!username.trim()) next.username = "Enter a user name.";
      setErrors(next);
      return;
    }
    setErrors({});
    create.mutate(parsed.data, {
      onSuccess: (user) => {
        setCreated(`Created ${user.username} (${user.role}).`);
        setUsername("");
        setName("");
        setPassword("");
        setRole("viewer");
      },
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Create a user">
      {create.isError ? <FormError>{failureText(create.error)}</FormError> : null}
      {created ? <FormNotice>{created}</FormNotice> : null}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <UsernameField autoComplete="off" error={errors.username} value={username} onChange={(e) => setUsername(e.target.value)} />
        <TextField
          label="Display name (optional)"
          name="name"
          autoComplete="off"
          error={errors.name}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <NewPasswordFields label="Password" name="new-password" error={errors.password} value={password} onChange={setPassword} />
        <Select label="Role" value={role} options={ROLE_OPTIONS} onChange={setRole} className="self-start pt-6" />
      </div>
      <Button type="submit" variant="primary" disabled={create.isPending} aria-busy={create.isPending}>
        Create user
      </Button>
    </form>
  );
}
