// The connection pool (libcurl's conncache): every connection of a Multi, the idle ones by reuse
// key, counts per host for maxHostConnections, idle ones in age order for eviction, and the busy
// multiplexed ones (HTTP/2) that can take another stream, by reuse key. All operations are O(1)
// (amortised) in the number of connections.
import type { Connection } from './connection.js';

/** libcurl's CURLOPT_MAXAGE_CONN default: idle connections older than this are not reused. */
export const DEFAULT_MAX_IDLE_AGE_MS = 118_000;

/**
 * Idle connections linked through the connections themselves, most recent at the tail: taking the
 * newest, adding one, and removing any (an eviction of the oldest, a close) are O(1). Three lists
 * run through each idle connection: its reuse key's (idleOlder / idleNewer), its host's
 * (hostOlder / hostNewer) and the pool's age order over every key (lruOlder / lruNewer). An
 * array needed indexOf + splice to remove, O(n) per close; a Set's first entry is found by
 * skipping the deleted ones before it, O(n) per eviction of the oldest while many were evicted
 * before (10,000 idle connections evicted one by one as the handles are removed took O(n^2)).
 */
interface IdleList {
  oldest: Connection | undefined;
  newest: Connection | undefined;
}

/**
 * Which list: its link fields on the connection are picked by a switch on this constant (each
 * load and store a plain named one, the branch folded where the list is known), not by a field
 * name held in a variable (a keyed access whose name varies misses V8's inline caches every time).
 */
const BY_KEY = 0; // idleOlder / idleNewer
const BY_AGE = 1; // lruOlder / lruNewer
const BY_HOST = 2; // hostOlder / hostNewer
type Links = typeof BY_KEY | typeof BY_AGE | typeof BY_HOST;

function olderOf(c: Connection, l: Links): Connection | undefined {
  return l === BY_KEY ? c.idleOlder : l === BY_AGE ? c.lruOlder : c.hostOlder;
}
function newerOf(c: Connection, l: Links): Connection | undefined {
  return l === BY_KEY ? c.idleNewer : l === BY_AGE ? c.lruNewer : c.hostNewer;
}
function setOlder(c: Connection, l: Links, v: Connection | undefined): void {
  if (l === BY_KEY) c.idleOlder = v;
  else if (l === BY_AGE) c.lruOlder = v;
  else c.hostOlder = v;
}
function setNewer(c: Connection, l: Links, v: Connection | undefined): void {
  if (l === BY_KEY) c.idleNewer = v;
  else if (l === BY_AGE) c.lruNewer = v;
  else c.hostNewer = v;
}

/** Append `conn` as the newest of `list`. */
function append(list: IdleList, conn: Connection, l: Links): void {
  setOlder(conn, l, list.newest);
  setNewer(conn, l, undefined);
  if (list.newest === undefined) list.oldest = conn;
  else setNewer(list.newest, l, conn);
  list.newest = conn;
}

/** Take `conn` out of `list` (it is in it). */
function unlink(list: IdleList, conn: Connection, l: Links): void {
  const o = olderOf(conn, l);
  const n = newerOf(conn, l);
  if (o === undefined) list.oldest = n;
  else setNewer(o, l, n);
  if (n === undefined) list.newest = o;
  else setOlder(n, l, o);
  setOlder(conn, l, undefined);
  setNewer(conn, l, undefined);
}

/**
 * Told about idle connections a pool closes on its own (for curl's verbose lines, said to the
 * transfer that caused it).
 */
export interface PoolTell {
  /** Found unusable on reuse: idle longer than `maxIdleMs` (when given), else dead. */
  discarded(conn: Connection, idleMs: number, maxIdleMs: number | undefined): void;
  /** `count` idle connections where `max` are kept: the oldest go, each then evicted(). */
  full(count: number, max: number): void;
  evicted(conn: Connection): void;
}

export class ConnectionPool {
  /** Every open connection, idle or in use. */
  readonly all = new Set<Connection>();
  private readonly idleByKey = new Map<string, IdleList>();
  /** Idle connections of every key, oldest first. */
  private readonly idleLru: IdleList = { oldest: undefined, newest: undefined };
  private idleTotal = 0;
  private readonly idleByHost = new Map<string, IdleList>();
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
    return this.idleTotal;
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
   * maxAgeMs; dead or too old ones met on the way are closed (each told to `tell` first).
   */
  acquire(reuseKey: string, now: number, maxAgeMs: number, tell?: PoolTell): Connection | undefined {
    const list = this.idleByKey.get(reuseKey);
    if (list === undefined) return undefined;
    let conn: Connection | undefined;
    while ((conn = list.newest) !== undefined) {
      this.unidle(conn);
      const idleMs = now - conn.idleSince;
      if (idleMs > maxAgeMs) {
        tell?.discarded(conn, idleMs, maxAgeMs);
        this.close(conn, 'too old');
      } else if (!conn.isAlive()) {
        tell?.discarded(conn, idleMs, undefined);
        this.close(conn, 'dead');
      } else break;
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
    append(list, conn, BY_KEY);
    append(this.idleLru, conn, BY_AGE);
    let host = this.idleByHost.get(conn.hostKey);
    if (host === undefined)
      this.idleByHost.set(conn.hostKey, (host = { oldest: undefined, newest: undefined }));
    append(host, conn, BY_HOST);
    conn.idle = true;
    this.idleTotal++;
  }

  isIdle(conn: Connection): boolean {
    return conn.idle;
  }

  /** Close the oldest idle connection (of `hostKey` when given). False when there is none. */
  evictOldestIdle(hostKey?: string): boolean {
    return this.evictOldest(hostKey) !== undefined;
  }

  /** evictOldestIdle() that returns the connection it closed (undefined when there is none). */
  evictOldest(hostKey?: string): Connection | undefined {
    const oldest = hostKey === undefined ? this.idleLru.oldest : this.idleByHost.get(hostKey)?.oldest;
    if (oldest !== undefined) this.close(oldest, 'evicted');
    return oldest;
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
    if (conn.idle) this.unidle(conn);
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
    conn.idle = false;
    this.idleTotal--;
    unlink(this.idleLru, conn, BY_AGE);
    // Empty containers stay while the host has connections (see close()).
    const host = this.idleByHost.get(conn.hostKey);
    if (host !== undefined) unlink(host, conn, BY_HOST);
    const list = this.idleByKey.get(conn.reuseKey);
    if (list !== undefined) unlink(list, conn, BY_KEY);
  }

  /** Idle connections, oldest first (for close()). */
  idle(): Connection[] {
    const out: Connection[] = [];
    for (let c = this.idleLru.oldest; c !== undefined; c = c.lruNewer) out.push(c);
    return out;
  }
}
