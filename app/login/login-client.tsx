"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import { AuthCard } from "@/components/auth/auth-card";
import { signInErrorMessage } from "@/components/auth/sign-in-messages";
import { FormError, FormNotice } from "@/components/forms/form-message";
import { TextField } from "@/components/forms/text-field";
import { UsernameField } from "@/components/forms/username-field";
import { Button } from "@/components/ui/button";

export function LoginClient({
  callbackUrl,
  oidcName,
  passwordChanged,
  initialError,
}: {
  /** Already checked on the server: a path on this site. */
  callbackUrl: string;
  /** The single sign-on button's provider name, when single sign-on is configured. */
  oidcName: string | null;
  passwordChanged: boolean;
  initialError: string | null;
}) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState<"password" | "oidc" | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setPending("password");
    try {
      const result = await signIn("credentials", { username, password, redirect: false, redirectTo: callbackUrl });
      if (!result || result.error) {
        setError(signInErrorMessage(result?.error ?? "CredentialsSignin", result?.code));
        setPassword("");
        setPending(null);
        return;
      }
      // whatever was cached belonged to nobody (or someone else)
      queryClient.clear();
      router.replace(callbackUrl);
      router.refresh();
    } catch {
      setError("Could not reach the Layerscope server. Try again.");
      setPending(null);
    }
  }

  async function onSso() {
    setError(null);
    setPending("oidc");
    try {
      // leaves the page for the identity provider, which comes back to callbackUrl
      await signIn("oidc", { redirectTo: callbackUrl });
    } catch {
      setError("Could not start single sign-on. Try again.");
      setPending(null);
    }
  }

  return (
    <AuthCard title="Sign in to Layerscope">
      <div className="space-y-4">
        {passwordChanged && !error ? <FormNotice>Your password was changed. Sign in again with the new password.</FormNotice> : null}
        {error ? <FormError>{error}</FormError> : null}
        <form onSubmit={onSubmit} className="space-y-4">
          <UsernameField autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <Button type="submit" variant="primary" className="w-full" disabled={pending !== null} aria-busy={pending === "password"}>
            Sign in
          </Button>
        </form>
        {oidcName ? (
          <>
            <div className="flex items-center gap-3 text-xs text-zinc-600 dark:text-zinc-400">
              <span aria-hidden="true" className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
              or
              <span aria-hidden="true" className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
            </div>
            <Button className="w-full" onClick={onSso} disabled={pending !== null} aria-busy={pending === "oidc"}>
              Sign in with {oidcName}
            </Button>
          </>
        ) : null}
      </div>
    </AuthCard>
  );
}
