// Image config (OCI image-spec config.md, Docker image spec v1.x) and Helm chart config parsing.
// Configs are only displayed, so a malformed field degrades to null/empty instead of failing the whole
// config; only a body that is not a JSON object is an error.
import { z } from "zod";

export class ConfigParseError extends Error {
  override name = "ConfigParseError";
}

export type ImageHistoryEntry = {
  created: string | null;
  createdBy: string | null;
  comment: string | null;
  emptyLayer: boolean;
  author: string | null;
};

export type ImageConfigInfo = {
  created: string | null;
  os: string | null;
  architecture: string | null;
  variant: string | null;
  author: string | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  workingDir: string | null;
  user: string | null;
  exposedPorts: string[];
  volumes: string[];
  labels: Record<string, string>;
  history: ImageHistoryEntry[];
  diffIds: string[];
};

export type HelmChartInfo = {
  name: string | null;
  version: string | null;
  appVersion: string | null;
  description: string | null;
  apiVersion: string | null;
  type: string | null;
  kubeVersion: string | null;
  home: string | null;
  icon: string | null;
  keywords: string[];
  sources: string[];
  maintainers: { name: string; email: string | null; url: string | null }[];
  dependencies: { name: string; version: string | null; repository: string | null }[];
  deprecated: boolean;
};

// Each field falls back on its own, so one odd value never hides the rest.
const text = z.string().nullable().catch(null);
const flag = z.boolean().catch(false);
const stringList = z.array(z.unknown()).transform((xs) => xs.filter((x): x is string => typeof x === "string"));
// Entrypoint/Cmd: null means "inherit/unset", which differs from an empty list.
const command = z
  .union([stringList, z.string().transform((s) => [s])])
  .nullable()
  .catch(null);
const keySet = z
  .record(z.string(), z.unknown())
  .nullable()
  .transform((o) => (o ? Object.keys(o) : []))
  .catch([]);
const stringMap = z
  .record(z.string(), z.unknown())
  .nullable()
  .transform((o) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o ?? {})) if (typeof v === "string") out[k] = v;
    return out;
  })
  .catch({});

const containerConfigSchema = z.looseObject({
  User: text.optional(),
  ExposedPorts: keySet.optional(),
  Env: stringList.nullable().catch(null).optional(),
  Entrypoint: command.optional(),
  Cmd: command.optional(),
  Volumes: keySet.optional(),
  WorkingDir: text.optional(),
  Labels: stringMap.optional(),
});

const historyEntrySchema = z.looseObject({
  created: text.optional(),
  created_by: text.optional(),
  author: text.optional(),
  comment: text.optional(),
  empty_layer: flag.optional(),
});

export const imageConfigSchema = z.looseObject({
  created: text.optional(),
  author: text.optional(),
  architecture: text.optional(),
  os: text.optional(),
  variant: text.optional(),
  config: containerConfigSchema.nullable().catch(null).optional(),
  // Docker's pre-1.10 configs may carry only the builder container's config.
  container_config: containerConfigSchema.nullable().catch(null).optional(),
  rootfs: z
    .looseObject({ type: text.optional(), diff_ids: stringList.catch([]).optional() })
    .nullable()
    .catch(null)
    .optional(),
  // A malformed entry becomes an empty one rather than disappearing, so entries still line up with layers.
  history: z.array(historyEntrySchema.catch({})).nullable().catch(null).optional(),
});
export type RawImageConfig = z.infer<typeof imageConfigSchema>;

const person = z.looseObject({ name: z.string(), email: text.optional(), url: text.optional() });
const dependency = z.looseObject({ name: z.string(), version: text.optional(), repository: text.optional() });
// Lists keep their well-formed entries: one odd maintainer never hides the others.
const listOf = <T extends z.ZodType>(item: T) =>
  z
    .array(z.unknown())
    .transform((xs) =>
      xs.flatMap((x) => {
        const r = item.safeParse(x);
        return r.success ? [r.data as z.infer<T>] : [];
      }),
    )
    .nullable()
    .catch(null)
    .optional();

