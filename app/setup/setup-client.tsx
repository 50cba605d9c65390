"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { AuthCard } from "@/components/auth/auth-card";
import { type FieldErrors, firstFieldErrors } from "@/components/forms/field-errors";
import { FormError, failureText } from "@/components/forms/form-message";
import { confirmationError, NewPasswordFields } from "@/components/forms/new-password-fields";
import { UsernameField } from "@/components/forms/username-field";
import { Button } from "@/components/ui/button";
import { linkClass } from "@/components/ui/cn";
import { setupBody } from "@/lib/contract/accounts";
import { isApiRequestError, pageHrefs, setupOptions } from "@/lib/queries";

export function SetupClient() {
  const router = useRouter();
  const queryClient = useQueryClient();
  const setup = useMutation(setupOptions(queryClient));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [fieldErrors, setFieldErrors] = useState<FieldErrors<"username" | "password" | "confirm">>({});
  const [error, setError] = useState<{ message: string; alreadySetUp: boolean } | null>(null);
  const [signingIn, setSigningIn] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const parsed = setupBody.safeParse({ username, password });
    const invalid = firstFieldErrors(parsed.error);
    const errors = {
      username: invalid.username && (username.trim() ? `User name: ${invalid.username}` : "Enter a user name."),
      password: invalid.password && `Password: ${invalid.password}`,
      confirm: confirmationError(password, confirm),
    };
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
          <UsernameField
            hint="Letters, digits and . _ @ - only."
            error={fieldErrors.username}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <NewPasswordFields
            label="Password"
            name="password"
            error={fieldErrors.password}
            value={password}
            onChange={setPassword}
            confirmation={{ label: "Confirm password", name: "confirm", error: fieldErrors.confirm, value: confirm, onChange: setConfirm }}
          />
          <Button type="submit" variant="primary" className="w-full" disabled={busy} aria-busy={busy}>
            Create administrator
          </Button>
        </form>
      </div>
    </AuthCard>
  );
}
