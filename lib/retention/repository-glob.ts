// Repository name globs, shared by grants (lib/auth/roles.ts) and retention policies. Pure: no I/O,
// unit-tested through tests/unit/auth/roles.test.ts.
import { z } from "zod";

/**
 * A repository name glob (grant patterns, a retention policy's repositories). `*` matches within one path segment, `**` across
 * segments (`team-a/**` is every repository under team-a/, `*` every top-level repository).
 */
export const repositoryGlobSchema = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[a-z0-9*][a-z0-9._\-/*]*$/, "a repository glob: lower-case letters, digits, . _ - / and *");

// Globs are matched position by position (the set of name positions each prefix of the glob can
// reach), never by a backtracking RegExp: O(glob × name) steps whatever the input.
// `scratch/*-*-*-*-*-**z` against a 129-character name took 2.3 s as a RegExp.

/** A glob token: one literal character, `*` (any run without `/`) or `**` (any run at all). */
type GlobToken = string;
const STAR = "*";
const GLOBSTAR = "**";
const tokenCache = new Map<string, GlobToken[]>();

function globTokens(pattern: string): GlobToken[] {
  let tokens = tokenCache.get(pattern);
  if (tokens) return tokens;
  tokens = [];
  for (let i = 0; i < pattern.length; ) {
    if (pattern[i] !== "*") {
      tokens.push(pattern[i] as string);
      i++;
      continue;
    }
    let run = 0;
    while (pattern[i] === "*") {
      run++;
      i++;
    }
    // `***` meant `.*[^/]*`, which is `.*`: any run of two or more is `**`
    tokens.push(run === 1 ? STAR : GLOBSTAR);
  }
  if (tokenCache.size > 1000) tokenCache.clear();
  tokenCache.set(pattern, tokens);
  return tokens;
}

/**
 * Whether a repository name matches a glob: `*` matches within one path segment, `**` across
 * segments, every other character itself. The whole name must match.
 */
export function matchesPattern(pattern: string, repository: string): boolean {
  const n = repository.length;
  // reach[i]: the glob tokens so far can match exactly the first i characters
  let reach = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  reach[0] = 1;
  for (const token of globTokens(pattern)) {
    next.fill(0);
    let any = false;
    if (token === STAR || token === GLOBSTAR) {
      for (let i = 0; i <= n; i++) {
        const carried = i > 0 && next[i - 1] === 1 && (token === GLOBSTAR || repository[i - 1] !== "/");
        if (reach[i] === 1 || carried) {
          next[i] = 1;
          any = true;
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (reach[i] === 1 && repository[i] === token) {
          next[i + 1] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    [reach, next] = [next, reach];
  }
  return reach[n] === 1;
}

/**
 * Whether every name the glob `inner` matches is one `outer` matches too. Conservative: it
 * checks that `outer` covers `inner` token by token (a literal by itself, `*` or `**`; an inner
 * `*` by `*` or `**`; an inner `**` only by `**`), so a `true` is always right, and a `false`
 * can be wrong only for contrived globs. O(inner × outer).
 */
export function globWithin(inner: string, outer: string): boolean {
  const a = globTokens(inner);
  const b = globTokens(outer);
  const width = b.length + 1;
  // covered[i * width + j]: outer's first j tokens cover inner's first i tokens
  const covered = new Uint8Array((a.length + 1) * width);
  covered[0] = 1;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      if (covered[i * width + j] !== 1) continue;
      const o = b[j];
      const t = a[i];
      if (o === undefined) continue;
      if (o === STAR || o === GLOBSTAR) {
        // the wildcard covers nothing more and ends, or takes the next inner token and goes on
        covered[i * width + j + 1] = 1;
        if (t !== undefined && (o === GLOBSTAR || (t !== GLOBSTAR && t !== "/"))) covered[(i + 1) * width + j] = 1;
      } else if (t === o) {
        covered[(i + 1) * width + j + 1] = 1;
      }
    }
  }
  return covered[a.length * width + b.length] === 1;
}
