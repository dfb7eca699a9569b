// The in-memory transport of the engine-only benches (socket-action-cost.ts, engine-cost.ts): every
// name resolves at once to 10.0.0.1, sockets are connected from the start and hold what the bench
// puts in their inbox, the clocks are the process's. No syscall, no event loop: only the engine's
// work is measured.
import { Poll } from '../src/multi/constants.js';
import { nextSyntheticFd } from '../src/transport/fd.js';
import type {
  ConnectOptions,
  Interest,
  ReadResult,
  Resolution,
  TlsTransportSocket,
  Transport,
  TransportSocket,
} from '../src/transport/types.js';

/** A connected socket: read() hands out the inbox; a bench decides what writing does and watching means. */
export abstract class MemSocket implements TransportSocket {
  readonly fd = nextSyntheticFd();
  connecting = false;
  error = undefined;
  remoteAddress = '10.0.0.1';
  remotePort = 80;
  localAddress = '10.0.0.2';
  localPort = 40000;
  inbox: Buffer[] = [];
  get hasPendingInput(): boolean {
    return this.inbox.length > 0;
  }
  abstract watch(what: Interest, onReady: (events: number) => void): void;
  abstract unwatch(): void;
  abstract write(data: Uint8Array): number;
  read(): ReadResult {
    return this.inbox.shift() ?? null;
  }
  end(): void {}
  destroy(): void {
    this.unwatch();
  }
}

/**
 * A socket whose readiness is level-triggered through the bench's ready queue (its epoll): while
 * a watched condition holds (OUT, or IN with something in the inbox) it is queued once; the bench
 * drains the queue, clears `queued` and calls `onReady(socket.events)`.
 */
export abstract class QueuedMemSocket extends MemSocket {
  what = 0;
  onReady: ((events: number) => void) | null = null;
  queued = false;
  /** Puts this socket on the bench's ready queue. */
  protected abstract enqueue(): void;
  watch(what: Interest, onReady: (events: number) => void): void {
    this.what = what;
    this.onReady = onReady;
    this.poke();
  }
  unwatch(): void {
    this.what = 0;
    this.onReady = null;
  }
  /** Queued while a watched condition holds. */
  poke(): void {
    if (this.queued || this.what === 0) return;
    if ((this.what & Poll.OUT) !== 0 || ((this.what & Poll.IN) !== 0 && this.inbox.length > 0)) {
      this.queued = true;
      this.enqueue();
    }
  }
  /** What a ready socket reports. */
  get events(): number {
    return (this.inbox.length > 0 ? Poll.IN : 0) | (this.what & Poll.OUT);
  }
}

/** Makes its sockets with `make` and keeps them in `sockets`. */
export class MemTransport<S extends MemSocket> implements Transport {
  readonly name = 'mem';
  readonly sockets: S[] = [];
  constructor(private readonly make: () => S) {}
  now(): number {
    return performance.now();
  }
  wallClockMs(): number {
    return Date.now();
  }
  resolve(_host: string): Resolution {
    return {
      fd: nextSyntheticFd(),
      result: { addresses: [{ address: '10.0.0.1', family: 4 }] },
      watch() {},
      unwatch() {},
      cancel() {},
    };
  }
  connect(_o: ConnectOptions): TransportSocket {
    const s = this.make();
    this.sockets.push(s);
    return s;
  }
  startTls(): TlsTransportSocket {
    throw new Error('no TLS in the in-memory benches');
  }
}
