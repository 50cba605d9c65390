"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Card, TitledCard } from "@/components/ui/card";
import { formatCount } from "@/components/ui/format";
import { KeyValueList } from "@/components/ui/key-value-list";
import { ProgressBar } from "@/components/ui/progress-bar";
import { RelativeTime } from "@/components/ui/relative-time";
import type { SyncStatus } from "@/lib/contract/sync";
import { meOptions } from "@/lib/queries";
import { CodeBlock } from "./code-block";

function RegistryState({ sync }: { sync: SyncStatus | undefined }) {
  if (!sync) return <p className="text-sm text-zinc-600 dark:text-zinc-400">Checking the registry…</p>;
  const { registry, current, lastRun } = sync;
  const reachability =
    registry.reachable === true ? (
      <Badge tone="success">Reachable</Badge>
    ) : registry.reachable === false ? (
      <Badge tone="danger">Unreachable</Badge>
    ) : (
      <Badge>Not checked yet</Badge>
    );
  const errors = lastRun?.errors ?? [];
  return (
    <div className="space-y-4">
      <KeyValueList
        items={[
          { key: "url", label: "Registry", value: <code className="break-all font-mono text-xs">{sync.registryUrl}</code> },
          { key: "reachable", label: "Status", value: reachability },
          {
            key: "checked",
            label: "Last checked",
            value: <RelativeTime iso={registry.checkedAt} fallback="Never" />,
          },
          ...(registry.error
            ? [{ key: "error", label: "Error", value: <span className="text-red-800 dark:text-red-300">{registry.error}</span> }]
            : []),
          {
            key: "sync",
            label: "Sync",
            value: sync.running ? (
              "Running"
            ) : lastRun ? (
              <span>
                {lastRun.status} <RelativeTime iso={lastRun.finishedAt ?? lastRun.startedAt} />
              </span>
            ) : (
              "Never run"
            ),
          },
        ]}
      />
      {sync.running && current ? (
        <div className="space-y-1">
          <p className="text-sm text-zinc-700 dark:text-zinc-300">
            {formatCount(current.repositories)} of {formatCount(current.repositoriesTotal)} repositories synced
          </p>
          <ProgressBar label="First sync progress" value={current.repositories} max={current.repositoriesTotal} />
        </div>
      ) : null}
      {errors.length > 0 ? (
        <ul className="space-y-1 text-red-800 text-sm dark:text-red-300">
          {errors.slice(0, 5).map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: errors have no id and may repeat
            <li key={`${i}-${e.code}`}>
              {e.repository ? <code className="font-mono">{e.repository}: </code> : null}
              {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function OnboardingView({ sync }: { sync: SyncStatus | undefined }) {
  const { data: me } = useQuery(meOptions());
  const canSync = me?.permissions.includes("sync:run") ?? false;
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div>
        <h1 className="font-semibold text-3xl text-zinc-900 tracking-tight dark:text-white">Welcome to Layerscope</h1>
        <p className="mt-2 text-zinc-700 dark:text-zinc-300">
          Layerscope is a dashboard for your private Docker/OCI registry. It keeps a local index of the registry’s repositories, tags and
          manifests, so you can search thousands of tags, compare digests, inspect platforms, layers and image configs — and keep browsing
          when the registry is down.
        </p>
      </div>

      <TitledCard id="registry-state" title="Current state">
        <RegistryState sync={sync} />
      </TitledCard>

      <Card className="p-5">
        <h2 className="font-semibold text-base text-zinc-900 dark:text-white">Get started</h2>
        <ol className="mt-3 list-decimal space-y-5 pl-5 text-sm text-zinc-700 marker:font-semibold dark:text-zinc-300">
          <li>
            <p>
              <strong className="text-zinc-900 dark:text-white">Point Layerscope at your registry.</strong> Set{" "}
              <code className="font-mono">REGISTRY_URL</code> (and <code className="font-mono">REGISTRY_USERNAME</code> /{" "}
              <code className="font-mono">REGISTRY_PASSWORD</code> if it needs a login), then start:
            </p>
            <CodeBlock code="REGISTRY_URL=http://registry:5000 npm start" label="Copy start command" />
          </li>
          <li>
            <p>
              <strong className="text-zinc-900 dark:text-white">Allow deletes in the registry</strong> (optional, for cleaning up tags): in
              the registry’s <code className="font-mono">config.yml</code>, or with{" "}
              <code className="font-mono">REGISTRY_STORAGE_DELETE_ENABLED=true</code>:
            </p>
            <CodeBlock code={"storage:\n  delete:\n    enabled: true"} label="Copy registry config snippet" />
          </li>
          <li>
            <p>
              <strong className="text-zinc-900 dark:text-white">No registry at hand?</strong> Start a local one filled with sample images:
            </p>
            <CodeBlock code="npm run demo" label="Copy demo command" />
          </li>
        </ol>
        <p className="mt-5 text-sm text-zinc-600 dark:text-zinc-400">
          {canSync
            ? "Layerscope syncs on start and then periodically; press “Sync now” in the header to sync right away."
            : "Layerscope syncs on start and then periodically. An editor or admin can also start a sync right away."}
        </p>
      </Card>
    </div>
  );
}
