"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { FormError, FormNotice, failureText } from "@/components/forms/form-message";
import { TextField } from "@/components/forms/text-field";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/select";
import type { Role } from "@/lib/auth/roles";
import { createUserOptions } from "@/lib/queries";
import { createUserBody } from "@/lib/services/api-types";
import { ROLE_OPTIONS } from "./grants-editor";

type Field = "username" | "name" | "password";
const FIELD_LABELS: Record<Field, string> = { username: "User name", name: "Display name", password: "Password" };

export function CreateUserForm() {
  const queryClient = useQueryClient();
  const create = useMutation(createUserOptions(queryClient));
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [created, setCreated] = useState<string | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setCreated(null);
    const parsed = createUserBody.safeParse({ username, name: name.trim() || undefined, password, role });
    if (!parsed.success) {
      const next: Partial<Record<Field, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (field === "username" || field === "name" || field === "password") next[field] ??= `${FIELD_LABELS[field]}: ${issue.message}`;
      }
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
        <TextField
          label="User name"
          name="username"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          required
          error={errors.username}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <TextField
          label="Display name (optional)"
          name="name"
          autoComplete="off"
          error={errors.name}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          label="Password"
          name="new-password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          hint="At least 8 characters."
          error={errors.password}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Select label="Role" value={role} options={ROLE_OPTIONS} onChange={setRole} className="self-start pt-6" />
      </div>
      <Button type="submit" variant="primary" disabled={create.isPending} aria-busy={create.isPending}>
        Create user
      </Button>
    </form>
  );
}
