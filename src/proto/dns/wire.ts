// The DNS wire format (RFC 1035 4) as DNS-over-HTTPS carries it (RFC 8484): a query for A or
// AAAA, and the answer: addresses, the CNAME chain that led to them, and the smallest TTL. Errors
// use libcurl's DOH_DNS_* texts (lib/doh.c) so a failed lookup names what was wrong.
import { latin1Decode } from '../h1/latin1.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../ip.js';
import { utf8Encode } from '../utf8.js';

export const DnsType = { A: 1, CNAME: 5, AAAA: 28 } as const;
export type DnsQueryType = typeof DnsType.A | typeof DnsType.AAAA;

/** RFC 1035 2.3.4 */
const MAX_NAME = 255;
const MAX_LABEL = 63;
/** Compression pointers followed at most while reading one name (a loop otherwise). */
const MAX_POINTERS = 128;
/** CNAME hops followed at most (a loop or an absurd chain otherwise). */
const MAX_CNAME_HOPS = 16;

export class DnsError extends Error {
  override readonly name = 'DnsError';
}

export interface DnsAddress {
  address: string;
  family: 4 | 6;
}

export interface DnsAnswer {
  addresses: DnsAddress[];
  /** The names the query's name led to through CNAMEs, in order. */
  cnames: string[];
  /** Smallest TTL (seconds) of the records used; undefined when there were none. */
  ttl: number | undefined;
}

function encodeName(name: string): Uint8Array {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0) throw new DnsError('Bad label: empty name');
  const bytes: number[] = [];
  for (const label of bare.split('.')) {
    const b = utf8Encode(label);
    if (b.length === 0 || b.length > MAX_LABEL) throw new DnsError(`Bad label in '${name}'`);
    bytes.push(b.length, ...b);
  }
  bytes.push(0);
  if (bytes.length > MAX_NAME) throw new DnsError(`Name too long: '${name}'`);
  return new Uint8Array(bytes);
}

/** A recursion-desired query (id 0, as RFC 8484 4.1 asks for cache friendliness). */
export function encodeQuery(name: string, type: DnsQueryType, id = 0): Uint8Array {
  const qname = encodeName(name);
  const out = new Uint8Array(12 + qname.length + 4);
  out[0] = id >> 8;
  out[1] = id & 0xff;
  out[2] = 0x01; // RD
  out[5] = 1; // QDCOUNT
  out.set(qname, 12);
  const o = 12 + qname.length;
  out[o + 1] = type;
  out[o + 3] = 1; // IN
  return out;
}

class Reader {
  constructor(readonly b: Uint8Array) {}
  u16(o: number): number {
    if (o + 2 > this.b.length) throw new DnsError('Out of range');
    return (this.b[o]! << 8) | this.b[o + 1]!;
  }
  u32(o: number): number {
    return this.u16(o) * 0x10000 + this.u16(o + 2);
  }
  /** The name at `o` (lower-cased, no root dot) and the offset after it in the message. */
  name(o: number): [string, number] {
    const labels: string[] = [];
    let end = -1;
    let pos = o;
    let length = 0;
    for (let hops = 0; ; ) {
      if (pos >= this.b.length) throw new DnsError('Out of range');
      const len = this.b[pos]!;
      if ((len & 0xc0) === 0xc0) {
        if (++hops > MAX_POINTERS) throw new DnsError('Label loop');
        if (end === -1) end = pos + 2;
        pos = this.u16(pos) & 0x3fff;
        continue;
      }
      if ((len & 0xc0) !== 0) throw new DnsError('Bad label');
      if (len === 0) {
        if (end === -1) end = pos + 1;
        break;
      }
      if (pos + 1 + len > this.b.length) throw new DnsError('Out of range');
      length += len + 1;
      if (length > MAX_NAME) throw new DnsError('Name too long');
      labels.push(latin1Decode(this.b.subarray(pos + 1, pos + 1 + len)).toLowerCase());
      pos += 1 + len;
    }
    return [labels.join('.'), end];
  }
}

interface RawRecord {
  owner: string;
  type: number;
  ttl: number;
  value: string | DnsAddress;
}

/**
 * Read a response to `encodeQuery(name, type)`: check id and RCODE, follow the CNAME chain from
 * the question's name, collect its A / AAAA records. NXDOMAIN and "no records" are errors too.
 */
