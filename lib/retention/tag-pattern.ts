// The one place a regular expression a user wrote is compiled: retention keep patterns. Pure: no I/O.
//
// User patterns run on RE2 (re2js, a pure-JS port): matching time is linear in the tag's length
// whatever the pattern, so no pattern can stall the server the way a backtracking RegExp can
// (`(\w*)(\w*)(\w*)(\w*)(\w*)(\w*)(\w*)(\w*)@` took 13 s on one 36-character tag). RE2 syntax is
// JavaScript's minus lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) and backreferences (`\1`, `\k<n>`);
// it adds flags like `(?i)` and Unicode classes like `\pL`. Repeat counts are at most 1000.
import { RE2JS } from "re2js";

export const TAG_PATTERN_MAX_LENGTH = 200;
/**
 * RE2's "program size" is roughly the work per input character; tag patterns are small
 * (`^v\d+\.\d+\.\d+$` is 23), so a cap keeps a policy over many thousands of tags quick too.
 */
export const TAG_PATTERN_MAX_PROGRAM_SIZE = 1000;

export class TagPatternError extends Error {
  override name = "TagPatternError";
}

export type TagPattern = {
  readonly source: string;
  /** Whether the pattern matches anywhere in the tag (unanchored, like RegExp.test). */
  test(tag: string): boolean;
};

/** Compiles a user's pattern, or throws TagPatternError with a message fit to show them. */
export function compileTagPattern(source: string): TagPattern {
  if (source.length > TAG_PATTERN_MAX_LENGTH) {
    throw new TagPatternError(`a pattern is at most ${TAG_PATTERN_MAX_LENGTH} characters`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^error parsing regexp: /, "") : String(e);
    const hint = /\(\?<?[=!]|\\[1-9k]/.test(source) ? " (lookaround and backreferences are not supported)" : "";
    throw new TagPatternError(`not a valid regular expression in RE2 syntax${hint}: ${reason}`);
  }
  if (re.programSize() > TAG_PATTERN_MAX_PROGRAM_SIZE) {
    throw new TagPatternError("the pattern is too complex (large repeat counts): simplify it");
  }
  return { source, test: (tag) => re.test(tag) };
}

/** Why a pattern is not accepted, or null. */
export function tagPatternError(source: string): string | null {
  try {
    compileTagPattern(source);
    return null;
  } catch (e) {
    if (e instanceof TagPatternError) return e.message;
    throw e;
  }
}
