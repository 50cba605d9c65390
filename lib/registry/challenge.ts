// WWW-Authenticate parsing (RFC 7235 §4.1). Pure, never throws: a malformed header yields the challenges
// that parsed before the damage, so a sloppy proxy cannot turn a 401 into a crash.
//
//   WWW-Authenticate = 1#challenge
//   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param       = token BWS "=" BWS ( token / quoted-string )
//
// Commas separate both challenges and parameters; a comma followed by `token =` continues the current
// challenge, a comma followed by a bare token starts a new one.

export type AuthChallenge = {
  /** Lower-cased auth scheme: "basic", "bearer", "negotiate"… */
  scheme: string;
  /** Parameters with lower-cased names and unquoted, unescaped values; the first of duplicates wins. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge used it instead of parameters. */
  token68?: string;
};

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[-._~+/0-9A-Za-z]/;

export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const s = header;
  const challenges: AuthChallenge[] = [];
  let i = 0;

  const isWs = (c: string | undefined) => c === " " || c === "\t";
  const skipWs = () => {
    while (isWs(s[i])) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i] ?? "")) i++;
    return s.slice(start, i);
  };
  const readQuoted = (): string => {
    // s[i] is the opening quote
    i++;
    let out = "";
    while (i < s.length) {
      const c = s[i] ?? "";
      if (c === "\\" && i + 1 < s.length) {
        out += s[i + 1];
        i += 2;
        continue;
      }
      if (c === '"') {
        i++;
        return out;
      }
      out += c;
      i++;
    }
    return out; // unterminated: keep what was there
  };
  /** At `token BWS "="` (and not `token68` followed by end/comma)? Looks ahead without consuming. */
  const atParam = (): boolean => {
    let j = i;
    while (j < s.length && TCHAR.test(s[j] ?? "")) j++;
    if (j === i) return false;
    while (isWs(s[j])) j++;
    return s[j] === "=";
  };
  /** Reads a token68 if the text from i is exactly one followed by end or comma; else leaves i alone. */
  const tryToken68 = (): string | null => {
    let j = i;
    while (j < s.length && TOKEN68_CHAR.test(s[j] ?? "")) j++;
    if (j === i) return null;
    while (s[j] === "=") j++;
    let k = j;
    while (isWs(s[k])) k++;
    if (k < s.length && s[k] !== ",") return null;
    const value = s.slice(i, j);
    i = j;
    return value;
  };

  while (i < s.length) {
    // Skip list separators and whitespace between challenges (empty list elements are allowed).
    while (i < s.length && (s[i] === "," || isWs(s[i]))) i++;
    if (i >= s.length) break;

    const scheme = readToken();
    if (scheme === "") {
      // Garbage where a scheme should be: skip to the next element.
      while (i < s.length && s[i] !== ",") i++;
      continue;
    }
    const params = new Map<string, string>();
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);

    if (!isWs(s[i])) {
      // Scheme alone ("Negotiate") or followed directly by a comma/garbage.
      if (i < s.length && s[i] !== ",") return finish(challenges, challenge, params);
      continue;
    }
    skipWs();

    const token68 = atParam() ? null : tryToken68();
    if (token68 !== null) {
      challenge.token68 = token68;
      continue;
    }

    // auth-params
    for (;;) {
      skipWs();
      if (!atParam()) break;
      const name = readToken().toLowerCase();
      skipWs();
      i++; // "="
      skipWs();
      const value = s[i] === '"' ? readQuoted() : readToken();
      if (!params.has(name)) params.set(name, value);
      skipWs();
      if (i >= s.length) break;
      if (s[i] !== ",") {
        // Junk after a value: keep what parsed, stop here.
        return finish(challenges, challenge, params);
      }
      // Comma: another param of this challenge, or the start of the next challenge?
      let j = i;
      while (j < s.length && (s[j] === "," || isWs(s[j]))) j++;
      const save = i;
      i = j;
      if (atParam()) continue;
      i = save;
      break;
    }
    challenge.params = Object.fromEntries(params);
    // A challenge that stopped before the end must stand before a comma; otherwise the rest is junk.
    skipWs();
    if (i < s.length && s[i] !== ",") return challenges;
  }
  return challenges;
}

/** Stops at junk: keeps every challenge so far, including the parameters of the current one. */
function finish(all: AuthChallenge[], current: AuthChallenge, params: Map<string, string>): AuthChallenge[] {
  current.params = Object.fromEntries(params);
  return all;
}
