import type { ReactNode } from "react";
import { Badge, BadgeList } from "@/components/ui/badge";
import { TitledCard } from "@/components/ui/card";
import { ExternalText } from "@/components/ui/external-text";
import { type KeyValue, KeyValueList } from "@/components/ui/key-value-list";
import type { HelmChart } from "@/lib/contract/images";

const muted = "text-zinc-600 dark:text-zinc-400";
const notSet = <span className={muted}>Not set</span>;

/** Chart.yaml as Helm stores it in the OCI config blob. */
export function HelmChartCard({ chart }: { chart: HelmChart }) {
  const items: KeyValue[] = [
    { key: "name", label: "Chart", value: chart.name ? <code className="font-mono">{chart.name}</code> : notSet },
    {
      key: "version",
      label: "Version",
      value: chart.version ? (
        <span className="flex items-center gap-2">
          <code className="font-mono">{chart.version}</code>
          {chart.deprecated ? <Badge tone="warning">Deprecated</Badge> : null}
        </span>
      ) : (
        notSet
      ),
    },
    { key: "appVersion", label: "App version", value: chart.appVersion ? <code className="font-mono">{chart.appVersion}</code> : notSet },
    { key: "description", label: "Description", value: chart.description ?? notSet },
    { key: "type", label: "Type", value: chart.type ?? "application" },
    { key: "apiVersion", label: "Chart API", value: chart.apiVersion ?? notSet },
    { key: "kubeVersion", label: "Kubernetes", value: chart.kubeVersion ?? <span className={muted}>Any</span> },
    { key: "home", label: "Home", value: chart.home ? <ExternalText value={chart.home} /> : notSet },
  ];
  if (chart.sources.length > 0) {
    items.push({
      key: "sources",
      label: "Sources",
      value: <StackedList items={chart.sources.map((s) => ({ key: s, content: <ExternalText value={s} /> }))} />,
    });
  }
  if (chart.keywords.length > 0) {
    items.push({
      key: "keywords",
      label: "Keywords",
      value: <BadgeList values={chart.keywords} />,
    });
  }
  if (chart.maintainers.length > 0) {
    items.push({
      key: "maintainers",
      label: "Maintainers",
      value: (
        <StackedList
          items={chart.maintainers.map((m) => ({
            key: `${m.name}-${m.email ?? ""}`,
            content: (
              <>
                {m.name}
                {m.email ? <span className={muted}> &lt;{m.email}&gt;</span> : null}
                {m.url ? (
                  <>
                    {" "}
                    <ExternalText value={m.url} />
                  </>
                ) : null}
              </>
            ),
          }))}
        />
      ),
    });
  }
  if (chart.dependencies.length > 0) {
    items.push({
      key: "dependencies",
      label: "Dependencies",
      value: (
        <ul className="space-y-0.5 font-mono text-xs">
          {chart.dependencies.map((d) => (
            <li key={d.name}>
              {d.name}
              {d.version ? ` ${d.version}` : ""}
              {d.repository ? <span className={muted}> from {d.repository}</span> : null}
            </li>
          ))}
        </ul>
      ),
    });
  }
  return (
    <TitledCard id="helm-chart" title="Helm chart">
      <KeyValueList items={items} />
    </TitledCard>
  );
}

/** One entry per line (a chart's sources, its maintainers). */
function StackedList({ items }: { items: { key: string; content: ReactNode }[] }) {
  return (
    <ul className="space-y-0.5">
      {items.map((item) => (
        <li key={item.key}>{item.content}</li>
      ))}
    </ul>
  );
}
