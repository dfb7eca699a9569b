// The share interface (libcurl's curl_share_*): a Share set on several Easy handles (in one Multi
// or in several) gives them one cookie store, one DNS cache and one set of idle connections.
//
// Connections: only idle connections are shared. A transfer of a share with 'connect' that ends
// with a reusable connection hands it from its Multi's pool to the Share; a transfer of another
// (or the same) Multi that finds no idle connection of its own takes one from the Share and its
// Multi owns it while in use: only that Multi's transfer ever announces the socket through the
// socket callback, and an idle connection in the Share is watched by nobody (as in a pool).
// Everything runs on one thread: libcurl's lock callbacks have nothing to guard.
import type { Connection } from '../conn/connection.js';
import { DEFAULT_MAX_IDLE_AGE_MS } from '../conn/pool.js';
import { TlsSessionCache } from '../filters/tls-sessions.js';
import type { ResolvedAddress, Transport } from '../transport/types.js';
import { CookieJar } from './features/cookies.js';
import type { Multi } from './multi.js';

/** CURL_LOCK_DATA_* that can be shared (psl and hsts have nothing to share yet). */
export type ShareData = 'cookie' | 'dns' | 'connect' | 'ssl_session';
const SHARE_DATA: ReadonlySet<string> = new Set<ShareData>(['cookie', 'dns', 'connect', 'ssl_session']);

export interface ShareOptions {
  /** CURLSHOPT_SHARE for each: what the handles of this Share have in common. */
  share: ShareData[];
  /** How long a shared DNS answer is used (libcurl's CURLOPT_DNS_CACHE_TIMEOUT default: 60 s; 0 = not cached). */
  dnsCacheTimeoutMs?: number;
  /** Idle connections kept at most (the oldest closes first). */
  maxIdleConnections?: number;
  /** Idle connections older than this are not reused (libcurl's CURLOPT_MAXAGE_CONN: 118 s). */
  maxIdleAgeMs?: number;
}

/** Shared DNS answers kept at most (the oldest go first). */
const SHARED_DNS_MAX_ENTRIES = 10_000;
const DEFAULT_MAX_IDLE_SHARED = 20;

interface IdleEntry {
  conn: Connection;
  transport: Transport;
  since: number;
}

export class Share {
  readonly shares: ReadonlySet<ShareData>;
  /** The shared cookie store ('cookie'). */
  readonly cookies: CookieJar | undefined;
  /** The shared TLS session cache ('ssl_session'): resumption across the handles of the Share. */
  readonly tlsSessions: TlsSessionCache | undefined;
  private readonly dns: Map<string, { addresses: ResolvedAddress[]; expires: number }> | undefined;
  /** Idle connections, oldest first. */
  private readonly idle: IdleEntry[] = [];
  private readonly dnsTimeout: number;
  private readonly maxIdle: number;
  private readonly maxAge: number;
  private closed = false;

  constructor(options: ShareOptions) {
    if (!Array.isArray(options?.share)) throw new TypeError("Share: 'share' must be an array");
    for (const d of options.share) {
      if (!SHARE_DATA.has(d)) throw new TypeError(`Share: cannot share '${String(d)}' (CURLSHE_BAD_OPTION)`);
    }
    this.shares = new Set(options.share);
    this.cookies = this.shares.has('cookie') ? new CookieJar() : undefined;
    this.dns = this.shares.has('dns') ? new Map() : undefined;
    this.tlsSessions = this.shares.has('ssl_session') ? new TlsSessionCache() : undefined;
    this.dnsTimeout = options.dnsCacheTimeoutMs ?? 60_000;
    this.maxIdle = options.maxIdleConnections ?? DEFAULT_MAX_IDLE_SHARED;
    this.maxAge = options.maxIdleAgeMs ?? DEFAULT_MAX_IDLE_AGE_MS;
  }

  /** Idle connections held now. */
  get idleConnections(): number {
    return this.idle.length;
  }

