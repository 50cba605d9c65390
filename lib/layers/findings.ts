// Best-practice findings for one image, from its config, its history and the merge of its layers.
// Name-based heuristics only: file contents are never read, and secret values are never put in a finding.
import type { ImageConfigInfo } from "../oci/config";
import { formatBytes, plural } from "../oci/size";
import { baseName, comparePaths, displayName, type EscapedName, type LayerEntry } from "./entries";
import { createdByOf, type HistoryStep, pairHistory } from "./history";
import type { MergeResult } from "./merge";

export type FindingSeverity = "info" | "warning" | "critical";

export type Finding = {
  id: string;
  severity: FindingSeverity;
  title: string;
  detail: string;
  bytes: number | null;
  /** At most MAX_PATHS, largest first where sizes apply. */
  paths: string[];
  /** Indices of the manifest layers involved, ascending. */
  layers: number[];
  fix: string;
};

export type FindingsInput = {
  config: Pick<ImageConfigInfo, "user" | "env" | "history">;
  merge: MergeResult;
};

export const MAX_PATHS = 20;
/** More layers than this is flagged: each costs a mount, and overlayfs stops at 128. */
export const MANY_LAYERS = 50;
const MiB = 1024 * 1024;

export function findings({ config, merge }: FindingsInput): Finding[] {
  return sortFindings([...mergeFindings(merge), ...configFindings(config, merge.layers.length)]);
}

/** The findings that depend only on the layers' files: computed once with the merge and stored. */
export function mergeFindings(merge: MergeResult): Finding[] {
  return [...cacheFindings(merge), ...wastedFindings(merge), ...secretFileFindings(merge), ...manyLayersFindings(merge.layers.length)];
}

/** The findings that come from the image config and its history (`layerCount` pairs history with layers). */
export function configFindings(config: FindingsInput["config"], layerCount: number): Finding[] {
  const pairing = pairHistory(config.history, layerCount);
  return [...secretEnvFindings(config, pairing.steps), ...rootUserFindings(config.user), ...remoteAddFindings(pairing.steps)];
}

/** One layer's entries that named a place outside the image root (see LayerIndexSummary.escapedPaths). */
export type LayerEscapes = { layer: number; count: number; names: readonly EscapedName[] | null };

/** The finding whose paths are archive names as stored (shown verbatim, not as image paths). */
export const PATH_ESCAPES_ROOT = "path-escapes-root";

/**
 * Tar-slip: entries named "../../x", "/x" or "a/../../x" (or hard links pointing there). Layerscope indexes
 * them under the root, but a naive extractor writes them outside its target directory. Each is listed as
 * the archive names it, with its layer.
 */
export function escapeFindings(layers: readonly LayerEscapes[]): Finding[] {
  const involved = layers.filter((l) => l.count > 0);
  if (involved.length === 0) return [];
  const total = involved.reduce((sum, l) => sum + l.count, 0);
  const paths: string[] = [];
  for (const l of involved) {
    for (const n of l.names ?? []) {
      if (paths.length >= MAX_PATHS) break;
      const link = n.linkName !== undefined ? ` → ${displayName(n.linkName)}` : "";
      paths.push(`${displayName(n.name)}${link} (layer ${l.layer + 1}, indexed as /${displayName(n.path)})`);
    }
  }
  const unnamed = involved.filter((l) => l.names === null).map((l) => l.layer + 1);
  return [
    {
      id: PATH_ESCAPES_ROOT,
      severity: "critical",
      title: "Path escapes the image root",
      detail: `${plural(total, "entry", "entries")} in ${plural(involved.length, "layer")} name a place outside the image root (absolute, or climbing out with ".."). Container runtimes keep them inside, but a naive \`tar -x\` of the layer writes them outside its target directory (tar-slip). They are shown here as stored and indexed under the root.${unnamed.length > 0 ? ` Layer ${unnamed.join(", ")} was indexed before names were kept: re-index it to list them.` : ""}`,
      bytes: null,
      paths,
      layers: involved.map((l) => l.layer),
      fix: 'Rebuild the layer from a clean directory: no absolute names, no ".." segments, no hard links outside it.',
    },
  ];
}

/** Most severe first, then most bytes, then by id. */
export function sortFindings(out: Finding[]): Finding[] {
  const rank: Record<FindingSeverity, number> = { critical: 0, warning: 1, info: 2 };
  return out.sort((a, b) => rank[a.severity] - rank[b.severity] || (b.bytes ?? 0) - (a.bytes ?? 0) || a.id.localeCompare(b.id));
}

type Version = { entry: LayerEntry; layer: number };

