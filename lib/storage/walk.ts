import "server-only";
// The walk under a storage root shared by scan.ts and locate.ts: directories listed once, regular files
// lstat'ed once, symlinks reported and never followed, synchronous fs calls in short slices between yields.

import type { Dirent, Stats } from "node:fs";
import { lstatSync, readdirSync } from "node:fs";
import { lstat, stat } from "node:fs/promises";
import path from "node:path";
import { AppError } from "@/lib/errors";

export type ScanPhase = "blobs" | "repositories" | "manifests" | "other" | "done";

export interface ScanProgress {
  phase: ScanPhase;
  directories: number;
  files: number;
  /** Bytes of the regular files seen so far. */
  bytes: number;
  blobs: number;
  repositories: number;
}

export type SkipReason = "symlink" | "invalid-repository-name" | "unreadable" | "special-file";

export interface SkippedEntry {
  path: string;
  reason: SkipReason;
}

export const MAX_SKIPPED = 1000;
export const DEFAULT_SLICE_MS = 15;
export const DEFAULT_PROGRESS_INTERVAL_MS = 250;

export function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

export class WalkContext {
  directories = 0;
  files = 0;
  bytes = 0;
  skipped: SkippedEntry[] = [];
  skippedCount = 0;
  phase: ScanPhase = "blobs";
  blobs = 0;
  repositories = 0;
  private lastProgress = 0;
  private readonly skippedPaths = new Set<string>();

  constructor(
    readonly signal: AbortSignal | undefined,
    private readonly onProgress: ((progress: ScanProgress) => void) | undefined,
    private readonly progressIntervalMs: number,
    readonly sliceMs: number,
  ) {}

  skip(p: string, reason: SkipReason): void {
    // The same symlinked ancestor can be met by more than one phase.
    if (this.skippedPaths.has(p)) return;
    if (this.skippedPaths.size < MAX_SKIPPED) this.skippedPaths.add(p);
    this.skippedCount++;
    if (this.skipped.length < MAX_SKIPPED) this.skipped.push({ path: p, reason });
  }

  progress(force = false): void {
    if (!this.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastProgress < this.progressIntervalMs) return;
    this.lastProgress = now;
    this.onProgress({
      phase: this.phase,
      directories: this.directories,
      files: this.files,
      bytes: this.bytes,
      blobs: this.blobs,
      repositories: this.repositories,
    });
  }
}

export interface WalkHandlers {
  /** Return false to leave the directory out (neither listed nor counted). */
  directory?(segments: readonly string[], abs: string): boolean;
  file?(segments: readonly string[], abs: string, size: number): void;
}

interface PendingDir {
  abs: string;
  segments: string[];
}

/** setImmediate, so timers and I/O callbacks run between two slices of a walk. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lists `base` and everything below it without recursion (a stack of pending directories). Synchronous fs
 * calls in slices of at most ctx.sliceMs, then a yield to the event loop: on local disks readdirSync/lstatSync
 * are ~4x faster than their promise versions (one thread-pool round trip per call), and the server stays
 * responsive between slices. On a slow network filesystem a single call can outlast a slice; the walk still
 * yields after it. Segments given to the handlers are relative to `base`.
 */
export async function walkTree(ctx: WalkContext, base: string, handlers: WalkHandlers): Promise<void> {
  const pending: PendingDir[] = [{ abs: base, segments: [] }];
  let sliceStarted = performance.now();
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (performance.now() - sliceStarted >= ctx.sliceMs) {
      ctx.progress();
      await yieldToEventLoop();
      sliceStarted = performance.now();
    }
    ctx.signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = readdirSync(dir.abs, { withFileTypes: true });
    } catch (e) {
      // A directory removed while we walk (a running registry, GC) is simply gone.
      if (errorCode(e) !== "ENOENT") ctx.skip(dir.abs, "unreadable");
      continue;
    }
    ctx.directories++;
    for (const entry of entries) {
      const abs = path.join(dir.abs, entry.name);
      const segments = [...dir.segments, entry.name];
      if (entry.isSymbolicLink()) {
        ctx.skip(abs, "symlink");
      } else if (entry.isDirectory()) {
        if (handlers.directory?.(segments, abs) ?? true) pending.push({ abs, segments });
      } else if (entry.isFile()) {
        let st: Stats | undefined;
        try {
          st = lstatSync(abs, { throwIfNoEntry: false });
        } catch {
          ctx.skip(abs, "unreadable");
          continue;
        }
        if (st === undefined || !st.isFile()) continue;
        ctx.files++;
        ctx.bytes += st.size;
        handlers.file?.(segments, abs, st.size);
      } else {
        ctx.skip(abs, "special-file");
      }
    }
  }
  ctx.progress();
}

/** Absolute path of the storage root; not_found when it does not exist, bad_request when it is not a directory. */
export async function resolveRoot(root: string): Promise<string> {
  const abs = path.resolve(root);
  let isDirectory: boolean;
  try {
    // The root itself may be a symlink (a mounted volume); only what lies below it is never followed.
    isDirectory = (await stat(abs)).isDirectory();
  } catch (e) {
    if (errorCode(e) === "ENOENT") throw new AppError("not_found", `storage root ${abs} does not exist`);
    throw e;
  }
  if (!isDirectory) throw new AppError("bad_request", `storage root ${abs} is not a directory`);
  return abs;
}

/**
 * True when every component of `relative` below `root` is a real directory. A missing one is false; a symlink
 * is reported through `ctx` and false.
 */
export async function isRealDirectoryChain(root: string, relative: string, ctx: WalkContext | null): Promise<boolean> {
  let current = root;
  for (const part of relative.split("/")) {
    current = path.join(current, part);
    try {
      const st = await lstat(current);
      if (st.isSymbolicLink()) {
        ctx?.skip(current, "symlink");
        return false;
      }
      if (!st.isDirectory()) return false;
    } catch (e) {
      if (errorCode(e) === "ENOENT" || errorCode(e) === "ENOTDIR") return false;
      throw e;
    }
  }
  return true;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
