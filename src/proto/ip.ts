// IP address literals as bytes and back (inet_pton / inet_ntop), for the SOCKS requests, DNS
// answers and NO_PROXY's CIDR ranges. No Node types: proto/ cannot use node:net.

/** Dotted quad, four decimal octets 0-255 without leading zeros beyond '0' (inet_pton rules). */
export function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === '0')) return undefined;
    let v = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j) - 48;
      if (c < 0 || c > 9) return undefined;
      v = v * 10 + c;
    }
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseHexGroups(s: string, out: number[]): boolean {
  if (s === '') return true;
  for (const g of s.split(':')) {
    if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return false;
    out.push(Number.parseInt(g, 16));
  }
  return true;
}

/** RFC 4291 text form, with '::' and an embedded dotted quad; no zone id, no brackets. */
export function parseIPv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  let text = s;
  let tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    tail = parseIPv4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return undefined;
  const head: number[] = [];
  const rest: number[] = [];
  if (dbl === -1) {
    if (!parseHexGroups(text, head) || head.length !== 8) return undefined;
  } else {
    if (!parseHexGroups(text.slice(0, dbl), head) || !parseHexGroups(text.slice(dbl + 2), rest))
      return undefined;
    if (head.length + rest.length > 7) return undefined;
  }
  const groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  if (tail !== undefined) out.set(tail, 12);
  return out;
}

/** 4 for an IPv4 literal, 6 for an IPv6 literal (without brackets), 0 otherwise (net.isIP). */
export function ipVersion(s: string): 0 | 4 | 6 {
  if (parseIPv4(s) !== undefined) return 4;
  if (s.includes(':') && parseIPv6(s) !== undefined) return 6;
  return 0;
}

export function formatIPv4(b: Uint8Array, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/**
 * RFC 5952 form, as inet_ntop and Node print it: lower case, the longest run of 2+ zero groups as
 * '::'. `ipv4Compatible`: an IPv4-compatible address (::a.b.c.d) keeps its dotted tail too, as
 * curl's own Curl_inet_ntop prints it.
 */
export function formatIPv6(b: Uint8Array, offset = 0, ipv4Compatible = false): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[offset + 2 * i]! << 8) | b[offset + 2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped addresses keep the dotted tail, as inet_ntop prints them.
  if (bestAt === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${formatIPv4(b, offset + 12)}`;
  if (ipv4Compatible && bestAt === 0 && bestLen === 6) return `::${formatIPv4(b, offset + 12)}`;
  const hex = (from: number, to: number): string =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(':');
  if (bestAt === -1) return hex(0, 8);
  return `${hex(0, bestAt)}::${hex(bestAt + bestLen, 8)}`;
}

/** The first `bits` bits of both addresses are equal (a CIDR match). */
export function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  if (a.length !== b.length || bits > a.length * 8) return false;
  const bytes = bits >> 3;
  for (let i = 0; i < bytes; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[bytes]! ^ b[bytes]!) & mask) === 0;
}