/** Every file version some layer wrote, including those a later layer hid: they are all in the blobs. */
function* writtenFiles(merge: MergeResult): Generator<Version> {
  for (const changes of merge.changes) {
    for (const change of changes) {
      if (change.change !== "removed" && change.entry.type === "file") yield { entry: change.entry, layer: change.layer };
    }
  }
  // identical copies are no change, but their bytes are in their layer's blob all the same
  for (const version of merge.rewritten) if (version.entry.type === "file") yield version;
}

type Group = { bytes: number; paths: Map<string, number>; layers: Set<number> };

function newGroup(): Group {
  return { bytes: 0, paths: new Map(), layers: new Set() };
}

function addToGroup(group: Group, path: string, bytes: number, layer: number): void {
  group.bytes += bytes;
  group.paths.set(path, (group.paths.get(path) ?? 0) + bytes);
  group.layers.add(layer);
}

function topPaths(paths: Map<string, number>): string[] {
  return [...paths]
    .sort(([a, x], [b, y]) => y - x || comparePaths(a, b))
    .slice(0, MAX_PATHS)
    .map(([path]) => path);
}

function sortedLayers(layers: Iterable<number>): number[] {
  return [...layers].sort((a, b) => a - b);
}

// "root/.npm" or "home/<user>/.npm": package managers write caches into the building user's home.
const HOME = "(?:root|home/[^/]+)";

const CACHES: { id: string; pattern: RegExp; what: string; fix: string }[] = [
  {
    id: "cache-apt-lists",
    pattern: /^var\/lib\/apt\/lists\//,
    what: "APT package lists",
    fix: "Remove them in the RUN that installs packages: `apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`.",
  },
  {
    id: "cache-apt-archives",
    pattern: /^var\/cache\/apt\//,
    what: "APT package cache",
    fix: "Run `apt-get clean` in the same RUN as `apt-get install`, or mount it: `RUN --mount=type=cache,target=/var/cache/apt …`.",
  },
  {
    id: "cache-apk",
    pattern: /^var\/cache\/apk\//,
    what: "apk package cache",
    fix: "Install with `apk add --no-cache …`.",
  },
  {
    id: "cache-dnf-yum",
    pattern: /^var\/cache\/(?:dnf|yum)\//,
    what: "dnf/yum package cache",
    fix: "Run `dnf clean all` (or `yum clean all`) in the same RUN as the install.",
  },
  {
    id: "cache-npm",
    pattern: new RegExp(`^${HOME}/\\.npm/`),
    what: "npm cache",
    fix: "Run `npm cache clean --force` in the same RUN as `npm ci`, or `RUN --mount=type=cache,target=/root/.npm npm ci`.",
  },
  {
    id: "cache-pip",
    pattern: new RegExp(`^${HOME}/\\.cache/pip/`),
    what: "pip cache",
    fix: "Install with `pip install --no-cache-dir …` (or set PIP_NO_CACHE_DIR=1).",
  },
  {
    id: "cache-yarn",
    pattern: new RegExp(`^(?:usr/local/share/\\.cache/yarn|${HOME}/\\.cache/yarn)/`),
    what: "Yarn cache",
    fix: "Run `yarn cache clean` in the same RUN as `yarn install`, or mount the cache with `RUN --mount=type=cache`.",
  },
];

function cacheFindings(merge: MergeResult): Finding[] {
  const groups = new Map<string, Group>();
  for (const { entry, layer } of writtenFiles(merge)) {
    if (entry.size === 0) continue;
    const cache = CACHES.find((c) => c.pattern.test(entry.path));
    if (!cache) continue;
    let group = groups.get(cache.id);
    if (!group) {
      group = newGroup();
      groups.set(cache.id, group);
    }
    addToGroup(group, entry.path, entry.size, layer);
  }
  return CACHES.flatMap((cache): Finding[] => {
    const group = groups.get(cache.id);
    if (!group) return [];
    const layers = sortedLayers(group.layers);
    return [
      {
        id: cache.id,
        severity: group.bytes >= MiB ? "warning" : "info",
        title: `${cache.what} left in ${layers.length === 1 ? "a layer" : `${layers.length} layers`}`,
        detail: `${plural(group.paths.size, "file")} (${formatBytes(group.bytes)}) of ${cache.what} ${group.paths.size === 1 ? "was" : "were"} written into the image. A cache only speeds up the next build; shipped, it is pure weight — and deleting it in a later layer does not shrink the earlier one.`,
        bytes: group.bytes,
        paths: topPaths(group.paths),
        layers,
        fix: cache.fix,
      },
    ];
  });
}

