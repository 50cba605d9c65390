"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type ReactNode, type Ref, useId, useRef, useState } from "react";
import { hasLocalPassword, providerLabel } from "@/components/auth/provider";
import { FormError, FormNotice, failureText } from "@/components/forms/form-message";
import { Badge } from "@/components/ui/badge";
import { Button, buttonClass } from "@/components/ui/button";
import { pluralize } from "@/components/ui/format";
import { RelativeTime } from "@/components/ui/relative-time";
import { Select } from "@/components/ui/select";
import { Table, Td } from "@/components/ui/table";
import type { UserItem } from "@/lib/contract/accounts";
import { updateUserOptions } from "@/lib/queries";
import { GrantsEditor, ROLE_OPTIONS } from "./grants-editor";
import { ResetPasswordForm } from "./reset-password-form";
import { UserTokens } from "./user-tokens";

const COLUMNS = 7;

type Panel = "password" | "grants" | "tokens" | null;

/** A button that opens (and closes) one panel of a user's row; its name says whose. */
function PanelToggle({
  ref,
  open,
  controls,
  of,
  onClick,
  children,
}: {
  ref: Ref<HTMLButtonElement>;
  open: boolean;
  controls: string;
  of: string;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      ref={ref}
      type="button"
      className={buttonClass("ghost", "sm")}
      aria-expanded={open}
      aria-controls={open ? controls : undefined}
      onClick={onClick}
    >
      {children}
      <span className="sr-only"> of {of}</span>
    </button>
  );
}

function UserRow({ user, isSelf }: { user: UserItem; isSelf: boolean }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const update = useMutation(updateUserOptions(queryClient));
  const [panel, setPanel] = useState<Panel>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const passwordButton = useRef<HTMLButtonElement>(null);
  const grantsButton = useRef<HTMLButtonElement>(null);
  const tokensButton = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  const pendingRole = update.isPending ? update.variables?.body.role : undefined;
  const pendingDisabled = update.isPending ? update.variables?.body.disabled : undefined;

  function save(body: { role?: UserItem["role"]; disabled?: boolean }, done: string) {
    setNotice(null);
    update.mutate(
      { id: user.id, body },
      {
        onSuccess: () => {
          setNotice(done);
          // one's own role or account changed: the server decides again what this page may show
          if (isSelf) router.refresh();
        },
      },
    );
  }

  function toggle(next: Exclude<Panel, null>) {
    setNotice(null);
    setPanel((p) => (p === next ? null : next));
  }

  function close(message: string | null) {
    const trigger = panel === "password" ? passwordButton : panel === "tokens" ? tokensButton : grantsButton;
    setPanel(null);
    setNotice(message);
    trigger.current?.focus();
  }

  const name = user.username;
  const disabled = pendingDisabled ?? user.disabled;
  const showDetails = panel !== null || notice !== null || update.isError;

  return (
    <>
      <tr>
        <Td>
          <div className="font-medium text-zinc-900 dark:text-zinc-100">
            {name}
            {isSelf ? <span className="ml-1.5 font-normal text-xs text-zinc-600 dark:text-zinc-400">(you)</span> : null}
          </div>
          {user.name ? <div className="text-xs text-zinc-600 dark:text-zinc-400">{user.name}</div> : null}
        </Td>
        <Td>
          <Select
            label={`Role of ${name}`}
            hideLabel
            value={pendingRole ?? user.role}
            options={ROLE_OPTIONS}
            onChange={(role) => {
              if (!update.isPending && role !== user.role) save({ role }, `${name} is now ${role === "viewer" ? "a" : "an"} ${role}.`);
            }}
          />
        </Td>
        <Td className="text-zinc-700 dark:text-zinc-300">{providerLabel(user.provider)}</Td>
        <Td>{disabled ? <Badge tone="danger">Disabled</Badge> : <Badge tone="success">Active</Badge>}</Td>
        <Td className="text-zinc-700 dark:text-zinc-300">
          <RelativeTime iso={user.lastLoginAt} fallback="Never" />
        </Td>
        <Td className="text-zinc-700 dark:text-zinc-300">{user.grants.length === 0 ? "None" : pluralize(user.grants.length, "grant")}</Td>
        <Td>
          <div className="flex flex-wrap justify-end gap-1">
            <Button
              size="sm"
              variant="ghost"
              disabled={update.isPending}
              aria-busy={pendingDisabled !== undefined}
              onClick={() =>
                save({ disabled: !user.disabled }, user.disabled ? `${name} can sign in again.` : `${name} is disabled and signed out.`)
              }
            >
              {user.disabled ? "Enable" : "Disable"}
              <span className="sr-only"> {name}</span>
            </Button>
            {hasLocalPassword(user) ? (
              <PanelToggle ref={passwordButton} open={panel === "password"} controls={panelId} of={name} onClick={() => toggle("password")}>
                Reset password
              </PanelToggle>
            ) : null}
            <PanelToggle ref={grantsButton} open={panel === "grants"} controls={panelId} of={name} onClick={() => toggle("grants")}>
              Edit grants
            </PanelToggle>
            <PanelToggle ref={tokensButton} open={panel === "tokens"} controls={panelId} of={name} onClick={() => toggle("tokens")}>
              API tokens ({user.activeTokens})
            </PanelToggle>
          </div>
        </Td>
      </tr>
      {showDetails ? (
        <tr>
          <Td colSpan={COLUMNS} className="bg-zinc-50 dark:bg-zinc-950/40">
            <div id={panelId} className="space-y-3 py-1">
              {update.isError ? <FormError>{failureText(update.error)}</FormError> : null}
              {notice ? <FormNotice>{notice}</FormNotice> : null}
              {panel === "password" ? (
                <ResetPasswordForm
                  user={user}
                  onDone={(tokensRevoked) =>
                    close(
                      `The password of ${name} was reset: their sessions ended${
                        tokensRevoked > 0
                          ? ` and ${pluralize(tokensRevoked, "API token")} ${tokensRevoked === 1 ? "was" : "were"} revoked`
                          : ""
                      }.`,
                    )
                  }
                  onCancel={() => close(null)}
                />
              ) : panel === "grants" ? (
                <GrantsEditor user={user} onDone={() => close(`Grants of ${name} saved.`)} onCancel={() => close(null)} />
              ) : panel === "tokens" ? (
                <UserTokens user={user} onDone={close} />
              ) : null}
            </div>
          </Td>
        </tr>
      ) : null}
    </>
  );
}

export function UsersTable({ users, selfId }: { users: readonly UserItem[]; selfId: number | null }) {
  return (
    <div className="overflow-x-auto">
      <Table
        caption="Users"
        columns={["User", "Role", "Signs in with", "Status", "Last sign-in", "Grants", { label: "Actions", align: "right", srOnly: true }]}
      >
        {users.map((u) => (
          <UserRow key={u.id} user={u} isSelf={u.id === selfId} />
        ))}
      </Table>
    </div>
  );
}
