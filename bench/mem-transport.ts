// The in-memory transport of the engine-only benches (socket-action-cost.ts, engine-cost.ts,
// h2-engine-cost.ts, api-cost.ts): every name resolves at once to 10.0.0.1, sockets are connected
// from the start and hold what the bench puts in their inbox, the clocks are the process's. No
// syscall, no event loop: only the engine's work is measured. runMemMulti drives a Multi over it.
import { type Easy, Multi, type MultiOptions, SOCKET_TIMEOUT } from '../src/index.js';
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
  /** Taken off the ready queue: tells the engine what is ready, if it still watches. */
  fire(): void {
    this.queued = false;
    if (this.onReady !== null) this.onReady(this.events);
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

/** One engine-only run: the transfers, how many at a time, and the Multi's and each Easy's options. */
export interface MemRun<S extends QueuedMemSocket> {
  transport: MemTransport<S>;
  /** The bench's ready queue: its sockets' enqueue() pushes them here. */
  readyQueue: S[];
  count: number;
  /** Transfers in flight (0: all added at once). */
  concurrency: number;
  /** Besides the transport and the socket and timer callbacks. */
  multi?: MultiOptions;
  /**
   * Each transfer's handle, with `write` as its writeFunction (it counts the body bytes). A literal
   * at the call site: options built by spreading a shared object cost the engine about twice the
   * CPU per request here (the objects do not share one shape).
   */
  easy(write: (chunk: Uint8Array) => number): Easy;
}

/**
 * `count` transfers over a Multi on the in-memory transport, the application loop of the README
 * (socket and timer callbacks) with the ready queue as its epoll: a finished transfer is replaced
 * at once. Returns the CPU per request (us) and the body bytes received; throws on a failed
 * transfer or when nothing is ready and no timer is due before the end.
 */
export function runMemMulti<S extends QueuedMemSocket>(r: MemRun<S>): { us: number; bytes: number } {
  let timerDue = false;
  const multi = new Multi({
    ...r.multi,
    transport: r.transport,
    socketFunction(_easy, socket, what, socketp) {
      if (what === Poll.REMOVE) {
        socket.unwatch();
        return;
      }
      let ready = socketp as ((events: number) => void) | undefined;
      if (ready === undefined) {
        ready = (events) => multi.socketAction(socket, events);
        multi.assign(socket, ready);
      }
      socket.watch(what as Interest, ready);
    },
    timerFunction(ms) {
      timerDue = ms >= 0;
    },
  });
  const { count, readyQueue } = r;
  let issued = 0;
  let done = 0;
  let bytes = 0;
  const add = (): void => {
    issued++;
    multi.addHandle(
      r.easy((chunk) => {
        bytes += chunk.length;
        return chunk.length;
      }),
    );
  };
  const drain = (): void => {
    for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) {
      if (m.result !== 0) throw new Error(`transfer failed: ${m.result} ${m.easy.errorBuffer}`);
      done++;
      multi.removeHandle(m.easy);
      if (issued < count) add();
    }
  };
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < (r.concurrency === 0 ? count : r.concurrency); i++) add();
  while (done < count) {
    if (timerDue) {
      timerDue = false;
      multi.socketAction(SOCKET_TIMEOUT, 0);
      drain();
    }
    const batch = readyQueue.splice(0);
    if (batch.length === 0 && !timerDue && done < count) throw new Error(`stalled at ${done} of ${count}`);
    for (const s of batch) {
      s.fire();
      drain();
    }
  }
  const cpu = process.cpuUsage(cpu0);
  multi.close();
  return { us: (cpu.user + cpu.system) / count, bytes };
}

/** A response of `body` bytes as nginx sends it, cut into the reads the Node transport makes (64 KiB at most). */
export function nginxResponseReads(body: number): Buffer[] {
  const all = Buffer.concat([
    Buffer.from(
      'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 06 Dec 2026 08:00:00 GMT\r\n' +
        `Content-Type: application/octet-stream\r\nContent-Length: ${body}\r\n` +
        'Last-Modified: Sun, 06 Dec 2026 07:00:00 GMT\r\nConnection: keep-alive\r\n' +
        'ETag: "6932d8f0-400"\r\nAccept-Ranges: bytes\r\n\r\n',
    ),
    Buffer.alloc(body, 120),
  ]);
  const reads: Buffer[] = [];
  for (let at = 0; at < all.length; at += 64 * 1024) reads.push(all.subarray(at, at + 64 * 1024));
  return reads;
}