function wastedFindings(merge: MergeResult): Finding[] {
  const removed = newGroup();
  const overwritten = newGroup();
  for (const wasted of merge.wasted) {
    for (const version of wasted.versions) {
      addToGroup(version.how === "removed" ? removed : overwritten, wasted.path, version.bytes, version.layer);
    }
  }
  const out: Finding[] = [];
  if (removed.bytes > 0) {
    out.push({
      id: "removed-in-later-layer",
      severity: removed.bytes >= 10 * MiB ? "warning" : "info",
      title: "Files added, then deleted by a later layer",
      detail: `${plural(removed.paths.size, "file")} (${formatBytes(removed.bytes)}) ${removed.paths.size === 1 ? "is" : "are"} deleted by a later layer, so no container sees them, but every pull still downloads them: a deletion only hides what lower layers hold.`,
      bytes: removed.bytes,
      paths: topPaths(removed.paths),
      layers: sortedLayers(removed.layers),
      fix: "Delete temporary files in the same RUN that creates them, or build them in a separate stage and COPY --from only the result.",
    });
  }
  if (overwritten.bytes > 0) {
    out.push({
      id: "overwritten-in-later-layer",
      severity: overwritten.bytes >= 10 * MiB ? "warning" : "info",
      title: "Files overwritten by a later layer",
      detail: `${plural(overwritten.paths.size, "file")} (${formatBytes(overwritten.bytes)}) ${overwritten.paths.size === 1 ? "is" : "are"} replaced by a later layer; the replaced versions still travel with the image.`,
      bytes: overwritten.bytes,
      paths: topPaths(overwritten.paths),
      layers: sortedLayers(overwritten.layers),
      fix: "Produce each file once in its final form (e.g. chmod/chown in the COPY with --chmod/--chown instead of a later RUN), or use a multi-stage build.",
    });
  }
  return out;
}

