"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useRef, useState } from "react";
import { hasLocalPassword, providerLabel } from "@/components/auth/provider";
import { FormError, FormNotice, failureText } from "@/components/forms/form-message";
import { tableClass, tdClass, thClass } from "@/components/manifest-summary/table-styles";
import { Badge } from "@/components/ui/badge";
import { Button, buttonClass } from "@/components/ui/button";
import { pluralize } from "@/components/ui/format";
import { RelativeTime } from "@/components/ui/relative-time";
import { Select } from "@/components/ui/select";
import { updateUserOptions } from "@/lib/queries";
import type { UserItem } from "@/lib/services/api-types";
import { GrantsEditor, ROLE_OPTIONS } from "./grants-editor";
import { ResetPasswordForm } from "./reset-password-form";
import { UserTokens } from "./user-tokens";

const COLUMNS = 7;

type Panel = "password" | "grants" | "tokens" | null;

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
        <td className={tdClass}>
          <div className="font-medium text-zinc-900 dark:text-zinc-100">
            {name}
            {isSelf ? <span className="ml-1.5 font-normal text-xs text-zinc-600 dark:text-zinc-400">(you)</span> : null}
          </div>
          {user.name ? <div className="text-xs text-zinc-600 dark:text-zinc-400">{user.name}</div> : null}
        </td>
        <td className={tdClass}>
          <Select
            label={`Role of ${name}`}
            hideLabel
            value={pendingRole ?? user.role}
            options={ROLE_OPTIONS}
            onChange={(role) => {
              if (!update.isPending && role !== user.role) save({ role }, `${name} is now ${role === "viewer" ? "a" : "an"} ${role}.`);
            }}
          />
        </td>
        <td className={`${tdClass} text-zinc-700 dark:text-zinc-300`}>{providerLabel(user.provider)}</td>
        <td className={tdClass}>{disabled ? <Badge tone="danger">Disabled</Badge> : <Badge tone="success">Active</Badge>}</td>
        <td className={`${tdClass} text-zinc-700 dark:text-zinc-300`}>
          <RelativeTime iso={user.lastLoginAt} fallback="Never" />
        </td>
        <td className={`${tdClass} text-zinc-700 dark:text-zinc-300`}>
          {user.grants.length === 0 ? "None" : pluralize(user.grants.length, "grant")}
        </td>
        <td className={tdClass}>
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
              <button
                ref={passwordButton}
                type="button"
                className={buttonClass("ghost", "sm")}
                aria-expanded={panel === "password"}
                aria-controls={panel === "password" ? panelId : undefined}
                onClick={() => toggle("password")}
              >
                Reset password<span className="sr-only"> of {name}</span>
              </button>
            ) : null}
            <button
              ref={grantsButton}
              type="button"
              className={buttonClass("ghost", "sm")}
              aria-expanded={panel === "grants"}
              aria-controls={panel === "grants" ? panelId : undefined}
              onClick={() => toggle("grants")}
            >
              Edit grants<span className="sr-only"> of {name}</span>
            </button>
            <button
              ref={tokensButton}
              type="button"
              className={buttonClass("ghost", "sm")}
              aria-expanded={panel === "tokens"}
              aria-controls={panel === "tokens" ? panelId : undefined}
              onClick={() => toggle("tokens")}
            >
              API tokens ({user.activeTokens})<span className="sr-only"> of {name}</span>
            </button>
          </div>
        </td>
      </tr>
      {showDetails ? (
        <tr>
          <td colSpan={COLUMNS} className={`${tdClass} bg-zinc-50 dark:bg-zinc-950/40`}>
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
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function UsersTable({ users, selfId }: { users: readonly UserItem[]; selfId: number | null }) {
  return (
    <div className="overflow-x-auto">
      <table className={tableClass}>
        <caption className="sr-only">Users</caption>
        <thead>
          <tr>
            <th scope="col" className={thClass}>
              User
            </th>
            <th scope="col" className={thClass}>
              Role
            </th>
            <th scope="col" className={thClass}>
              Signs in with
            </th>
            <th scope="col" className={thClass}>
              Status
            </th>
            <th scope="col" className={thClass}>
              Last sign-in
            </th>
            <th scope="col" className={thClass}>
              Grants
            </th>
            <th scope="col" className={`${thClass} text-right`}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <UserRow key={u.id} user={u} isSelf={u.id === selfId} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
