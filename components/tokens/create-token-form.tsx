"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { FormError, failureText } from "@/components/forms/form-message";
import { TextField } from "@/components/forms/text-field";
import { Button } from "@/components/ui/button";
import { Select, type SelectOption } from "@/components/ui/select";
import { createTokenOptions } from "@/lib/queries";
import { NewTokenSecret } from "./new-token-secret";

type Expiry = "30" | "90" | "365";

// no "never": the server caps every token at LAYERSCOPE_TOKEN_MAX_DAYS (365 unless the operator chose less)
const EXPIRIES: SelectOption<Expiry>[] = [
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In 365 days" },
];

type Shown = { name: string; token: string; origin: string };

export function CreateTokenForm() {
  const queryClient = useQueryClient();
  const create = useMutation(createTokenOptions(queryClient));
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState<Expiry>("90");
  const [nameError, setNameError] = useState<string | null>(null);
  // the secret lives here and nowhere else: not in the query cache, gone with "Done"
  const [shown, setShown] = useState<Shown | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setNameError("Enter a name, such as what will use the token.");
    if (trimmed.length > 64) return setNameError("At most 64 characters.");
    setNameError(null);
    setShown(null);
    create.mutate(
      { name: trimmed, expiresInDays: Number(expiry) },
      {
        onSuccess: (created) => {
          setShown({ name: created.item.name, token: created.token, origin: window.location.origin });
          setName("");
          create.reset();
        },
      },
    );
  }

  return (
    <div className="space-y-4">
      {shown ? <NewTokenSecret {...shown} onDone={() => setShown(null)} /> : null}
      <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Create an API token">
        {create.isError ? <FormError>{failureText(create.error)}</FormError> : null}
        <div className="flex flex-wrap items-start gap-3">
          <TextField
            label="Token name"
            name="token-name"
            autoComplete="off"
            maxLength={64}
            required
            placeholder="ci-pipeline"
            error={nameError}
            value={name}
            onChange={(e) => setName(e.target.value)}
            className="w-64 max-w-full"
          />
          <Select label="Expires" value={expiry} options={EXPIRIES} onChange={setExpiry} className="pt-6" />
          <div className="pt-6">
            <Button type="submit" variant="primary" disabled={create.isPending} aria-busy={create.isPending}>
              Create token
            </Button>
          </div>
        </div>
      </form>
    </div>
  );
}
