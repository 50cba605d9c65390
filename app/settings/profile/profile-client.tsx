"use client";

import { useQuery } from "@tanstack/react-query";
import { AccountSummary } from "@/components/auth/account-summary";
import { ChangePasswordForm } from "@/components/auth/change-password-form";
import { hasLocalPassword } from "@/components/auth/provider";
import { CreateTokenForm } from "@/components/tokens/create-token-form";
import { TokensTable } from "@/components/tokens/tokens-table";
import { TitledCard } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";
import { meOptions, myTokensOptions } from "@/lib/queries";

export function ProfileClient() {
  const me = useQuery(meOptions());
  const tokens = useQuery(myTokensOptions());
  const user = me.data?.user ?? null;

  return (
    <>
      <PageHeader title="Profile" description={user ? `Signed in as ${user.username}` : null} />
      <div className="space-y-6">
        <div className="grid items-start gap-6 lg:grid-cols-2">
          <TitledCard id="account" title="Account">
            {me.isPending ? (
              <Skeleton className="h-32" />
            ) : me.isError ? (
              <ErrorState title="Couldn't load your account" error={me.error} onRetry={() => void me.refetch()} />
            ) : (
              <AccountSummary me={me.data} />
            )}
          </TitledCard>
          <TitledCard id="password" title="Password">
            {user && !hasLocalPassword(user) ? (
              <p className="text-sm text-zinc-700 dark:text-zinc-300">
                You sign in through single sign-on: your password is managed by your identity provider.
              </p>
            ) : (
              <ChangePasswordForm />
            )}
          </TitledCard>
        </div>

        <TitledCard id="api-tokens" title="API tokens">
          <div className="space-y-5">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              For scripts and CI: send a token as <code className="font-mono">Authorization: Bearer &lt;token&gt;</code>. It acts as you,
              with your role and grants. Prefer a token to your password in scripts: a token can be revoked on its own, and repeated
              password failures slow sign-ins down. Changing your password revokes every token.
            </p>
            <CreateTokenForm />
            {tokens.isPending ? (
              <TableSkeleton rows={3} columns={5} />
            ) : tokens.isError ? (
              <ErrorState title="Couldn't load your tokens" error={tokens.error} onRetry={() => void tokens.refetch()} />
            ) : tokens.data.items.length === 0 ? (
              <div className="rounded-lg border border-zinc-200 dark:border-zinc-800">
                <EmptyState title="No API tokens">Create one above to call the API from scripts.</EmptyState>
              </div>
            ) : (
              <TokensTable tokens={tokens.data.items} />
            )}
          </div>
        </TitledCard>
      </div>
    </>
  );
}
