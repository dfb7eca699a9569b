// The connection pool (libcurl's conncache): every connection of a Multi, the idle ones by reuse
// key, counts per host for maxHostConnections, idle ones in age order for eviction, and the busy
// multiplexed ones (HTTP/2) that can take another stream, by reuse key. All operations are O(1)
// (amortised) in the number of connections.
import type { Connection } from './connection.js';

/** libcurl's CURLOPT_MAXAGE_CONN default: idle connections older than this are not reused. */
export const DEFAULT_MAX_IDLE_AGE_MS = 118_000;

/**
 * The idle connections of one reuse key, linked through the connections (idleOlder / idleNewer),
 * most recent at the tail: taking the newest, adding one, and removing any (an eviction of the
 * oldest, a close) are O(1). An array needed indexOf + splice to remove, O(n) per close: closing
 * or evicting 10,000 idle connections of one key took O(n^2).
 */
interface IdleList {
  oldest: Connection | undefined;
  newest: Connection | undefined;
}

export class ConnectionPool {
  /** Every open connection, idle or in use. */
  readonly all = new Set<Connection>();
  private readonly idleByKey = new Map<string, IdleList>();
  /** Idle connections, oldest first (a Set keeps insertion order). */
  private readonly idleLru = new Set<Connection>();
  private readonly idleByHost = new Map<string, Set<Connection>>();
  private readonly hostCounts = new Map<string, number>();
  /** Busy multiplexed connections with a free stream, by reuse key. */
  private readonly multiplexByKey = new Map<string, Set<Connection>>();

  constructor(
    /** Called after a connection left the pool for good (closed), with the reason. */
    private readonly onClosed: (conn: Connection, reason: string) => void,
  ) {}

  get size(): number {
    return this.all.size;
  }
  get idleCount(): number {
    return this.idleLru.size;
  }
  hostCount(hostKey: string): number {
    return this.hostCounts.get(hostKey) ?? 0;
  }

  /** A new connection (connecting or connected) counts against the limits from now on. */
  add(conn: Connection): void {
    this.all.add(conn);
    this.hostCounts.set(conn.hostKey, this.hostCount(conn.hostKey) + 1);
  }

  /**
   * A busy multiplexed connection for `reuseKey` that accepts another stream now (HTTP/2), else
   * undefined. Preferred over an idle one, as libcurl prefers multiplexing to a new stream.
   */
  acquireMultiplexed(reuseKey: string): Connection | undefined {
    const set = this.multiplexByKey.get(reuseKey);
    if (set === undefined) return undefined;
    for (const conn of set) if (conn.session?.canOpenStream() === true) return conn;
    return undefined;
  }

  /**
   * After a stream was opened or finished on a connection in use: keep it findable by
   * acquireMultiplexed() while it is multiplexed and can take another stream.
   */
  updateMultiplexed(conn: Connection): void {
    const can =
      conn.multiplexed && conn.users > 0 && this.all.has(conn) && conn.session?.canOpenStream() === true;
    let set = this.multiplexByKey.get(conn.reuseKey);
    if (can) {
      if (set === undefined) this.multiplexByKey.set(conn.reuseKey, (set = new Set()));
      set.add(conn);
    } else if (set?.delete(conn) === true && set.size === 0) this.multiplexByKey.delete(conn.reuseKey);
  }

  /**
   * Take the most recently used idle connection for `reuseKey` that is alive and not older than
   * maxAgeMs; dead or too old ones met on the way are closed.
   */
  acquire(reuseKey: string, now: number, maxAgeMs: number): Connection | undefined {
    const list = this.idleByKey.get(reuseKey);
    if (list === undefined) return undefined;
    let conn: Connection | undefined;
    while ((conn = list.newest) !== undefined) {
      this.unidle(conn);
      if (now - conn.idleSince > maxAgeMs) this.close(conn, 'too old');
      else if (!conn.isAlive()) this.close(conn, 'dead');
      else break;
    }
    // An empty list stays for the next release (no object per request on a busy key); close()
    // drops it with the host's last connection.
    return conn;
  }

  /** Put a connection that finished its transfer back as idle. */
  release(conn: Connection, now: number): void {
    conn.idleSince = now;
    let list = this.idleByKey.get(conn.reuseKey);
    if (list === undefined)
      this.idleByKey.set(conn.reuseKey, (list = { oldest: undefined, newest: undefined }));
    conn.idleOlder = list.newest;
    conn.idleNewer = undefined;
    if (list.newest === undefined) list.oldest = conn;
    else list.newest.idleNewer = conn;
    list.newest = conn;
    this.idleLru.add(conn);
    let host = this.idleByHost.get(conn.hostKey);
    if (host === undefined) this.idleByHost.set(conn.hostKey, (host = new Set()));
    host.add(conn);
  }

  isIdle(conn: Connection): boolean {
    return this.idleLru.has(conn);
  }

  /** Close the oldest idle connection (of `hostKey` when given). False when there is none. */
  evictOldestIdle(hostKey?: string): boolean {
    const set = hostKey === undefined ? this.idleLru : this.idleByHost.get(hostKey);
    const oldest = set?.values().next().value;
    if (oldest === undefined) return false;
    this.close(oldest, 'evicted');
    return true;
  }

  /** Remove a connection from the pool and destroy it. */
  close(conn: Connection, reason: string): void {
    if (!this.detach(conn)) return;
    conn.destroy();
    this.onClosed(conn, reason);
  }

  /** Remove a connection from the pool without closing it (it goes to a Share). False when not here. */
  detach(conn: Connection): boolean {
    if (!this.all.delete(conn)) return false;
    if (this.idleLru.has(conn)) this.unidle(conn);
    const mux = this.multiplexByKey.get(conn.reuseKey);
    if (mux?.delete(conn) === true && mux.size === 0) this.multiplexByKey.delete(conn.reuseKey);
    const n = this.hostCount(conn.hostKey) - 1;
    if (n > 0) this.hostCounts.set(conn.hostKey, n);
    else {
      // The host's last connection: its (now empty) idle set goes too, so the sets are bounded by
      // the hosts with open connections.
      this.hostCounts.delete(conn.hostKey);
      this.idleByHost.delete(conn.hostKey);
    }
    if (this.idleByKey.get(conn.reuseKey)?.newest === undefined) this.idleByKey.delete(conn.reuseKey);
    return true;
  }

  private unidle(conn: Connection): void {
    this.idleLru.delete(conn);
    // Empty containers stay while the host has connections (see close()).
    this.idleByHost.get(conn.hostKey)?.delete(conn);
    const list = this.idleByKey.get(conn.reuseKey);
    if (list === undefined) return;
    const { idleOlder: older, idleNewer: newer } = conn;
    if (older === undefined) list.oldest = newer;
    else older.idleNewer = newer;
    if (newer === undefined) list.newest = older;
    else newer.idleOlder = older;
    conn.idleOlder = conn.idleNewer = undefined;
  }

  /** Idle connections, oldest first (for close()). */
  idle(): Connection[] {
    return [...this.idleLru];
  }
}
