"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { errorMessage, FormError } from "@/components/forms/form-message";
import { tableClass, tdClass, thClass } from "@/components/manifest-summary/table-styles";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { TableSkeleton } from "@/components/ui/skeleton";
import { revokeUserTokenOptions, userTokensOptions } from "@/lib/queries";
import type { TokenItem, UserItem } from "@/lib/services/api-types";

function TokenRow({ user, token, onRevoked }: { user: UserItem; token: TokenItem; onRevoked: (name: string) => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation(revokeUserTokenOptions(queryClient));
  return (
    <tr>
      <td className={`${tdClass} font-medium text-zinc-900 dark:text-zinc-100`}>{token.name}</td>
      <td className={tdClass}>
        <code className="font-mono text-xs text-zinc-700 dark:text-zinc-300">{token.prefix}…</code>
      </td>
      <td className={`${tdClass} text-zinc-700 dark:text-zinc-300`}>
        <RelativeTime iso={token.createdAt} />
      </td>
      <td className={`${tdClass} text-zinc-700 dark:text-zinc-300`}>
        <RelativeTime iso={token.lastUsedAt} fallback="Never" />
      </td>
      <td className={`${tdClass} text-zinc-700 dark:text-zinc-300`}>
        <RelativeTime iso={token.expiresAt} fallback="Never" />
      </td>
      <td className={`${tdClass} text-right`}>
        <Button
          size="sm"
          variant="ghost"
          disabled={revoke.isPending}
          aria-busy={revoke.isPending}
          onClick={() => revoke.mutate({ userId: user.id, tokenId: token.id }, { onSuccess: () => onRevoked(token.name) })}
        >
          Revoke<span className="sr-only"> token {token.name}</span>
        </Button>
        {revoke.isError ? (
          <div className="mt-2 text-left">
            <FormError>{errorMessage(revoke.error)}</FormError>
          </div>
        ) : null}
      </td>
    </tr>
  );
}

/** An admin's list of someone's API tokens (names and prefixes, never secrets), each revocable. */
export function UserTokens({ user, onDone }: { user: UserItem; onDone: (message: string | null) => void }) {
  const tokens = useQuery(userTokensOptions(user.id));
  const [revoked, setRevoked] = useState<string | null>(null);

  if (tokens.isPending) return <TableSkeleton rows={2} columns={6} />;
  if (tokens.isError) {
    return (
      <ErrorState title={`Couldn't load the API tokens of ${user.username}`} error={tokens.error} onRetry={() => void tokens.refetch()} />
    );
  }
  return (
    <div className="space-y-3">
      {tokens.data.items.length === 0 ? (
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          {revoked ? `Token “${revoked}” revoked. ` : ""}
          {user.username} has no API tokens.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className={tableClass}>
            <caption className="sr-only">API tokens of {user.username}</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>
                  Name
                </th>
                <th scope="col" className={thClass}>
                  Token
                </th>
                <th scope="col" className={thClass}>
                  Created
                </th>
                <th scope="col" className={thClass}>
                  Last used
                </th>
                <th scope="col" className={thClass}>
                  Expires
                </th>
                <th scope="col" className={`${thClass} text-right`}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.map((t) => (
                <TokenRow key={t.id} user={user} token={t} onRevoked={setRevoked} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Button size="sm" variant="ghost" onClick={() => onDone(revoked ? `API token “${revoked}” of ${user.username} revoked.` : null)}>
        Close
      </Button>
    </div>
  );
}
