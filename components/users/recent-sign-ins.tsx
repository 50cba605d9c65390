"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { RelativeTime } from "@/components/ui/relative-time";
import { TableSkeleton } from "@/components/ui/skeleton";
import { Table, Td } from "@/components/ui/table";
import type { AuditList } from "@/lib/contract/audit";
import { auditListOptions, RECENT_SIGN_INS } from "@/lib/queries";

type AuditResult = AuditList["items"][number]["result"];

const RESULTS: Record<AuditResult, { tone: "success" | "danger" | "warning"; label: string }> = {
  success: { tone: "success", label: "Signed in" },
  failure: { tone: "danger", label: "Failed" },
  denied: { tone: "warning", label: "Denied" },
};

// what the sign-in paths record in an audit row's details; anything else is left out
const loginDetails = z.object({ via: z.string().optional(), reason: z.string().optional() });

const VIA: Record<string, string> = { form: "password", oidc: "single sign-on", basic: "Basic auth" };

function describeSignIn(details: unknown): string {
  const d = loginDetails.safeParse(details);
  if (!d.success) return "";
  return [d.data.via ? `via ${VIA[d.data.via] ?? d.data.via}` : null, d.data.reason].filter(Boolean).join(": ");
}

export function RecentSignIns() {
  const audit = useQuery(auditListOptions(RECENT_SIGN_INS));
  if (audit.isPending) return <TableSkeleton rows={5} columns={4} />;
  if (audit.isError) return <ErrorState title="Couldn't load recent sign-ins" error={audit.error} onRetry={() => void audit.refetch()} />;
  if (audit.data.items.length === 0) return <EmptyState title="No sign-ins yet" />;
  return (
    <div className="-m-4 overflow-x-auto">
      <Table caption="Recent sign-ins, newest first" columns={["Time", "User", "Result", "Details", "IP address"]}>
        {audit.data.items.map((e) => (
          <tr key={e.id}>
            <Td className="text-zinc-700 dark:text-zinc-300">
              <RelativeTime iso={e.at} />
            </Td>
            <Td className="font-medium text-zinc-900 dark:text-zinc-100">{e.actor}</Td>
            <Td>
              <Badge tone={RESULTS[e.result].tone}>{RESULTS[e.result].label}</Badge>
            </Td>
            <Td className="text-zinc-700 dark:text-zinc-300">{describeSignIn(e.details)}</Td>
            <Td className="font-mono text-xs text-zinc-700 dark:text-zinc-300">{e.ip ?? "—"}</Td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
