"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { AuthCard } from "@/components/auth/auth-card";
import { FormError, failureText } from "@/components/forms/form-message";
import { TextField } from "@/components/forms/text-field";
import { Button } from "@/components/ui/button";
import { linkClass } from "@/components/ui/cn";
import { isApiRequestError, pageHrefs, setupOptions } from "@/lib/queries";
import { setupBody } from "@/lib/services/api-types";

type FieldErrors = Partial<Record<"username" | "password" | "confirm", string>>;

export function SetupClient() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const setup = useMutation(setupOptions(queryClient));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<{ message: string; alreadySetUp: boolean } | null>(null);
  const [signingIn, setSigningIn] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const parsed = setupBody.safeParse({ username, password });
    const errors: FieldErrors = {};
    for (const issue of parsed.error?.issues ?? []) {
      const field = issue.path[0];
      if (field === "username") errors.username ??= username.trim() ? `User name: ${issue.message}` : "Enter a user name.";
      if (field === "password") errors.password ??= `Password: ${issue.message}`;
    }
    if (password !== confirm) errors.confirm = "The passwords do not match.";
    setFieldErrors(errors);
    if (!parsed.success || errors.confirm) return;

    try {
      await setup.mutateAsync(parsed.data);
    } catch (err) {
      const alreadySetUp = isApiRequestError(err) && err.status === 409;
      setError({ message: failureText(err), alreadySetUp });
      return;
    }
    setSigningIn(true);
    const result = await signIn("credentials", { username: parsed.data.username, password, redirect: false, redirectTo: "/" }).catch(
      () => undefined,
    );
    if (!result || result.error) {
      // the admin exists; signing in by hand still works
      router.replace(pageHrefs.login);
      return;
    }
    queryClient.clear();
    router.replace(pageHrefs.home);
    router.refresh();
  }

  const busy = setup.isPending || signingIn;
  return (
    <AuthCard
      title="Set up Layerscope"
      description="No account exists yet. Create the first administrator: they can add everyone else under Settings → Users."
    >
      <div className="space-y-4">
        {error ? (
          <FormError>
            {error.message}
            {error.alreadySetUp ? (
              <>
                {" "}
                <Link href={pageHrefs.login} className={linkClass}>
                  Go to sign in
                </Link>
              </>
            ) : null}
          </FormError>
        ) : null}
        <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Create the first administrator">
          <TextField
            label="User name"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            hint="Letters, digits and . _ @ - only."
            error={fieldErrors.username}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            hint="At least 8 characters."
            error={fieldErrors.password}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <TextField
            label="Confirm password"
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
            error={fieldErrors.confirm}
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          <Button type="submit" variant="primary" className="w-full" disabled={busy} aria-busy={busy}>
            Create administrator
          </Button>
        </form>
      </div>
    </AuthCard>
  );
}
