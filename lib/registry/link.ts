// Link header parsing (RFC 8288) for the registry's paging: `</v2/_catalog?last=x&n=100>; rel="next"`.
// Pure, never throws: malformed entries are skipped.

/**
 * Maps each relation type (lower-cased) to its target as written (possibly relative).
 * A `rel` listing several types ("next last") maps each; the first link for a relation wins.
 */
export function parseLinkHeader(header: string | null): Record<string, string> {
  const links = new Map<string, string>();
  if (header === null) return {};
  const s = header;
  let i = 0;
  const skipWs = () => {
    while (s[i] === " " || s[i] === "\t") i++;
  };
  const skipToNextLink = () => {
    // Commas may sit inside quoted parameter values; honour quotes while skipping.
    while (i < s.length && s[i] !== ",") {
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') i += s[i] === "\\" ? 2 : 1;
      }
      i++;
    }
  };

  while (i < s.length) {
    while (i < s.length && (s[i] === "," || s[i] === " " || s[i] === "\t")) i++;
    if (i >= s.length) break;
    if (s[i] !== "<") {
      skipToNextLink();
      continue;
    }
    const end = s.indexOf(">", i + 1);
    if (end === -1) break;
    const target = s.slice(i + 1, end).trim();
    i = end + 1;

    const rels: string[] = [];
    for (;;) {
      skipWs();
      if (s[i] !== ";") break;
      i++;
      skipWs();
      const nameStart = i;
      while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i] ?? "")) i++;
      const name = s.slice(nameStart, i).toLowerCase();
      skipWs();
      let value = "";
      if (s[i] === "=") {
        i++;
        skipWs();
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === "\\" && i + 1 < s.length) i++;
            value += s[i];
            i++;
          }
          i++;
        } else {
          const valueStart = i;
          while (i < s.length && !/[;,\s]/.test(s[i] ?? "")) i++;
          value = s.slice(valueStart, i);
        }
      }
      if (name === "rel") rels.push(...value.split(/\s+/).filter((r) => r !== ""));
      if (name === "") break;
    }
    for (const rel of rels) {
      const key = rel.toLowerCase();
      if (!links.has(key)) links.set(key, target);
    }
    skipToNextLink();
  }
  return Object.fromEntries(links);
}

/** The `rel="next"` target resolved against the URL of the page that carried it; null when there is none. */
export function nextLink(header: string | null, baseUrl: string | URL): URL | null {
  const target = parseLinkHeader(header).next;
  if (target === undefined || target === "") return null;
  try {
    return new URL(target, baseUrl);
  } catch {
    return null;
  }
}
