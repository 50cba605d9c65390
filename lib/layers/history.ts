// Image-config history → per-layer build steps and an approximate Dockerfile.
// History records every build step, but only steps with empty_layer !== true produced a layer, and the spec
// ties them to the manifest's layers purely by order; nothing guarantees the counts agree (squashed images,
// hand-made configs), so a disagreement is reported, not thrown.

/**
 * A history entry either as lib/oci/config parses it (camelCase) or straight from the config JSON (snake_case),
 * so callers holding the raw document need not convert it.
 */
export type HistoryInput = {
  createdBy?: string | null;
  emptyLayer?: boolean | null;
  created_by?: string | null;
  empty_layer?: boolean | null;
};

export function createdByOf(entry: HistoryInput): string | null {
  return entry.createdBy ?? entry.created_by ?? null;
}

function producedLayer(entry: HistoryInput): boolean {
  return (entry.emptyLayer ?? entry.empty_layer) !== true;
}

export type HistoryStep<H extends HistoryInput = HistoryInput> = {
  historyIndex: number;
  history: H;
  instruction: string;
  /** The manifest layer this step produced; null for steps without a layer or that could not be paired. */
  layerIndex: number | null;
};

export type HistoryPairing<H extends HistoryInput = HistoryInput> = {
  steps: HistoryStep<H>[];
  /** For each manifest layer, the history entry that produced it, or null. */
  layers: (H | null)[];
  /** For each manifest layer, the index of that entry in the history, or null. */
  layerSteps: (number | null)[];
  /** Set when the layer-producing history steps and the manifest's layers differ in number. */
  mismatch: { historyLayers: number; manifestLayers: number } | null;
};

/**
 * Pairs the history steps with empty_layer !== true, in order, with the manifest's layers; when the counts differ
 * the first ones are paired and the surplus on either side stays unpaired (reported in `mismatch`).
 */
export function pairHistory<H extends HistoryInput>(history: readonly H[], layerCount: number): HistoryPairing<H> {
  const layers: (H | null)[] = Array.from({ length: layerCount }, () => null);
  const layerSteps: (number | null)[] = Array.from({ length: layerCount }, () => null);
  let nextLayer = 0;
  let historyLayers = 0;
  const steps = history.map((entry, historyIndex): HistoryStep<H> => {
    let layerIndex: number | null = null;
    if (producedLayer(entry)) {
      historyLayers++;
      if (nextLayer < layerCount) {
        layerIndex = nextLayer++;
        layers[layerIndex] = entry;
        layerSteps[layerIndex] = historyIndex;
      }
    }
    return { historyIndex, history: entry, instruction: instructionFromCreatedBy(createdByOf(entry)), layerIndex };
  });
  const mismatch = historyLayers === layerCount ? null : { historyLayers, manifestLayers: layerCount };
  return { steps, layers, layerSteps, mismatch };
}

const KEYWORDS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

// The classic builder's marker for steps that ran no command: "/bin/sh -c #(nop)  CMD [\"sh\"]".
const NOP_RE = /^\/bin\/sh -c #\(nop\)\s*/;
// Build arguments both builders prepend to RUN steps: "|2 A=1 B=2 /bin/sh -c …" (values hold no spaces there).
const BUILD_ARGS_RE = /^\|(\d+)\s+/;
// "/bin/sh -c …", or a SHELL-changed one such as "/bin/bash -o pipefail -c …".
const SHELL_RE = /^(?:\/usr)?\/bin\/(?:ba|da|a|z)?sh(?:\s+-(?!c\s)[a-zA-Z]+(?:\s+[a-z]+)?)*\s+-c\s+/;

/**
 * The Dockerfile instruction behind a history `created_by`:
 * - `/bin/sh -c #(nop)  CMD ["sh"]` → `CMD ["sh"]` (classic builder, no command run);
 * - `/bin/sh -c apt-get update` → `RUN apt-get update` (classic builder RUN);
 * - `RUN /bin/sh -c apt-get update # buildkit` → `RUN apt-get update`; build-arg prefixes `|N k=v …` are dropped;
 * - `COPY file:abc in /x`, `ENV A=b`, … stay as they are.
 */
export function instructionFromCreatedBy(createdBy: string | null | undefined): string {
  let text = (createdBy ?? "").trim().replace(/\s*# buildkit$/, "");
  if (text === "") return "";
  const nop = NOP_RE.exec(text);
  if (nop) return text.slice(nop[0].length).trim();

  let run = false;
  if (/^RUN\s/.test(text)) {
    run = true;
    text = text.slice(3).trimStart();
  }
  const args = BUILD_ARGS_RE.exec(text);
  if (args) {
    text = text.slice(args[0].length);
    for (let i = 0; i < Number(args[1]); i++) text = text.replace(/^\S*\s*/, "");
  }
  const shell = SHELL_RE.exec(text);
  if (shell) return `RUN ${text.slice(shell[0].length).trim()}`;
  if (run) return `RUN ${text}`;
  const keyword = /^[A-Z]+/.exec(text)?.[0];
  if (keyword && KEYWORDS.has(keyword) && (text.length === keyword.length || /\s/.test(text.charAt(keyword.length)))) return text;
  // Anything else was a command the builder ran (e.g. exec-form RUN recorded without a shell).
  return `RUN ${text}`;
}

/** An approximate Dockerfile, one instruction per history step (steps without created_by are left out). */
export function reconstructDockerfile(history: readonly HistoryInput[]): string {
  const lines = history.map((h) => instructionFromCreatedBy(createdByOf(h))).filter((line) => line !== "");
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** One history entry as the Dockerfile view shows it, or a layer no entry claims (`historyIndex` null). */
export type HistoryLine = {
  historyIndex: number | null;
  /** The instruction, "" when the entry records no created_by. */
  instruction: string;
  /** The entry made no layer (ENV, LABEL, CMD…): empty_layer is true. */
  emptyLayer: boolean;
  /** The manifest layer this entry made, when it made one that could be paired. */
  layerIndex: number | null;
};

/**
 * Every history entry in order, the ones that made no layer marked, each layer next to the entry that made it;
 * layers left over when the history records fewer layers than the manifest follow at the end.
 */
export function historyLines(history: readonly HistoryInput[], layerCount: number): HistoryLine[] {
  const pairing = pairHistory(history, layerCount);
  const lines: HistoryLine[] = pairing.steps.map((step) => ({
    historyIndex: step.historyIndex,
    instruction: step.instruction,
    emptyLayer: !producedLayer(step.history),
    layerIndex: step.layerIndex,
  }));
  for (let i = 0; i < layerCount; i++) {
    if (pairing.layerSteps[i] === null) lines.push({ historyIndex: null, instruction: "", emptyLayer: false, layerIndex: i });
  }
  return lines;
}

/** The lines as a Dockerfile: one per history entry; entries and layers without a step become comments. */
export function dockerfileFromLines(lines: readonly HistoryLine[]): string {
  if (lines.length === 0) return "";
  const text = lines.map((l) => {
    if (l.instruction !== "") return l.instruction;
    if (l.historyIndex === null) return `# layer ${(l.layerIndex ?? 0) + 1}: no history entry`;
    return `# step ${l.historyIndex + 1}: no created_by recorded`;
  });
  return `${text.join("\n")}\n`;
}
