// Incremental parser of `registry garbage-collect` output (Distribution 2.x and v3). Pure: no I/O.
//
// stdout (fmt.Printf, one line per event):
//   team/app                                                       ← a repository is being marked
//   team/app: marking manifest sha256:… ⎵                          ← note the trailing space
//   team/app: marking blob sha256:…
//   manifest eligible for deletion: sha256:…                       ← only with --delete-untagged (v3: `{name sha256:… [tags]}`)
//   <blank>
//   8 blobs marked, 3 blobs and 0 manifests eligible for deletion  ← summary (before 2.7: "…, 3 blobs eligible for deletion")
//   blob eligible for deletion: sha256:…
//   team/app: layer link eligible for deletion: sha256:…           ← v3 only
// stderr (logrus; text or JSON formatter), only when not --dry-run:
//   time="…" level=info msg="Deleting blob: /docker/registry/v2/blobs/sha256/12/12a8…" go.version=… instance.id=…
//   time="…" level=info msg="deleting manifest: /docker/registry/v2/repositories/<name>/_manifests/revisions/sha256/<hex>" …
// A failure ends the run with exit code 1 and one stderr message without a trailing newline:
//   failed to garbage collect: failed to mark: filesystem: Path not found: /docker/registry/v2/repositories
//
// Lines are recognised by content, not by stream, so combined output (a TTY, a webhook's single `output`) parses too.

import { isValidRepositoryName } from "../oci/reference";

export type GcStream = "stdout" | "stderr";

export interface GcProgress {
  /** Repository lines seen (each repository is printed once when its marking starts). */
  repositoriesMarked: number;
  /** `marking manifest` lines (a manifest present in two repositories counts twice). */
  manifestsMarked: number;
  /**
   * Before the summary: `marking blob` lines. After it: the registry's own count, which is the size of its mark
   * set and so includes the marked manifests themselves.
   */
  blobsMarked: number;
  /** From the summary line; until then the `blob eligible for deletion` lines seen (there are none before it). */
  blobsEligible: number;
  /** From the summary line; until then the `manifest eligible for deletion` lines seen. */
  manifestsEligible: number;
  /** `Deleting blob:` log lines (a real run only). */
  blobsDeleted: number;
  /** `deleting manifest:` log lines (a real run with --delete-untagged only). */
  manifestsDeleted: number;
  eligibleBlobs: string[];
  eligibleManifests: string[];
  /** Digests of the blobs a real run logged as deleted. */
  deletedBlobs: string[];
  summarySeen: boolean;
  /** The registry's own error (`failed to garbage collect: …`, `configuration error: …`), null when none was seen. */
  failure: string | null;
}

export function emptyGcProgress(): GcProgress {
  return {
    repositoriesMarked: 0,
    manifestsMarked: 0,
    blobsMarked: 0,
    blobsEligible: 0,
    manifestsEligible: 0,
    blobsDeleted: 0,
    manifestsDeleted: 0,
    eligibleBlobs: [],
    eligibleManifests: [],
    deletedBlobs: [],
    summarySeen: false,
    failure: null,
  };
}

const DIGEST = "(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})";
const MARK_MANIFEST_RE = new RegExp(`^(\\S+): marking manifest ${DIGEST}\\s*$`);
const MARK_BLOB_RE = new RegExp(`^(\\S+): marking blob ${DIGEST}\\s*$`);
const SUMMARY_RE = /^(\d+) blobs marked, (\d+) blobs(?: and (\d+) manifests)? eligible for deletion\s*$/;
const BLOB_ELIGIBLE_RE = new RegExp(`^blob eligible for deletion: ${DIGEST}\\s*$`);
// 2.8 prints the digest; v3 prints the whole ManifestDel struct: `{name sha256:… [tag …]}`.
const MANIFEST_ELIGIBLE_RE = new RegExp(`^manifest eligible for deletion: (?:\\{\\S+ )?${DIGEST}`);
// The path sits inside msg="…" (text formatter) or "msg":"…" (JSON); the digest is rebuilt from its last two parts.
const DELETING_BLOB_RE = /Deleting blob: \S*?\/blobs\/(sha256|sha512)\/[a-f0-9]{2}\/([a-f0-9]{64}|[a-f0-9]{128})(?![a-f0-9])/;
const DELETING_MANIFEST_RE = /deleting manifest: \S*?\/_manifests\/revisions\/(sha256|sha512)\/([a-f0-9]{64}|[a-f0-9]{128})(?![a-f0-9])/;
const FAILURE_RE = /^(?:failed to garbage collect: |configuration error: ).*/;

