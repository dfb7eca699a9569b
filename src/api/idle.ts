// Keeping the process alive only while transfers run. A Client's sockets are unref'd as soon as
// they are created, so idle pooled connections never hold the event loop open; while at least one
// transfer runs, one ref'd timer does (undici does the same per socket with ref()/unref()).
// The NodeDriver's own timer only exists while a transfer has a deadline, so it needs nothing.
import { nodeTransport } from '../transport/node/transport.js';
import type {
  ConnectOptions,
  Resolution,
  TlsConnectOptions,
  TlsTransportSocket,
  Transport,
  TransportSocket,
} from '../transport/types.js';

/** Transport sockets that can stop holding the event loop open (NodeSocket can). */
function unrefSocket(socket: TransportSocket): void {
  (socket as TransportSocket & { unref?: () => void }).unref?.();
}

/** The Node transport, with every socket unref'd. */
export class UnrefTransport implements Transport {
  readonly name = 'node-unref';
  private readonly inner: Transport;
  constructor(inner: Transport = nodeTransport) {
    this.inner = inner;
  }
  now(): number {
    return this.inner.now();
  }
  wallClockMs(): number {
    return this.inner.wallClockMs();
  }
  resolve(host: string, family: 0 | 4 | 6): Resolution {
    return this.inner.resolve(host, family);
  }
  connect(options: ConnectOptions): TransportSocket {
    const socket = this.inner.connect(options);
    unrefSocket(socket);
    return socket;
  }
  startTls(socket: TransportSocket, options: TlsConnectOptions): TlsTransportSocket {
    const tlsSocket = this.inner.startTls(socket, options);
    unrefSocket(tlsSocket);
    return tlsSocket;
  }
}

// Far enough never to fire; it only has to exist (setInterval's maximum delay is 2^31-1 ms).
const HOLD_MS = 2 ** 31 - 1;

/**
 * A counter of running transfers that holds one ref'd handle while it is above zero. The handle is
 * made once and ref'd / unref'd (two flag changes), not made and cleared at each crossing of zero:
 * a transfer paused for its reader crosses it as often as its body fills.
 */
export class ActivityHold {
  private count = 0;
  private handle: NodeJS.Timeout | undefined;
  private closed = false;

  enter(): void {
    if (this.count++ === 0) {
      if (this.handle === undefined) this.handle = setInterval(() => {}, HOLD_MS);
      else this.handle.ref();
    }
  }

  leave(): void {
    if (--this.count !== 0) return;
    if (this.closed) this.clear();
    else this.handle?.unref();
  }

  /** The client closed: the handle is dropped once nothing holds it (at once when idle). */
  close(): void {
    this.closed = true;
    if (this.count === 0) this.clear();
  }

  private clear(): void {
    if (this.handle !== undefined) clearInterval(this.handle);
    this.handle = undefined;
  }

  get active(): number {
    return this.count;
  }
}
