// A connection: its filter chain (src/filters/) plus the protocol session running over it, and
// what the pool needs to know (keys, idle time, the transfers attached). Protocol specifics live
// in the session; the connection only says what it is waiting for on its socket.
import type { Filter, FilterQueries } from '../filters/types.js';
import type { Socket } from '../transport/types.js';
import type { Session, StreamOwner } from './types.js';

let nextConnectionId = 0;

/** No transfer attached yet (never written: attach() replaces it). */
const NO_OWNERS: never[] = [];

/** A connected socket's addresses, as the chain answered (undefined: it had none to give). */
export interface ConnectionAddresses {
  readonly remote: FilterQueries['remoteAddress'] | undefined;
  readonly local: FilterQueries['localAddress'] | undefined;
}

export class Connection {
  readonly id = nextConnectionId++;
  /** 'connecting' until the chain is connected; 'closed' once destroyed. */
  state: 'connecting' | 'connected' | 'closed' = 'connecting';
  /** The protocol session, once the chain is connected (the factory picks it by ALPN). */
  session: Session | undefined;
  /**
   * Transfers attached: the one(s) waiting for the chain to connect, then those with a stream.
   * HTTP/1: 0 or 1. Sessions hand streams out; this is what the pool and the limits count.
   * A first transfer gets an array of its own (`[owner]`): a push onto an empty array reserves 17
   * slots (152 bytes), which 10,000 open connections would each keep.
   */
  attached: StreamOwner[] = NO_OWNERS;
  /** Marked for closing: it wants nothing from its socket any more (closed after the REMOVE). */
  closing = false;
  /** Transport time when it went idle into the pool. */
  idleSince = 0;
  /** Requests sent on it so far. */
  requests = 0;
  /** In the pool's idle lists (pool.ts). */
  idle = false;
  /** The pool's list of idle connections of this reuse key, while idle. */
  idleOlder: Connection | undefined = undefined;
  idleNewer: Connection | undefined = undefined;
  /** The pool's list of idle connections of this host, while idle. */
  hostOlder: Connection | undefined = undefined;
  hostNewer: Connection | undefined = undefined;
  /** The pool's list of every idle connection in age order, while idle. */
  lruOlder: Connection | undefined = undefined;
  lruNewer: Connection | undefined = undefined;

  // The socket table's bookkeeping for this connection (it is the user of its socket).
  pollSocket: Socket | undefined = undefined;
  pollWhat = 0;
  /** Queued for a pollset update at the end of the current run. */
  dirty = false;
  /** The socket's two addresses, read from the chain once connected (see `addresses`). */
  private ends: ConnectionAddresses | undefined = undefined;

  constructor(
    /** 'host:port', the bucket for maxHostConnections. */
    readonly hostKey: string,
    /** Everything that must match for reuse (built by the factory: scheme, host, port, TLS, ...). */
    readonly reuseKey: string,
    readonly host: string,
    readonly port: number,
    public top: Filter,
    readonly createdAt: number,
  ) {}

  /** Transfers attached now. */
  get users(): number {
    return this.attached.length;
  }

  /** The socket at the bottom of the chain, once one exists. */
  get socket(): Socket | undefined {
    return this.top.query('socket');
  }

  /**
   * The remote and local address of the connected socket (CURLINFO_PRIMARY_IP/PORT and
   * LOCAL_IP/PORT of every request on it). They do not change while it is connected, so the chain
   * is asked once: not two new objects per request on a kept connection. Only once connected.
   */
  get addresses(): ConnectionAddresses {
    return (this.ends ??= {
      remote: this.top.query('remoteAddress'),
      local: this.top.query('localAddress'),
    });
  }

  /** Multiplexed (HTTP/2): busy, it may still accept streams. */
  get multiplexed(): boolean {
    return this.session?.multiplexed === true;
  }

  /** The socket interest: the chain's while connecting, then the session's (from its streams). */
  pollset(): number {
    if (this.closing || this.state === 'closed') return 0;
    if (this.state === 'connecting') return this.top.pollset(false, false);
    return this.session?.pollset() ?? 0;
  }

  /** May carry another request once its streams are done. */
  get reusable(): boolean {
    return this.state === 'connected' && !this.closing && this.session?.reusable === true;
  }

  /** An idle connection with unread input or EOF is dead (libcurl's Curl_conn_is_alive). */
  isAlive(): boolean {
    return this.state === 'connected' && this.session?.isAlive() === true;
  }

  /**
   * The chain finished connecting. A top filter that only passes through from now on (happy
   * eyeballs, when it is the bottom of a plain chain) is dropped: one call less per send and
   * receive, and its racing state is not kept for the connection's life.
   */
  markConnected(): void {
    this.state = 'connected';
    const inner = this.top.passThrough?.();
    if (inner !== undefined) this.top = inner;
  }

  attach(owner: StreamOwner): void {
    if (this.attached.length === 0) this.attached = [owner];
    else this.attached.push(owner);
  }

  detach(owner: StreamOwner): void {
    const a = this.attached;
    const i = a.lastIndexOf(owner);
    if (i === a.length - 1) a.pop();
    else if (i >= 0) a.splice(i, 1);
  }

  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.top.destroy();
  }
}
