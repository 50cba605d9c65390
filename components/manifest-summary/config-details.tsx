import { BadgeList } from "@/components/ui/badge";
import { TitledCard } from "@/components/ui/card";
import { ExternalText } from "@/components/ui/external-text";
import { formatExact } from "@/components/ui/format";
import { type KeyValue, KeyValueList } from "@/components/ui/key-value-list";
import type { ManifestDetail } from "@/lib/contract/images";
import { platformLabel } from "@/lib/oci/size";
import { DigestText } from "./digest-text";

type ConfigSummary = NonNullable<ManifestDetail["config"]>;

const muted = "text-zinc-600 dark:text-zinc-400";

function Command({ argv }: { argv: string[] | null }) {
  if (!argv || argv.length === 0) return <span className={muted}>Not set</span>;
  // exec form, as a Dockerfile would spell it
  return <code className="break-all font-mono text-xs">{JSON.stringify(argv)}</code>;
}

function Plain({ value }: { value: string | null }) {
  if (!value) return <span className={muted}>Not set</span>;
  return <code className="break-all font-mono text-xs">{value}</code>;
}

export function ConfigDetails({ config }: { config: ConfigSummary }) {
  const labels = Object.entries(config.labels).sort(([a], [b]) => a.localeCompare(b));
  const items: KeyValue[] = [
    {
      key: "platform",
      label: "Platform",
      value:
        config.os && config.architecture ? (
          <span className="font-mono">{platformLabel({ os: config.os, architecture: config.architecture, variant: config.variant })}</span>
        ) : (
          <span className={muted}>Unknown</span>
        ),
    },
    {
      key: "created",
      label: "Created",
      value: config.created ? formatExact(config.created) : <span className={muted}>Unknown</span>,
    },
    { key: "author", label: "Author", value: config.author ?? <span className={muted}>Not set</span> },
    { key: "entrypoint", label: "Entrypoint", value: <Command argv={config.entrypoint} /> },
    { key: "cmd", label: "Command", value: <Command argv={config.cmd} /> },
    { key: "workdir", label: "Working directory", value: <Plain value={config.workingDir} /> },
    { key: "user", label: "User", value: <Plain value={config.user} /> },
    {
      key: "ports",
      label: "Exposed ports",
      value: config.exposedPorts.length > 0 ? <BadgeList values={config.exposedPorts} /> : <span className={muted}>None</span>,
    },
    {
      key: "volumes",
      label: "Volumes",
      value:
        config.volumes.length > 0 ? (
          <ul className="space-y-0.5 font-mono text-xs">
            {config.volumes.map((v) => (
              <li key={v} className="break-all">
                {v}
              </li>
            ))}
          </ul>
        ) : (
          <span className={muted}>None</span>
        ),
    },
    {
      key: "env",
      label: "Environment",
      value:
        config.env.length > 0 ? (
          <ul className="space-y-0.5 font-mono text-xs">
            {config.env.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a variable can be set twice (the later wins), so the position is part of the key
              <li key={`${i}-${e}`} className="break-all">
                {e}
              </li>
            ))}
          </ul>
        ) : (
          <span className={muted}>None</span>
        ),
    },
    { key: "history", label: "History entries", value: config.historyLength },
    { key: "digest", label: "Config digest", value: <DigestText digest={config.digest} label="Copy config digest" /> },
  ];
  return (
    <>
      <TitledCard id="config" title="Configuration">
        <KeyValueList items={items} />
      </TitledCard>
      <TitledCard id="labels" title={`Labels (${labels.length})`}>
        {labels.length > 0 ? (
          <KeyValueList
            items={labels.map(([k, v]) => ({
              key: k,
              label: <code className="break-all font-mono text-xs">{k}</code>,
              value: <ExternalText value={v} />,
            }))}
          />
        ) : (
          <p className={`text-sm ${muted}`}>This image has no labels.</p>
        )}
      </TitledCard>
    </>
  );
}

export function AnnotationsList({ annotations }: { annotations: Record<string, string> }) {
  const entries = Object.entries(annotations).sort(([a], [b]) => a.localeCompare(b));
  return (
    <TitledCard id="annotations" title={`Annotations (${entries.length})`}>
      {entries.length > 0 ? (
        <KeyValueList
          items={entries.map(([k, v]) => ({
            key: k,
            label: <code className="break-all font-mono text-xs">{k}</code>,
            value: <ExternalText value={v} />,
          }))}
        />
      ) : (
        <p className={`text-sm ${muted}`}>No annotations on this manifest.</p>
      )}
    </TitledCard>
  );
}