export const helmChartConfigSchema = z.looseObject({
  name: text.optional(),
  version: text.optional(),
  appVersion: text.optional(),
  description: text.optional(),
  apiVersion: text.optional(),
  type: text.optional(),
  kubeVersion: text.optional(),
  home: text.optional(),
  icon: text.optional(),
  deprecated: flag.optional(),
  keywords: stringList.nullable().catch(null).optional(),
  sources: stringList.nullable().catch(null).optional(),
  maintainers: listOf(person),
  dependencies: listOf(dependency),
});

export function parseImageConfig(body: string): ImageConfigInfo {
  const raw = imageConfigSchema.parse(parseObject(body, "image config"));
  const c = raw.config ?? raw.container_config ?? {};
  return {
    created: creationTime(raw.created),
    os: raw.os || null,
    architecture: raw.architecture || null,
    variant: raw.variant || null,
    author: raw.author || null,
    entrypoint: c.Entrypoint ?? null,
    cmd: c.Cmd ?? null,
    env: c.Env ?? [],
    workingDir: c.WorkingDir || null,
    user: c.User || null,
    exposedPorts: c.ExposedPorts ?? [],
    volumes: c.Volumes ?? [],
    labels: c.Labels ?? {},
    history: (raw.history ?? []).map((h) => ({
      created: normalizeTimestamp(h.created),
      createdBy: h.created_by || null,
      comment: h.comment || null,
      emptyLayer: h.empty_layer ?? false,
      author: h.author || null,
    })),
    diffIds: raw.rootfs?.diff_ids ?? [],
  };
}

export function parseHelmChartConfig(body: string): HelmChartInfo {
  const raw = helmChartConfigSchema.parse(parseObject(body, "Helm chart config"));
  return {
    name: raw.name || null,
    version: raw.version || null,
    appVersion: raw.appVersion || null,
    description: raw.description || null,
    apiVersion: raw.apiVersion || null,
    type: raw.type || null,
    kubeVersion: raw.kubeVersion || null,
    home: raw.home || null,
    icon: raw.icon || null,
    keywords: raw.keywords ?? [],
    sources: raw.sources ?? [],
    maintainers: (raw.maintainers ?? []).map((m) => ({ name: m.name, email: m.email ?? null, url: m.url ?? null })),
    dependencies: (raw.dependencies ?? []).map((d) => ({ name: d.name, version: d.version ?? null, repository: d.repository ?? null })),
    deprecated: raw.deprecated ?? false,
  };
}

function parseObject(body: string, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new ConfigParseError(`${what} is not valid JSON`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ConfigParseError(`${what} must be a JSON object`);
  }
  return doc as Record<string, unknown>;
}

// RFC 3339 as Go writes it (up to nanoseconds, "Z" or an offset); anything else is not trusted to Date.parse.
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** ISO string in UTC with millisecond precision, or null when the value is not a real timestamp. */
export function normalizeTimestamp(value: string | null | undefined): string | null {
  if (!value) return null;
  const m = RFC3339_RE.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // Date.parse rolls impossible values over (Feb 30 → Mar 1, 24:00 → next day); reject them instead.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const fraction = (m[7] ?? "").slice(0, 3).padEnd(3, "0");
  const zone = m[8] === "z" || m[8] === "Z" ? "Z" : (m[8] ?? "Z");
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const ms = Date.parse(`${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${fraction}${zone}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * An image's creation time, or null when unknown: Go's zero time (0001-01-01, what cosign and crane write)
 * and the Unix epoch of reproducible builds are no creation time, shown as "—" and sorted last.
 */
export function creationTime(value: string | null | undefined): string | null {
  const iso = normalizeTimestamp(value);
  return iso !== null && Date.parse(iso) > 0 ? iso : null;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