// Names that are private keys or credential stores whatever directory they are in.
const SECRET_NAMES = new Set(["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".netrc", ".pypirc", ".npmrc", ".git-credentials", ".env"]);
const SECRET_SUFFIXES = [".aws/credentials", ".docker/config.json"];
const KEY_EXTENSIONS = /\.(?:pem|key|p12|pfx)$/i;
// Certificates are public; only .pem files not named like one are suspicious.
const CERT_NAME = /(?:^|[-_.])(?:ca|cacert|cert|certs|certificate|chain|fullchain|bundle|pub|public)(?:[-_.]|$)/i;
// Where key-like files are public certificates or third-party test fixtures rather than the image's secrets.
const PUBLIC_PLACES = [
  /^etc\/ssl\/certs\//,
  /^etc\/ca-certificates\//,
  /^etc\/pki\//,
  /^usr\/share\//,
  /^usr\/local\/share\/ca-certificates\//,
  /(?:^|\/)(?:node_modules|site-packages|dist-packages|vendor|testdata|tests?|fixtures)\//,
];

function looksLikeSecretFile(path: string): boolean {
  if (PUBLIC_PLACES.some((re) => re.test(path))) return false;
  const name = baseName(path);
  if (SECRET_NAMES.has(name)) return true;
  if (SECRET_SUFFIXES.some((suffix) => path === suffix || path.endsWith(`/${suffix}`))) return true;
  if (!KEY_EXTENSIONS.test(name)) return false;
  return !(name.toLowerCase().endsWith(".pem") && CERT_NAME.test(name.slice(0, -4)));
}

function secretFileFindings(merge: MergeResult): Finding[] {
  const group = newGroup();
  let hidden = 0;
  for (const { entry, layer } of writtenFiles(merge)) {
    if (!looksLikeSecretFile(entry.path)) continue;
    addToGroup(group, entry.path, entry.size, layer);
    if (merge.final.get(entry.path)?.entry !== entry) hidden++;
  }
  if (group.paths.size === 0) return [];
  const stillThere =
    hidden > 0
      ? ` ${hidden} of them are deleted or replaced by a later layer, which does not help: the layer that added them still contains them.`
      : "";
  return [
    {
      id: "secret-files",
      severity: "critical",
      title: "Files that look like keys or credentials",
      detail: `${plural(group.paths.size, "file")} ${group.paths.size === 1 ? "is" : "are"} named like private keys or credential files; their contents were not inspected.${stillThere} Anyone who can pull the image can read them.`,
      bytes: null,
      paths: topPaths(group.paths),
      layers: sortedLayers(group.layers),
      fix: "Never COPY secrets into an image: use `RUN --mount=type=secret` (BuildKit) for build-time credentials and inject run-time ones at deploy time; rotate any credential that was shipped.",
    },
  ];
}

const SECRET_VARIABLE = /^AWS_SECRET|(?:^|_)SECRET|(?:^|_)(?:TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY)$/i;
// The *_FILE convention (POSTGRES_PASSWORD_FILE=/run/secrets/…) names where a secret is, not the secret.
const SECRET_REFERENCE = /_(?:FILE|PATH|DIR)$/i;

/** True for "NAME=value" pairs whose name looks like it holds a secret and whose value is not empty. */
function secretVariableName(assignment: string): string | null {
  const eq = assignment.indexOf("=");
  if (eq <= 0 || eq === assignment.length - 1) return null;
  const name = assignment.slice(0, eq);
  return SECRET_VARIABLE.test(name) && !SECRET_REFERENCE.test(name) ? name : null;
}

function secretEnvFindings(config: FindingsInput["config"], steps: readonly HistoryStep[]): Finding[] {
  const envNames = config.env.map(secretVariableName).filter((n): n is string => n !== null);
  // Build arguments of RUN steps are recorded with their values ("|2 NPM_TOKEN=… X=… /bin/sh -c …").
  const argNames = new Set<string>();
  const argLayers = new Set<number>();
  for (const step of steps) {
    const createdBy = (createdByOf(step.history) ?? "").replace(/^RUN\s+/, "");
    const args = /^\|(\d+)\s+/.exec(createdBy);
    if (!args) continue;
    const tokens = createdBy.slice(args[0].length).split(/\s+/).slice(0, Number(args[1]));
    for (const token of tokens) {
      const name = secretVariableName(token);
      if (!name) continue;
      argNames.add(name);
      if (step.layerIndex !== null) argLayers.add(step.layerIndex);
    }
  }
  const out: Finding[] = [];
  if (envNames.length > 0) {
    out.push({
      id: "secret-env",
      severity: "critical",
      title: "Environment variables that look like secrets",
      detail: `${[...new Set(envNames)].join(", ")} ${envNames.length === 1 ? "is" : "are"} set in the image config, where anyone who can pull the image can read ${envNames.length === 1 ? "it" : "them"} (values not shown).`,
      bytes: null,
      paths: [],
      layers: [],
      fix: "Pass secrets at run time (orchestrator secrets, mounted files with the *_FILE convention) instead of ENV in the Dockerfile; rotate any value that was shipped.",
    });
  }
  if (argNames.size > 0) {
    out.push({
      id: "secret-build-args",
      severity: "critical",
      title: "Build arguments that look like secrets",
      detail: `${[...argNames].join(", ")} ${argNames.size === 1 ? "was" : "were"} passed as build arguments, and the image history records build arguments with their values (values not shown).`,
      bytes: null,
      paths: [],
      layers: sortedLayers(argLayers),
      fix: "Use `RUN --mount=type=secret,id=…` for build-time credentials instead of ARG; rotate any value that was recorded.",
    });
  }
  return out;
}

function rootUserFindings(user: string | null): Finding[] {
  const name = (user ?? "").trim().split(":")[0] ?? "";
  if (name !== "" && name !== "root" && name !== "0") return [];
  return [
    {
      id: "runs-as-root",
      severity: "warning",
      title: "Runs as root",
      detail:
        name === "" ? "The image sets no USER, so its processes run as root (uid 0)." : `The image sets USER ${name}, i.e. root (uid 0).`,
      bytes: null,
      paths: [],
      layers: [],
      fix: "Create an unprivileged user and switch to it: `RUN useradd --system --uid 10001 app` then `USER 10001`.",
    },
  ];
}

function manyLayersFindings(count: number): Finding[] {
  if (count <= MANY_LAYERS) return [];
  return [
    {
      id: "many-layers",
      severity: "warning",
      title: `${count} layers`,
      detail: `The image has ${count} layers (more than ${MANY_LAYERS}). Each is a separate download and overlay mount, and overlayfs refuses more than 128.`,
      bytes: null,
      paths: [],
      layers: [],
      fix: "Chain related RUN commands with && and use a multi-stage build so the final stage copies only what it needs.",
    },
  ];
}

function remoteAddFindings(steps: readonly HistoryStep[]): Finding[] {
  const urls: string[] = [];
  const layers = new Set<number>();
  for (const step of steps) {
    if (!/^ADD\s/.test(step.instruction)) continue;
    const found = step.instruction.match(/https?:\/\/\S+/g);
    if (!found) continue;
    urls.push(...found.map(displayUrl));
    if (step.layerIndex !== null) layers.add(step.layerIndex);
  }
  if (urls.length === 0) return [];
  return [
    {
      id: "add-remote-url",
      severity: "warning",
      title: "ADD downloads from a URL",
      detail: `ADD fetches ${[...new Set(urls)].slice(0, MAX_PATHS).join(", ")} at build time without verifying what it got, and the download cannot be cleaned up in the same layer.`,
      bytes: null,
      paths: [],
      layers: sortedLayers(layers),
      fix: "Pin the content with `ADD --checksum=sha256:… <url> <dest>`, or download in a RUN that verifies a checksum and removes what it no longer needs.",
    },
  ];
}

/** Host and path only: credentials or signed query strings in a URL must not end up in a finding. */
function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return raw.replace(/\/\/[^/@]*@/, "//").replace(/[?#].*$/, "");
  }
}