/**
 * Applies one line to `progress` in place. Internal building block of GcOutputParser; prefer the parser (or
 * parseGcLine when an immutable value is handier) in callers.
 */
export function applyGcLine(progress: GcProgress, rawLine: string, _stream: GcStream): void {
  const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
  if (line.trim() === "") return;

  let m = MARK_BLOB_RE.exec(line);
  if (m) {
    if (!progress.summarySeen) progress.blobsMarked++;
    return;
  }
  m = MARK_MANIFEST_RE.exec(line);
  if (m) {
    progress.manifestsMarked++;
    return;
  }
  m = BLOB_ELIGIBLE_RE.exec(line);
  if (m?.[1]) {
    progress.eligibleBlobs.push(m[1]);
    if (!progress.summarySeen) progress.blobsEligible = progress.eligibleBlobs.length;
    return;
  }
  m = MANIFEST_ELIGIBLE_RE.exec(line);
  if (m?.[1]) {
    progress.eligibleManifests.push(m[1]);
    if (!progress.summarySeen) progress.manifestsEligible = progress.eligibleManifests.length;
    return;
  }
  m = SUMMARY_RE.exec(line);
  if (m) {
    progress.summarySeen = true;
    progress.blobsMarked = Number(m[1]);
    progress.blobsEligible = Number(m[2]);
    if (m[3] !== undefined) progress.manifestsEligible = Number(m[3]);
    return;
  }
  m = DELETING_BLOB_RE.exec(line);
  if (m) {
    progress.blobsDeleted++;
    progress.deletedBlobs.push(`${m[1]}:${m[2]}`);
    return;
  }
  if (DELETING_MANIFEST_RE.test(line)) {
    progress.manifestsDeleted++;
    return;
  }
  m = FAILURE_RE.exec(line);
  if (m) {
    progress.failure = m[0].trim();
    return;
  }
  // The repository line is printed bare; logrus lines and other messages contain spaces or `=`.
  if (!progress.summarySeen && isValidRepositoryName(line)) progress.repositoriesMarked++;
}

function cloneProgress(p: GcProgress): GcProgress {
  return {
    ...p,
    eligibleBlobs: [...p.eligibleBlobs],
    eligibleManifests: [...p.eligibleManifests],
    deletedBlobs: [...p.deletedBlobs],
  };
}

/** Immutable form: returns a new progress value (copies the digest lists, so O(size) per call). */
export function parseGcLine(state: GcProgress, line: string, stream: GcStream): GcProgress {
  const next = cloneProgress(state);
  applyGcLine(next, line, stream);
  return next;
}

/** Splits a byte/char stream into lines; the last unterminated line comes out of `end()`. */
export class LineSplitter {
  private buffered = "";
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    this.buffered += text;
    let start = 0;
    for (;;) {
      const nl = this.buffered.indexOf("\n", start);
      if (nl === -1) break;
      const line = this.buffered.slice(start, nl);
      this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      start = nl + 1;
    }
    this.buffered = this.buffered.slice(start);
  }

  /** Flushes the remainder (the registry's final error message has no trailing newline). */
  end(): void {
    this.buffered += this.decoder.decode();
    if (this.buffered !== "") this.onLine(this.buffered);
    this.buffered = "";
  }
}

/** Feeds lines (or raw chunks per stream) into a GcProgress. */
export class GcOutputParser {
  private readonly state = emptyGcProgress();
  private readonly splitters: Record<GcStream, LineSplitter> = {
    stdout: new LineSplitter((line) => this.push(line, "stdout")),
    stderr: new LineSplitter((line) => this.push(line, "stderr")),
  };

  push(line: string, stream: GcStream): void {
    applyGcLine(this.state, line, stream);
  }

  /** Raw output that may split lines anywhere; call end() when the stream closes. */
  pushChunk(chunk: Uint8Array | string, stream: GcStream): void {
    this.splitters[stream].push(chunk);
  }

  end(): void {
    this.splitters.stdout.end();
    this.splitters.stderr.end();
  }

  /** A copy, safe to keep or send while parsing continues. */
  snapshot(): GcProgress {
    return cloneProgress(this.state);
  }
}
