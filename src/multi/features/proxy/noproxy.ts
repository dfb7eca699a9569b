// NO_PROXY / CURLOPT_NOPROXY matching as libcurl does it (lib/noproxy.c): a list of host names,
// domains (with or without a leading dot), IP addresses and CIDR ranges, separated by commas and
// blanks; '*' alone matches everything. A name matches an entry equal to it or one of its parent
// domains ('example.com' matches 'www.example.com', not 'nonexample.com'); trailing dots are
// ignored on both sides. IP addresses match only as IPs (exact or CIDR), never as names; IPv6
// addresses and ranges match as in curl 8 (curl 7.88 compared them as text). curl has no port
// syntax: an entry with ':port' never matches a host name.
import { parseIPv4, parseIPv6, prefixMatch } from '../../../proto/ip.js';

/** The entries of a NO_PROXY value: commas and blanks separate them (as curl 7.88 reads it). */
function entries(list: string): string[] {
  return list.split(/[\s,]+/).filter((e) => e !== '');
}

function ipMatch(ip: Uint8Array, entry: string, parse: (s: string) => Uint8Array | undefined): boolean {
  const slash = entry.indexOf('/');
  const net = parse(slash === -1 ? entry : entry.slice(0, slash));
  if (net === undefined) return false;
  const max = ip.length * 8;
  // curl: atoi() of the bits; 0 (or no slash) means the whole address.
  const bits = slash === -1 ? 0 : Number.parseInt(entry.slice(slash + 1), 10) || 0;
  if (bits < 0 || bits > max) return false;
  return prefixMatch(ip, net, bits === 0 ? max : bits);
}

/** True when `host` (a URL's host, IPv6 in brackets or not) must not go through the proxy. */
export function checkNoProxy(host: string, noProxy: string | undefined): boolean {
  if (host === '' || noProxy === undefined || noProxy === '') return false;
  if (noProxy === '*') return true;
  let name = host;
  let v6: Uint8Array | undefined;
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end === -1) return false;
    name = name.slice(1, end);
    v6 = parseIPv6(name);
    if (v6 === undefined) return false;
  } else if (name.includes(':')) {
    v6 = parseIPv6(name);
  }
  const v4 = v6 === undefined ? parseIPv4(name) : undefined;
  if (v4 === undefined && v6 === undefined && name.endsWith('.')) name = name.slice(0, -1);
  const lname = name.toLowerCase();
  for (const entry of entries(noProxy)) {
    if (v6 !== undefined) {
      if (ipMatch(v6, entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry, parseIPv6))
        return true;
      continue;
    }
    if (v4 !== undefined) {
      if (ipMatch(v4, entry, parseIPv4)) return true;
      continue;
    }
    let e = entry.endsWith('.') ? entry.slice(0, -1) : entry;
    if (e.startsWith('.')) e = e.slice(1);
    e = e.toLowerCase();
    if (e.length === lname.length ? e === lname : e.length < lname.length && lname.endsWith(`.${e}`)) {
      return true;
    }
  }
  return false;
}
