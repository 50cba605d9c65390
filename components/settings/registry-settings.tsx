"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { TitledCard } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { InlineError } from "@/components/ui/inline-error";
import { Table } from "@/components/ui/table";
import { type ConfigEntry, type RegistryCheck, type RegistryDiagnosis, registryDiagnosis } from "@/lib/contract/registry-settings";

const TEST_PATH = "/api/v1/settings/registry/test";

const STATE: Record<RegistryCheck["state"], { label: string; tone: "success" | "danger" | "neutral" | "warning" }> = {
  ok: { label: "OK", tone: "success" },
  missing: { label: "Missing", tone: "danger" },
  info: { label: "Note", tone: "warning" },
  unknown: { label: "Unknown", tone: "neutral" },
};

async function testConnection(): Promise<RegistryDiagnosis> {
  const res = await fetch(TEST_PATH, { method: "POST", cache: "no-store" });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message = (body as { error?: { message?: string } } | null)?.error?.message;
    throw new Error(message ?? `the test failed (HTTP ${res.status})`);
  }
  return registryDiagnosis.parse(body);
}

export function RegistrySettings({ config, initialDiagnosis }: { config: ConfigEntry[]; initialDiagnosis: RegistryDiagnosis }) {
  const [diagnosis, setDiagnosis] = useState(initialDiagnosis);
  const test = useMutation({ mutationKey: ["settings", "registry", "test"], mutationFn: testConnection, onSuccess: setDiagnosis });
  const fixes = diagnosis.checks.filter((c) => c.fix && c.state !== "ok");

  return (
    <div className="space-y-6">
      <TitledCard
        id="registry-detected"
        title={`Detected about ${diagnosis.registryUrl}`}
        actions={
          <Button variant="primary" onClick={() => test.mutate()} disabled={test.isPending}>
            {test.isPending ? "Testing…" : "Test connection"}
          </Button>
        }
      >
        <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400" aria-live="polite">
          Checked {new Date(diagnosis.checkedAt).toLocaleString()} with requests that change nothing.
        </p>
        {test.error ? <InlineError>{test.error.message}</InlineError> : null}
        <Table variant="plain" caption="Registry capabilities" columns={["Capability", "State", "Detail"]}>
          {diagnosis.checks.map((c) => (
            <tr key={c.id} data-check={c.id} className="border-zinc-100 border-b align-top dark:border-zinc-800">
              <th scope="row" className="py-2 pr-4 font-medium text-zinc-900 dark:text-zinc-100">
                {c.label}
              </th>
              <td className="py-2 pr-4">
                <Badge tone={STATE[c.state].tone}>{STATE[c.state].label}</Badge>
              </td>
              <td className="py-2 text-zinc-700 dark:text-zinc-300">{c.detail}</td>
            </tr>
          ))}
        </Table>
      </TitledCard>

      {fixes.length > 0 ? (
        <TitledCard id="registry-fixes" title="What to add to the registry's configuration">
          <ul className="space-y-5">
            {fixes.map((c) => (
              <li key={c.id} data-fix={c.id}>
                <h3 className="font-medium text-sm text-zinc-900 dark:text-zinc-100">
                  {c.label} <span className="font-normal text-zinc-600 dark:text-zinc-400">— {c.fix?.file}</span>
                </h3>
                <p className="mt-1 text-sm text-zinc-700 dark:text-zinc-300">{c.fix?.why}</p>
                <div className="mt-2 flex items-start gap-2">
                  <pre className="min-w-0 flex-1 overflow-x-auto rounded-md bg-zinc-100 p-3 font-mono text-xs text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
                    {c.fix?.lines}
                  </pre>
                  <CopyButton value={c.fix?.lines ?? ""} label={`Copy the ${c.label} lines`} />
                </div>
              </li>
            ))}
          </ul>
        </TitledCard>
      ) : null}

      <TitledCard id="effective-config" title="Effective configuration">
        <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
          Every setting as this instance uses it, defaults included. Secrets only show whether they are set.
        </p>
        <Table variant="plain" caption="Settings" columns={["Setting", "Value"]}>
          {config.map((e) => (
            <tr key={e.name} data-setting={e.name} className="border-zinc-100 border-b dark:border-zinc-800">
              <th scope="row" className="py-1.5 pr-4 font-mono font-normal text-xs text-zinc-900 dark:text-zinc-100">
                {e.name}
              </th>
              <td className="break-all py-1.5 font-mono text-xs text-zinc-700 dark:text-zinc-300">
                {e.value ?? <span className="text-zinc-600 dark:text-zinc-400">not set</span>}
              </td>
            </tr>
          ))}
        </Table>
      </TitledCard>
    </div>
  );
}
