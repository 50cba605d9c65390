"use client";

import { useQuery } from "@tanstack/react-query";
import { Card, TitledCard } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/error-state";
import { pluralize } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { TableSkeleton } from "@/components/ui/skeleton";
import { CreateUserForm } from "@/components/users/create-user-form";
import { RecentSignIns } from "@/components/users/recent-sign-ins";
import { UsersTable } from "@/components/users/users-table";
import { meOptions, userListOptions } from "@/lib/queries";

export function UsersClient() {
  const users = useQuery(userListOptions());
  const { data: me } = useQuery(meOptions());
  const canReadAudit = me?.permissions.includes("audit:read") ?? false;

  return (
    <>
      <PageHeader
        title="Users"
        description={
          users.data
            ? `${pluralize(users.data.items.length, "user")} · roles: viewers read, editors also sync and delete tags, admins also manage users`
            : null
        }
      />
      <div className="space-y-6">
        <TitledCard id="create-user" title="Add a user">
          <CreateUserForm />
        </TitledCard>

        <Card aria-labelledby="all-users">
          <h2
            id="all-users"
            className="border-zinc-200 border-b px-4 py-3 font-semibold text-sm text-zinc-900 dark:border-zinc-800 dark:text-zinc-100"
          >
            All users
          </h2>
          {users.isPending ? (
            <div className="p-4">
              <TableSkeleton rows={4} columns={6} />
            </div>
          ) : users.isError ? (
            <div className="p-4">
              <ErrorState title="Couldn't load users" error={users.error} onRetry={() => void users.refetch()} />
            </div>
          ) : (
            <UsersTable users={users.data.items} selfId={me?.user?.id ?? null} />
          )}
        </Card>

        {canReadAudit ? (
          <TitledCard id="recent-sign-ins" title="Recent sign-ins">
            <RecentSignIns />
          </TitledCard>
        ) : null}
      </div>
    </>
  );
}
