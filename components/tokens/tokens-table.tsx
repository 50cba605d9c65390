"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { FormError, failureText } from "@/components/forms/form-message";
import { Badge } from "@/components/ui/badge";
import { Button, buttonClass } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, Td } from "@/components/ui/table";
import type { TokenItem } from "@/lib/contract/accounts";
import { revokeTokenOptions } from "@/lib/queries";

function isExpired(t: TokenItem): boolean {
  return t.expiresAt !== null && Date.parse(t.expiresAt) <= Date.now();
}

function TokenRow({ token }: { token: TokenItem }) {
  const queryClient = useQueryClient();
  const revoke = useMutation(revokeTokenOptions(queryClient));
  const [confirming, setConfirming] = useState(false);
  const revokeButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  // focus follows the question: onto "Cancel" when it appears, back to "Revoke" when it goes
  useEffect(() => {
    if (confirming) cancelButton.current?.focus();
    else if (wasConfirming.current) revokeButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const expired = isExpired(token);
  return (
    <tr>
      <TokenInfoCells token={token} />
      <Td className="text-zinc-700 dark:text-zinc-300">
        {token.expiresAt === null ? (
          "Never"
        ) : (
          <span className="inline-flex items-center gap-1.5" suppressHydrationWarning>
            {expired ? <Badge tone="danger">Expired</Badge> : null}
            <RelativeTime iso={token.expiresAt} />
          </span>
        )}
      </Td>
      <Td align="right">
        {confirming ? (
          <div className="flex flex-wrap items-center justify-end gap-2">
            <span className="text-xs text-zinc-700 dark:text-zinc-300">Revoke “{token.name}”? Anything using it stops working.</span>
            <Button
              size="sm"
              variant="primary"
              className="bg-red-700 hover:bg-red-800 disabled:bg-red-700/60"
              disabled={revoke.isPending}
              aria-busy={revoke.isPending}
              onClick={() => revoke.mutate(token.id)}
            >
              Yes, revoke<span className="sr-only"> token {token.name}</span>
            </Button>
            <button ref={cancelButton} type="button" className={buttonClass("ghost", "sm")} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button ref={revokeButton} type="button" className={buttonClass("ghost", "sm")} onClick={() => setConfirming(true)}>
            Revoke<span className="sr-only"> token {token.name}</span>
          </button>
        )}
        <RevokeFailure error={revoke.error} />
      </Td>
    </tr>
  );
}

/** Why revoking a token failed, under its button. */
export function RevokeFailure({ error }: { error: Error | null }) {
  return error ? (
    <div className="mt-2 text-left">
      <FormError>{failureText(error)}</FormError>
    </div>
  ) : null;
}

/** A token's name, prefix, creation and last use: the first cells of every token row. */
export function TokenInfoCells({ token }: { token: TokenItem }) {
  return (
    <>
      <Td className="font-medium text-zinc-900 dark:text-zinc-100">{token.name}</Td>
      <Td>
        <code className="font-mono text-xs text-zinc-700 dark:text-zinc-300">{token.prefix}…</code>
      </Td>
      <Td className="text-zinc-700 dark:text-zinc-300">
        <RelativeTime iso={token.createdAt} />
      </Td>
      <Td className="text-zinc-700 dark:text-zinc-300">
        <RelativeTime iso={token.lastUsedAt} fallback="Never" />
      </Td>
    </>
  );
}

/** The table every token list shares (own tokens, an admin's view of someone's): its rows are the children. */
export function TokenTable({ caption, children }: { caption: string; children: React.ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <Table
        caption={caption}
        columns={["Name", "Token", "Created", "Last used", "Expires", { label: "Actions", align: "right", srOnly: true }]}
      >
        {children}
      </Table>
    </div>
  );
}

export function TokensTable({ tokens }: { tokens: readonly TokenItem[] }) {
  return (
    <TokenTable caption="Your API tokens">
      {tokens.map((t) => (
        <TokenRow key={t.id} token={t} />
      ))}
    </TokenTable>
  );
}