  /** curl_share_cleanup: closes the idle connections; the Share takes no more. */
  close(): void {
    this.closed = true;
    for (const e of this.idle.splice(0)) e.conn.destroy();
    this.dns?.clear();
  }

  /** @internal The shared DNS cache is on. */
  get sharesDns(): boolean {
    return this.dns !== undefined;
  }

  /** @internal */
  cachedAddresses(host: string, now: number): ResolvedAddress[] | undefined {
    const e = this.dns?.get(host);
    if (e === undefined) return undefined;
    if (e.expires <= now) {
      this.dns!.delete(host);
      return undefined;
    }
    return e.addresses;
  }

  /** @internal */
  cacheAddresses(host: string, addresses: ResolvedAddress[], now: number): void {
    const dns = this.dns;
    if (dns === undefined || this.dnsTimeout === 0) return;
    dns.delete(host);
    dns.set(host, { addresses, expires: now + this.dnsTimeout });
    if (dns.size > SHARED_DNS_MAX_ENTRIES) dns.delete(dns.keys().next().value!);
  }

  /**
   * @internal An idle connection for `reuseKey` over `transport` (a socket of one transport means
   * nothing to another), most recent first; dead and too old ones are closed on the way.
   */
  take(reuseKey: string, transport: Transport, now: number): Connection | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const e = this.idle[i]!;
      if (e.conn.reuseKey !== reuseKey || e.transport !== transport) continue;
      this.idle.splice(i, 1);
      if (now - e.since > this.maxAge || !e.conn.isAlive()) {
        e.conn.destroy();
        continue;
      }
      return e.conn;
    }
    return undefined;
  }

  /** @internal Keep a connection no transfer uses; false when the Share does not share connections. */
  put(conn: Connection, transport: Transport, now: number): boolean {
    if (!this.shares.has('connect') || this.closed) return false;
    conn.idleSince = now;
    this.idle.push({ conn, transport, since: now });
    while (this.idle.length > this.maxIdle) this.idle.shift()!.conn.destroy();
    return true;
  }
}

// ------------------------------------------------------------- transfer hooks

/** Cached addresses for `host`: the Share's cache when it shares DNS, else the Multi's. */
export function cachedAddressesFor(
  m: Multi,
  share: Share | undefined,
  host: string,
  now: number,
): ResolvedAddress[] | undefined {
  return share?.sharesDns ? share.cachedAddresses(host, now) : m.cachedAddresses(host, now);
}

export function cacheAddressesFor(
  m: Multi,
  share: Share | undefined,
  host: string,
  addresses: ResolvedAddress[],
  now: number,
): void {
  if (share?.sharesDns) share.cacheAddresses(host, addresses, now);
  else m.cacheAddresses(host, addresses, now);
}

/**
 * An idle connection from the Share when the Multi has none: it joins the Multi's pool (counted
 * against its limits; none is taken when a limit is in the way) and is the Multi's while in use.
 */
export function acquireShared(
  m: Multi,
  share: Share | undefined,
  reuseKey: string,
  hostKey: string,
  now: number,
): Connection | undefined {
  if (share === undefined || !share.shares.has('connect')) return undefined;
  if (m.connectionSlot(hostKey) !== 'ok') return undefined;
  const conn = share.take(reuseKey, m.transport, now);
  if (conn === undefined) return undefined;
  m.addConnection(conn);
  m.publishConnection('reuse', conn);
  return conn;
}

/** A reusable connection after its transfer: to the Share (true) or back to the Multi's pool (false). */
export function releaseShared(m: Multi, share: Share | undefined, conn: Connection, now: number): boolean {
  if (share === undefined || !share.shares.has('connect')) return false;
  if (conn.state !== 'connected' || conn.users > 0) return false;
  if (!m.detachConnection(conn, now)) return false;
  if (!share.put(conn, m.transport, now)) {
    conn.destroy();
  }
  return true;
}
