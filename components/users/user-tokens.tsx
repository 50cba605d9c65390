"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { RevokeFailure, TokenInfoCells, TokenTable } from "@/components/tokens/tokens-table";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { TableSkeleton } from "@/components/ui/skeleton";
import { Td } from "@/components/ui/table";
import type { TokenItem, UserItem } from "@/lib/contract/accounts";
import { revokeUserTokenOptions, userTokensOptions } from "@/lib/queries";

function TokenRow({ user, token, onRevoked }: { user: UserItem; token: TokenItem; onRevoked: (name: string) => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation(revokeUserTokenOptions(queryClient));
  return (
    <tr>
      <TokenInfoCells token={token} />
      <Td className="text-zinc-700 dark:text-zinc-300">
        <RelativeTime iso={token.expiresAt} fallback="Never" />
      </Td>
      <Td align="right">
        <Button
          size="sm"
          variant="ghost"
          disabled={revoke.isPending}
          aria-busy={revoke.isPending}
          onClick={() => revoke.mutate({ userId: user.id, tokenId: token.id }, { onSuccess: () => onRevoked(token.name) })}
        >
          Revoke<span className="sr-only"> token {token.name}</span>
        </Button>
        <RevokeFailure error={revoke.error} />
      </Td>
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
        <TokenTable caption={`API tokens of ${user.username}`}>
          {tokens.data.items.map((t) => (
            <TokenRow key={t.id} user={user} token={t} onRevoked={setRevoked} />
          ))}
        </TokenTable>
      )}
      <Button size="sm" variant="ghost" onClick={() => onDone(revoked ? `API token “${revoked}” of ${user.username} revoked.` : null)}>
        Close
      </Button>
    </div>
  );
}