export function decodeResponse(msg: Uint8Array, name: string, type: DnsQueryType, id = 0): DnsAnswer {
  const r = new Reader(msg);
  if (msg.length < 12) throw new DnsError('Too small');
  if (r.u16(0) !== id) throw new DnsError('Bad ID');
  if ((msg[2]! & 0x80) === 0) throw new DnsError('Malformat: not a response');
  const rcode = msg[3]! & 0x0f;
  if (rcode !== 0) throw new DnsError(`Bad RCODE ${rcode}${rcode === 3 ? ' (NXDOMAIN)' : ''}`);
  const qd = r.u16(4);
  const an = r.u16(6);
  let o = 12;
  for (let i = 0; i < qd; i++) {
    o = r.name(o)[1];
    r.u32(o);
    o += 4;
  }
  const records: RawRecord[] = [];
  for (let i = 0; i < an; i++) {
    const [owner, after] = r.name(o);
    const rtype = r.u16(after);
    const rclass = r.u16(after + 2);
    const ttl = r.u32(after + 4);
    const rdlen = r.u16(after + 8);
    const rd = after + 10;
    if (rd + rdlen > msg.length) throw new DnsError('RDATA length');
    o = rd + rdlen;
    if (rclass !== 1) continue;
    if (rtype === DnsType.A) {
      if (rdlen !== 4) throw new DnsError('RDATA length');
      records.push({ owner, type: rtype, ttl, value: { address: formatIPv4(msg, rd), family: 4 } });
    } else if (rtype === DnsType.AAAA) {
      if (rdlen !== 16) throw new DnsError('RDATA length');
      records.push({ owner, type: rtype, ttl, value: { address: formatIPv6(msg, rd), family: 6 } });
    } else if (rtype === DnsType.CNAME) {
      const [target, end] = r.name(rd);
      if (end > o) throw new DnsError('RDATA length');
      records.push({ owner, type: rtype, ttl, value: target });
    }
  }
  let current = (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
  const cnames: string[] = [];
  let ttl: number | undefined;
  const addresses: DnsAddress[] = [];
  for (let hops = 0; ; hops++) {
    for (const rec of records) {
      if (rec.owner !== current || rec.type !== type) continue;
      addresses.push(rec.value as DnsAddress);
      ttl = ttl === undefined ? rec.ttl : Math.min(ttl, rec.ttl);
    }
    if (addresses.length > 0) break;
    const alias = records.find((rec) => rec.owner === current && rec.type === DnsType.CNAME);
    if (alias === undefined) break;
    if (hops >= MAX_CNAME_HOPS || cnames.includes(alias.value as string)) throw new DnsError('CNAME loop');
    ttl = ttl === undefined ? alias.ttl : Math.min(ttl, alias.ttl);
    current = alias.value as string;
    cnames.push(current);
  }
  if (addresses.length === 0) throw new DnsError('No content');
  return { addresses, cnames, ttl };
}

// ------------------------------------------------------------------ answers (servers, tests)

export interface DnsRecord {
  name: string;
  type: typeof DnsType.A | typeof DnsType.AAAA | typeof DnsType.CNAME;
  ttl: number;
  /** An address for A / AAAA, a name for CNAME. */
  data: string;
}

/** A response to `query` with these answer records (rcode 3 = NXDOMAIN), uncompressed names. */
export function encodeResponse(query: Uint8Array, answers: DnsRecord[], rcode = 0): Uint8Array {
  const r = new Reader(query);
  const qEnd = r.name(12)[1] + 4;
  const parts: number[] = [...query.subarray(0, qEnd)];
  parts[2] = 0x81; // QR, RD
  parts[3] = 0x80 | (rcode & 0x0f); // RA
  parts[6] = answers.length >> 8;
  parts[7] = answers.length & 0xff;
  parts[8] = parts[9] = parts[10] = parts[11] = 0;
  for (const a of answers) {
    let rdata: Uint8Array | undefined;
    if (a.type === DnsType.CNAME) rdata = encodeName(a.data);
    else rdata = a.type === DnsType.A ? parseIPv4(a.data) : parseIPv6(a.data);
    if (rdata === undefined) throw new DnsError(`Bad record data '${a.data}'`);
    parts.push(...encodeName(a.name), 0, a.type, 0, 1);
    parts.push((a.ttl >>> 24) & 0xff, (a.ttl >>> 16) & 0xff, (a.ttl >>> 8) & 0xff, a.ttl & 0xff);
    parts.push(rdata.length >> 8, rdata.length & 0xff, ...rdata);
  }
  return new Uint8Array(parts);
}

/** The question of a query: its name and type (for a server answering it). */
export function decodeQuestion(query: Uint8Array): { id: number; name: string; type: number } {
  const r = new Reader(query);
  if (query.length < 12 || r.u16(4) !== 1) throw new DnsError('Malformat: one question expected');
  const [name, end] = r.name(12);
  return { id: r.u16(0), name, type: r.u16(end) };
}
