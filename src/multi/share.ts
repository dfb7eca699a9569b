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
import { DEFAULT_MAX_IDLE_AGE_MS, type PoolTell } from '../conn/pool.js';
import { TlsSessionCache } from '../filters/tls-sessions.js';
import type { Transport } from '../transport/types.js';
import { DnsCache } from './dns-cache.js';
import { CookieJar } from './features/cookies.js';
import type { Multi } from './multi.js';
import { poolTellFor } from './pool-lines.js';
import type { Transfer } from './transfer.js';

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
  /** The shared DNS cache ('dns'). */
  readonly dnsCache: DnsCache | undefined;
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
    this.dnsCache = this.shares.has('dns') ? new DnsCache(SHARED_DNS_MAX_ENTRIES) : undefined;
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
    this.dnsCache?.clear();
  }

  /** @internal The default dnsCacheTimeout of the shared cache, in ms. */
  get dnsCacheTimeoutMs(): number {
    return this.dnsTimeout;
  }

  /**
   * @internal An idle connection for `reuseKey` over `transport` (a socket of one transport means
   * nothing to another), most recent first; dead and too old ones are closed on the way.
   */
  take(reuseKey: string, transport: Transport, now: number, tell?: PoolTell): Connection | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const e = this.idle[i]!;
      if (e.conn.reuseKey !== reuseKey || e.transport !== transport) continue;
      this.idle.splice(i, 1);
      const idleMs = now - e.since;
      const tooOld = idleMs > this.maxAge;
      if (tooOld || !e.conn.isAlive()) {
        tell?.discarded(e.conn, idleMs, tooOld ? this.maxAge : undefined);
        e.conn.destroy();
        continue;
      }
      return e.conn;
    }
    return undefined;
  }

  /**
   * @internal Keep a connection no transfer uses (past maxIdleConnections the oldest go, told to
   * `tell`); false when the Share does not share connections.
   */
  put(conn: Connection, transport: Transport, now: number, tell?: PoolTell): boolean {
    if (!this.shares.has('connect') || this.closed) return false;
    conn.idleSince = now;
    this.idle.push({ conn, transport, since: now });
    if (this.idle.length > this.maxIdle) tell?.full(this.idle.length, this.maxIdle);
    while (this.idle.length > this.maxIdle) {
      const oldest = this.idle.shift()!.conn;
      oldest.destroy();
      tell?.evicted(oldest);
    }
    return true;
  }
}

// ------------------------------------------------------------- transfer hooks

/** The DNS cache a transfer uses (the Share's when it shares DNS, else its Multi's) and its default timeout. */
export function dnsCacheFor(m: Multi, share: Share | undefined): { cache: DnsCache; defaultMs: number } {
  const shared = share?.dnsCache;
  return shared === undefined
    ? { cache: m.dnsCache, defaultMs: m.dnsCacheTimeoutMs }
    : { cache: shared, defaultMs: share!.dnsCacheTimeoutMs };
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
  t?: Transfer,
): Connection | undefined {
  if (share === undefined || !share.shares.has('connect')) return undefined;
  if (m.connectionSlot(hostKey) !== 'ok') return undefined;
  const conn = share.take(reuseKey, m.transport, now, poolTellFor(m, t));
  if (conn === undefined) return undefined;
  m.addConnection(conn);
  m.publishConnection('reuse', conn);
  return conn;
}

/** A reusable connection after its transfer: to the Share (true) or back to the Multi's pool (false). */
export function releaseShared(
  m: Multi,
  share: Share | undefined,
  conn: Connection,
  now: number,
  t?: Transfer,
): boolean {
  if (share === undefined || !share.shares.has('connect')) return false;
  if (conn.state !== 'connected' || conn.users > 0) return false;
  if (!m.detachConnection(conn, now)) return false;
  if (!share.put(conn, m.transport, now, poolTellFor(m, t))) {
    conn.destroy();
  }
  return true;
}
