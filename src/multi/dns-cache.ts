// The DNS cache (libcurl's hostip.c): answers kept per 'host:port', each stamped with the time it
// was stored; a transfer uses an entry only while it is younger than the transfer's own
// dnsCacheTimeout (60 s default, 0 = no caching, -1 = forever). Entries from the `resolve` option
// are stamped 0 and never go stale ('+' entries age like lookups). One cache per Multi, or one per
// Share that shares 'dns'. Bounded: past the limit the least recently stored entry goes.
import type { ResolvedAddress } from '../transport/types.js';

/** libcurl's CURLOPT_DNS_CACHE_TIMEOUT default, in ms. */
export const DEFAULT_DNS_CACHE_TIMEOUT_MS = 60_000;
/** Entries kept at most (libcurl prunes by age only; a bound keeps a crawler's cache finite). */
export const DNS_CACHE_MAX_ENTRIES = 10_000;

interface Entry {
  addresses: ResolvedAddress[];
  /** When stored (transport ms); undefined = never stale (a `resolve` entry). */
  stamp: number | undefined;
  /** The answer's own lifetime (a DoH answer's TTL), ms; it ends the entry sooner than the timeout. */
  maxAgeMs: number;
}

export class DnsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = DNS_CACHE_MAX_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached addresses, if fresh for a transfer whose timeout is `timeoutMs` (-1 forever, 0 off). */
  get(host: string, port: number, now: number, timeoutMs: number): ResolvedAddress[] | undefined {
    const key = hostPortKey(host, port);
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.stamp !== undefined) {
      if (timeoutMs === 0) return undefined;
      const age = now - e.stamp;
      if ((timeoutMs > 0 && age >= timeoutMs) || age >= e.maxAgeMs) {
        this.entries.delete(key);
        return undefined;
      }
    }
    return e.addresses;
  }

  /**
   * Store a lookup's answer (nothing when the transfer's timeout is 0). `maxAgeMs` (a DoH answer's
   * TTL) shortens its life: it is used while younger than both that and the reader's timeout.
   */
  put(
    host: string,
    port: number,
    addresses: ResolvedAddress[],
    now: number,
    timeoutMs: number,
    maxAgeMs = Number.POSITIVE_INFINITY,
  ): void {
    if (timeoutMs === 0 || maxAgeMs <= 0) return;
    this.set(hostPortKey(host, port), { addresses, stamp: now, maxAgeMs });
  }

  /** A `resolve` entry: permanent, or aging from `now` when `timeoutMs` is given ('+host:...'). */
  pin(host: string, port: number, addresses: ResolvedAddress[], stampAt: number | undefined): void {
    this.set(hostPortKey(host, port), { addresses, stamp: stampAt, maxAgeMs: Number.POSITIVE_INFINITY });
  }

  remove(host: string, port: number): void {
    this.entries.delete(hostPortKey(host, port));
  }

  /** Whether host:port has an entry, fresh or not (libcurl's Curl_hash_pick). */
  has(host: string, port: number): boolean {
    return this.entries.has(hostPortKey(host, port));
  }

  clear(): void {
    this.entries.clear();
  }

  private set(key: string, e: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, e);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

function hostPortKey(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}

// --------------------------------------------------------------- option entries

export interface ResolveEntry {
  /** '-host:port': remove the entry. */
  remove: boolean;
  /** '+host:port:...': the entry ages like a lookup instead of being permanent. */
  timed: boolean;
  host: string;
  port: number;
  addresses: ResolvedAddress[];
}

/**
 * One CURLOPT_RESOLVE entry: '[+]host:port:addr[,addr]...' or '-host:port'. IPv6 addresses may be
 * in brackets. Undefined for a malformed entry (libcurl skips those with a warning).
 */
