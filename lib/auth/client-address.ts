// Pure: which address a request came from. The TCP peer is the only thing a client cannot choose;
// X-Forwarded-For is believed only when the peer is one of the operator's trusted proxies, and
// then only up to the right-most hop that is not itself a trusted proxy (everything left of it
// was written by the client). No I/O.
import { isIP } from "node:net";

export type Cidr = { bytes: Uint8Array; bits: number };

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * An address as written in a socket, header or setting → its canonical text, or null when it is
 * not an IP address. Accepts `[v6]`, `[v6]:port`, `v4:port`, a zone (`fe80::1%eth0`) and
 * IPv4-mapped IPv6 (`::ffff:10.0.0.1` → `10.0.0.1`).
 */
export function normalizeIp(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let s = raw.trim();
  if (s.length === 0 || s.length > 100) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed?.[1]) s = bracketed[1];
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  const zone = s.indexOf("%");
  if (zone > 0 && s.includes(":")) s = s.slice(0, zone);
  const mapped = MAPPED_V4.exec(s);
  if (mapped?.[1]) s = mapped[1];
  const family = isIP(s);
  if (family === 4) return s;
  if (family === 6) return formatV6(parseV6(s) as Uint8Array);
  return null;
}

function parseV4(s: string): Uint8Array | null {
  if (isIP(s) !== 4) return null;
  return Uint8Array.from(s.split(".").map(Number));
}

function parseV6(s: string): Uint8Array | null {
  if (isIP(s) !== 6) return null;
  let text = s.toLowerCase();
  const tail: number[] = [];
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4?.[1]) {
    const b = parseV4(v4[1]);
    if (!b) return null;
    tail.push(((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0));
    text = text.slice(0, -v4[1].length);
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const [head = "", rest] = text.split("::", 2) as [string, string | undefined];
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = [...(rest === undefined ? [] : groups(rest)), ...tail];
  const words = rest === undefined ? [...left, ...right] : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  if (words.length !== 8) return null;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = (w >> 8) & 0xff;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function formatV6(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => ((b[i * 2] ?? 0) << 8) | (b[i * 2 + 1] ?? 0));
  // the longest run of two or more zero words becomes "::" (RFC 5952)
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

function toBytes(ip: string): Uint8Array | null {
  return isIP(ip) === 4 ? parseV4(ip) : parseV6(ip);
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (`/32`, `/128`); null when malformed. */
export function parseCidr(raw: string): Cidr | null {
  const [addr = "", prefix, extra] = raw.trim().split("/");
  if (extra !== undefined) return null;
  const ip = normalizeIp(addr);
  const bytes = ip ? toBytes(ip) : null;
  if (!bytes) return null;
  const max = bytes.length * 8;
  if (prefix === undefined) return { bytes, bits: max };
  if (!/^\d{1,3}$/.test(prefix)) return null;
  const bits = Number(prefix);
  return bits <= max ? { bytes, bits } : null;
}

export function parseCidrs(list: readonly string[]): Cidr[] {
  return list.map((c) => {
    const parsed = parseCidr(c);
    if (!parsed) throw new Error(`not an address or CIDR range: ${c}`);
    return parsed;
  });
}

export function ipInCidrs(ip: string, cidrs: readonly Cidr[]): boolean {
  const normal = normalizeIp(ip);
  const bytes = normal ? toBytes(normal) : null;
  if (!bytes) return false;
  return cidrs.some((c) => {
    if (c.bytes.length !== bytes.length) return false;
    for (let bit = 0; bit < c.bits; bit++) {
      const i = bit >> 3;
      const mask = 0x80 >> (bit & 7);
      if (((c.bytes[i] ?? 0) & mask) !== ((bytes[i] ?? 0) & mask)) return false;
    }
    return true;
  });
}

/**
 * The client behind a request: the peer itself, unless the peer is a trusted proxy; then the
 * right-most X-Forwarded-For hop that is not a trusted proxy. A malformed hop stops the walk at
 * the last address a trusted proxy vouched for. Null only without a valid peer.
 */
export function clientAddress(input: { peer: string | null; forwardedFor: string | null; trusted: readonly Cidr[] }): string | null {
  let current = normalizeIp(input.peer);
  if (!current) return null;
  if (!input.forwardedFor || input.trusted.length === 0) return current;
  const hops = input.forwardedFor.split(",").slice(-64);
  while (ipInCidrs(current, input.trusted)) {
    const next = normalizeIp(hops.pop());
    if (!next) break;
    current = next;
  }
  return current;
}

/**
 * The key sign-in throttling counts per source: the address for IPv4, its /64 for IPv6 (one
 * subscriber usually holds a whole /64, so single IPv6 addresses are free to rotate).
 */
export function throttleSource(ip: string | null): string {
  const normal = normalizeIp(ip);
  if (!normal) return "unknown";
  if (isIP(normal) === 4) return normal;
  const bytes = parseV6(normal) as Uint8Array;
  bytes.fill(0, 8);
  return `${formatV6(bytes)}/64`;
}
