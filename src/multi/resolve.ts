// Name resolution for a transfer (libcurl's hostip.c + the resolver backends): the transfer's
// `resolve` entries are loaded into its DNS cache, a fresh cache entry answers at once, anything
// else is looked up - through the system resolver by default, c-ares with the DNS options, or
// DNS-over-HTTPS with dohUrl - and stored with the transfer's dnsCacheTimeout. Lookups of the same
// name in flight are shared: one query however many transfers wait for it, so a slow name holds
// up only the transfers that need it, and never a resolver thread per transfer.
import { ipVersion } from '../proto/ip.js';
import type { Resolution, ResolvedAddress, ResolveOptions, Transport } from '../transport/types.js';
import { DEFAULT_DNS_CACHE_TIMEOUT_MS, type DnsCache, loadResolveEntries } from './dns-cache.js';
import type { EasyOptions } from './options.js';

/** The cache timeout a transfer uses, in ms: its own option, else its cache owner's default. */
export function dnsTimeoutMs(o: EasyOptions, ownerDefaultMs: number = DEFAULT_DNS_CACHE_TIMEOUT_MS): number {
  if (o.dnsCacheTimeout === undefined) return ownerDefaultMs;
  return o.dnsCacheTimeout < 0 ? -1 : o.dnsCacheTimeout * 1000;
}

export function familyOf(o: EasyOptions): 0 | 4 | 6 {
  return o.ipResolve === 1 ? 4 : o.ipResolve === 2 ? 6 : 0;
}

export function resolveOptionsOf(o: EasyOptions): ResolveOptions | undefined {
  if (
    o.dnsServers === undefined &&
    o.dnsInterface === undefined &&
    o.dnsLocalIp4 === undefined &&
    o.dnsLocalIp6 === undefined
  ) {
    return undefined;
  }
  return {
    servers: o.dnsServers
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    interface: o.dnsInterface,
    localIp4: o.dnsLocalIp4,
    localIp6: o.dnsLocalIp6,
  };
}

/**
 * curl 8's lines after a name was looked up (hostip.c's show_resolve_info, curl 8.5.0 on): "Host
 * H:P was resolved.", then each family's addresses in the answer's order, "(none)" for a family
 * without any. Nothing for an IP address, or for an answer from the cache (which says "Hostname H
 * was found in DNS cache" instead).
 */
export function resolvedLines(host: string, port: number, addrs: readonly ResolvedAddress[]): string[] {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (host === '' || ipVersion(bare) !== 0) return [];
  const list = (family: 4 | 6) =>
    addrs
      .filter((a) => a.family === family)
      .map((a) => a.address)
      .join(', ') || '(none)';
  return [`Host ${host}:${port} was resolved.\n`, `IPv6: ${list(6)}\n`, `IPv4: ${list(4)}\n`];
}

/** Addresses of the wanted family from a cache entry (ipResolve filters cached answers too). */
function pick(addrs: ResolvedAddress[], family: 0 | 4 | 6): ResolvedAddress[] {
  return family === 0 ? addrs : addrs.filter((a) => a.family === family);
}

/**
 * The cached answer for host:port after loading the transfer's `resolve` entries; undefined when a
 * lookup is needed.
 */
export function cachedLookup(
  cache: DnsCache,
  o: EasyOptions,
  host: string,
  port: number,
  now: number,
  ownerDefaultMs?: number,
): ResolvedAddress[] | undefined {
  loadResolveEntries(cache, o.resolve, now);
  const hit = cache.get(host, port, now, dnsTimeoutMs(o, ownerDefaultMs));
  if (hit === undefined) return undefined;
  const addrs = pick(hit, familyOf(o));
  return addrs.length > 0 ? addrs : undefined;
}

export function storeLookup(
  cache: DnsCache,
  o: EasyOptions,
  host: string,
  port: number,
  addresses: ResolvedAddress[],
  now: number,
  ownerDefaultMs?: number,
  maxAgeMs?: number,
): void {
  cache.put(host, port, addresses, now, dnsTimeoutMs(o, ownerDefaultMs), maxAgeMs);
}

/**
 * Lookups in flight, per Multi: one lookup is shared by every transfer waiting for the same name
 * (and family and resolver). It is one socket for the socket callback, and it is cancelled only
 * when the last of them lets go (`release`).
 */
export class InflightLookups {
  private readonly byKey = new Map<string, Resolution>();
  private readonly users = new Map<Resolution, { key: string; count: number }>();

  get size(): number {
    return this.byKey.size;
  }

  /** A lookup of `host` (one query for all askers until it completes); release() it when done. */
  start(
    transport: Transport,
    host: string,
    family: 0 | 4 | 6,
    options: ResolveOptions | undefined,
  ): Resolution {
    const key = `${host.toLowerCase()}|${family}|${options === undefined ? '' : JSON.stringify(options)}`;
    const shared = this.byKey.get(key);
    if (shared !== undefined && shared.result === undefined) {
      this.users.get(shared)!.count++;
      return shared;
    }
    const r = transport.resolve(host, family, options);
    if (r.result !== undefined) return r;
    this.byKey.set(key, r);
    this.users.set(r, { key, count: 1 });
    return r;
  }

  /** One asker is done with `r` (it has the answer, or gave up): the last one cancels it. */
  release(r: Resolution): void {
    const u = this.users.get(r);
    if (u !== undefined && --u.count > 0) return;
    if (u !== undefined) {
      this.users.delete(r);
      if (this.byKey.get(u.key) === r) this.byKey.delete(u.key);
    }
    r.cancel();
  }
}