export function parseResolveEntry(raw: string): ResolveEntry | undefined {
  let e = raw.trim();
  const remove = e.startsWith('-');
  const timed = e.startsWith('+');
  if (remove || timed) e = e.slice(1);
  const first = e.indexOf(':');
  if (first <= 0) return undefined;
  const second = e.indexOf(':', first + 1);
  const portText = e.slice(first + 1, second < 0 ? undefined : second);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return undefined;
  const host = e.slice(0, first);
  const port = Number(portText);
  if (remove) return { remove, timed: false, host, port, addresses: [] };
  if (second < 0) return undefined;
  const addresses: ResolvedAddress[] = [];
  for (const part of e.slice(second + 1).split(',')) {
    const a = part.trim().replace(/^\[(.*)\]$/, '$1');
    if (a !== '') addresses.push({ address: a, family: a.includes(':') ? 6 : 4 });
  }
  if (addresses.length === 0) return undefined;
  return { remove, timed, host, port, addresses };
}

/**
 * Load a transfer's `resolve` entries into its cache, as libcurl does when a transfer starts.
 * `say` gets libcurl's Curl_loadhostpairs lines (curl 8's words): "RESOLVE H:P - old addresses
 * discarded" when the entry replaces one, then "Added H:P:ADDRESSES to DNS cache" (" (non-permanent)"
 * for a '+' entry; the addresses as written). A removal says nothing, as in libcurl.
 */
export function loadResolveEntries(
  cache: DnsCache,
  entries: readonly string[] | undefined,
  now: number,
  say?: (line: string) => void,
): void {
  if (entries === undefined) return;
  for (const raw of entries) {
    const e = parseResolveEntry(raw);
    if (e === undefined) continue;
    if (e.remove) {
      cache.remove(e.host, e.port);
      continue;
    }
    if (say !== undefined) {
      if (cache.has(e.host, e.port)) say(`RESOLVE ${e.host}:${e.port} - old addresses discarded`);
      const body = raw.trim().slice(e.timed ? 1 : 0);
      const addresses = body.slice(body.indexOf(':', body.indexOf(':') + 1) + 1);
      say(`Added ${e.host}:${e.port}:${addresses} to DNS cache${e.timed ? ' (non-permanent)' : ''}`);
    }
    cache.pin(e.host, e.port, e.addresses, e.timed ? now : undefined);
  }
}

// ------------------------------------------------------------------ connectTo

/**
 * CURLOPT_CONNECT_TO: where a transfer to host:port really connects. Entries
 * 'HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT'; an empty HOST or PORT matches any, an empty
 * CONNECT-TO part keeps the original. The first matching entry wins (libcurl's order).
 */
export function connectToTarget(
  entries: readonly string[] | undefined,
  host: string,
  port: number,
): { host: string; port: number } | undefined {
  if (entries === undefined) return undefined;
  for (const raw of entries) {
    const parts = splitConnectTo(raw);
    if (parts === undefined) continue;
    const [h, p, toHost, toPort] = parts;
    if (h !== '' && h.toLowerCase() !== host.toLowerCase()) continue;
    if (p !== '' && Number(p) !== port) continue;
    return { host: toHost === '' ? host : toHost, port: toPort === '' ? port : Number(toPort) };
  }
  return undefined;
}

/** Splits on ':' outside brackets: '[::1]:80::8080' -> ['::1', '80', '', '8080']. */
function splitConnectTo(raw: string): [string, string, string, string] | undefined {
  const parts: string[] = [];
  let cur = '';
  let inBracket = false;
  for (const c of raw) {
    if (c === '[') inBracket = true;
    else if (c === ']') inBracket = false;
    else if (c === ':' && !inBracket) {
      parts.push(cur);
      cur = '';
      continue;
    }
    if (c !== '[' && c !== ']') cur += c;
  }
  parts.push(cur);
  if (parts.length !== 4) return undefined;
  for (const p of [parts[1]!, parts[3]!])
    if (p !== '' && (!/^\d{1,5}$/.test(p) || Number(p) > 65535)) return undefined;
  return parts as [string, string, string, string];
}
