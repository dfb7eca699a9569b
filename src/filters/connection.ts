// A connection: its filter chain plus what the pool and the HTTP/1 layer need to know about it.
import { ResponseReader } from '../proto/h1/response-reader.js';
import type { Socket } from '../transport/types.js';
import type { Filter } from './types.js';

let nextConnectionId = 0;

export class Connection {
  readonly id = nextConnectionId++;
  /** 'connecting' until the chain is connected; 'closed' once destroyed. */
  state: 'connecting' | 'connected' | 'closed' = 'connecting';
  /** Transfers using the connection now (HTTP/1: 0 or 1). */
  users = 0;
  /** Set when the connection must not be reused (Connection: close, error, forbidReuse...). */
  closeAfterUse = false;
  /** Transport time when it went idle into the pool. */
  idleSince = 0;
  /** Requests sent on it so far. */
  requests = 0;
  /** Can carry several transfers at once (HTTP/2). */
  multiplex = false;
  /** The server answered HTTP/1.0: later requests on it go as HTTP/1.0 (libcurl's httpversion_seen). */
  http10 = false;
  /** HTTP/1 response reader; keeps bytes a server sent past one response for the next. */
  readonly reader = new ResponseReader();

  constructor(
    /** 'host:port', the bucket for maxHostConnections. */
    readonly hostKey: string,
    /** Everything that must match for reuse: scheme, host, port, TLS settings, proxy, credentials. */
    readonly reuseKey: string,
    readonly host: string,
    readonly port: number,
    public top: Filter,
    readonly createdAt: number,
  ) {}

  /** The socket at the bottom of the chain, once one exists. */
  get socket(): Socket | undefined {
    return this.top.query('socket');
  }

  /** An idle HTTP/1 connection with unread input or EOF is dead (spec 9). */
  isAlive(): boolean {
    return this.state === 'connected' && !this.top.hasPendingData() && this.reader.bufferedBytes === 0;
  }

  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.top.destroy();
  }
}
