// Sign-in throttling per (account, source), shared by every instance through the database. There is
// no per-account lock: whoever keeps failing from one source is slowed down, by growing delays, for
// that account only, and someone signing in from another source is not affected. A source that fails
// against many accounts (password spraying) is refused for a while whatever the account.
//
// Each attempt is written before its password is checked and then counts the rows of the others, so
// parallel attempts see each other: of N simultaneous guesses at most FREE_FAILURES get checked.
import "server-only";
import { AppError } from "@/lib/errors";
import { throttleSource } from "../auth/client-address";
import { getDb } from "../db/client";

/** Failures per (account, source) that cost nothing; then each attempt waits for a growing delay. */
export const FREE_FAILURES = 5;
/** The longest delay between two attempts of one (account, source): the slowest is one guess per this many seconds. */
export const MAX_DELAY_SECONDS = 15 * 60;
/** Failures older than this are forgotten (the rows are pruned). */
const MEMORY_MS = 24 * 3600 * 1000;
/** Failed attempts from one source, across accounts, within SOURCE_WINDOW_MS before the source is refused. */
export const MAX_FAILURES_PER_SOURCE = 50;
const SOURCE_WINDOW_MS = 15 * 60 * 1000;

/** Seconds the next attempt must wait after the last one, once `failures` attempts failed. */
export function delaySeconds(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(2 ** (failures - FREE_FAILURES + 1), MAX_DELAY_SECONDS);
}

export type Attempt = { id: bigint; username: string; source: string };

function throttled(seconds: number, why: string): AppError {
  const wait = seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${Math.max(1, Math.ceil(seconds))} seconds`;
  return new AppError("rate_limited", `${why}: try again in ${wait}`, { retryAfterSeconds: Math.max(1, Math.ceil(seconds)) });
}

type Counts = { failures: number; lastFailure: number; all: number; lastAny: number };

function count(rows: { at: Date; outcome: string }[]): Counts {
  const failed = rows.filter((r) => r.outcome === "failure");
  const latest = (rs: { at: Date }[]) => rs.reduce((m, r) => Math.max(m, r.at.getTime()), 0);
  return { failures: failed.length, lastFailure: latest(failed), all: rows.length, lastAny: latest(rows) };
}

/** Rounds an attempt waits for others in flight (each ~100 ms) before it is refused. */
const WAIT_ROUNDS = 10;

/**
 * Records an attempt at `username` from `ip` before its password is checked; throws 429 when the
 * pair must wait or the source failed too often (that attempt is then forgotten: waiting out a
 * delay is enough, hammering does not lengthen it). Attempts still being checked count as failures
 * until they finish; an attempt held back only by those waits a moment for them (parallel API calls
 * with Basic credentials) rather than being refused.
 */
export async function beginAttempt(username: string, ip: string | null): Promise<Attempt> {
  const db = getDb();
  const source = throttleSource(ip);
  for (let round = 0; ; round++) {
    const row = await db.loginAttempt.create({ data: { username, source } });
    const now = row.at.getTime();
    const select = { at: true, outcome: true } as const;
    const [pairRows, sourceRows] = await Promise.all([
      db.loginAttempt.findMany({ where: { username, source, id: { not: row.id }, at: { gte: new Date(now - MEMORY_MS) } }, select }),
      db.loginAttempt.findMany({ where: { source, id: { not: row.id }, at: { gte: new Date(now - SOURCE_WINDOW_MS) } }, select }),
    ]);
    const pair = count(pairRows);
    const src = count(sourceRows);
    const pairWait = (c: number, last: number) => delaySeconds(c) - (now - last) / 1000;
    let refusal: AppError | null = null;
    let inFlightOnly = false;
    if (pairWait(pair.failures, pair.lastFailure) > 0) {
      refusal = throttled(pairWait(pair.failures, pair.lastFailure), "too many failed sign-in attempts for this account from your address");
    } else if (src.failures >= MAX_FAILURES_PER_SOURCE) {
      refusal = throttled(SOURCE_WINDOW_MS / 1000, "too many failed sign-in attempts from your address");
    } else if (pairWait(pair.all, pair.lastAny) > 0 || src.all >= MAX_FAILURES_PER_SOURCE) {
      refusal = throttled(1, "too many sign-in attempts at once for this account from your address");
      inFlightOnly = true;
    }
    if (!refusal) return { id: row.id, username, source };
    await db.loginAttempt.deleteMany({ where: { id: row.id } });
    if (!inFlightOnly || round >= WAIT_ROUNDS) throw refusal;
    await new Promise((resolve) => setTimeout(resolve, 60 + Math.random() * 80));
  }
}

/** The password was right: the pair starts afresh. Wrong: the attempt stays as a failure. */
export async function finishAttempt(a: Attempt, ok: boolean): Promise<void> {
  const db = getDb();
  if (ok) {
    await db.loginAttempt.deleteMany({ where: { username: a.username, source: a.source } });
    return;
  }
  await db.loginAttempt.updateMany({ where: { id: a.id }, data: { outcome: "failure" } });
  await db.loginAttempt.deleteMany({ where: { at: { lt: new Date(Date.now() - MEMORY_MS) } } });
}
