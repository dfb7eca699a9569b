// The client end of a simulated TCP connection: implements TransportSocket over two Pipes.
// Readiness is edge-like (mio's contract): a notification when a watched condition newly holds,
// always delivered by the scheduler, never from inside a socket method.
import {
  EOF,
  type Interest,
  type ReadResult,
  Ready,
  type TransportErrorLike,
  type TransportSocket,
} from '../types.js';
import { ChunkQueue } from './bytes.js';
import type { Pipe, PipeSink } from './link.js';
import type { SimEvent } from './scheduler.js';
import type { SimWorld } from './world.js';

/** A spurious wake-up is never produced more often than this per socket (keeps runs finite). */
const MAX_SPURIOUS_PER_SOCKET = 64;

export function transportError(code: string, message: string): TransportErrorLike {
  const err: TransportErrorLike = new Error(message);
  err.code = code;
  return err;
}

export class SimSocket implements TransportSocket, PipeSink {
  readonly fd: number;
  /** The network's own number for this socket (starts at 3 in every network; used by trace()). */
  readonly localFd: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  localAddress = '';
  localPort = 0;
  connecting = true;
  error: TransportErrorLike | undefined = undefined;
  destroyed = false;
  /** Client -> server; set when the connection is accepted. */
  out: Pipe | undefined = undefined;
  /** Server -> client; set when the connection is accepted (we acknowledge what we read). */
  in: Pipe | undefined = undefined;
  /** Fault settings for this socket. */
  maxWriteBytes = Number.POSITIVE_INFINITY;
  spuriousProbability = 0;
  /** Peer-side hook, told when the client closes. */
  onClose: (() => void) | undefined = undefined;

  private readonly recv = new ChunkQueue();
  private eof = false;
  private writeBlocked = false;
  private what = 0;
  private onReady: ((events: number) => void) | undefined = undefined;
  private pendingBits = 0;
  private notifyEvent: SimEvent | undefined = undefined;
  private spuriousCount = 0;

  constructor(
    private readonly world: SimWorld,
    remoteAddress: string,
    remotePort: number,
  ) {
    this.fd = world.allocFd();
    this.localFd = world.allocLocalFd();
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    world.liveSockets.add(this);
  }

  get hasPendingInput(): boolean {
    return this.recv.length > 0 || this.eof || this.error !== undefined;
  }

  /** True while someone is watching this socket (for leak checks). */
  get watched(): boolean {
    return this.what !== 0;
  }

  watch(what: Interest, onReady: (events: number) => void): void {
    if (this.destroyed) return;
    this.what = what;
    this.onReady = onReady;
    const holds = this.readyBits() & (what | Ready.ERR);
    if (holds) this.signal(holds);
    this.maybeSpurious();
  }

  unwatch(): void {
    this.what = 0;
    this.onReady = undefined;
    this.pendingBits = 0;
    this.world.sched.cancel(this.notifyEvent);
    this.notifyEvent = undefined;
  }

  read(): ReadResult {
    if (this.destroyed) return null;
    if (this.recv.length > 0) {
      // Data that arrived before a reset is still handed out first, as a kernel does.
      const bytes = this.recv.takeAll();
      this.in?.consumed(bytes.length);
      return bytes;
    }
    if (this.error) return null;
    return this.eof ? EOF : null;
  }

  write(data: Uint8Array): number {
    if (this.destroyed || this.error || this.connecting || !this.out || this.out.finSent) return 0;
    const n = Math.min(data.length, this.out.room(), this.maxWriteBytes);
    if (n > 0) this.out.send(n === data.length ? data : data.subarray(0, n));
    if (n < data.length) {
      this.writeBlocked = true;
      // A partial-write fault leaves the window open: say so on the next turn.
      if (this.out.room() > 0) this.world.sched.at(0, () => this.acked());
    }
    return n;
  }

  end(): void {
    if (this.destroyed || this.connecting) return;
    this.out?.fin();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.unwatch();
    this.destroyed = true;
    this.world.liveSockets.delete(this);
    if (this.in) this.in.dead = true;
    if (!this.error && this.out) this.out.fin();
    this.onClose?.();
    this.recv.clear();
  }

  // --- driven by the network ---

  established(localAddress: string, localPort: number, out: Pipe, inbound: Pipe): void {
    if (this.destroyed) return;
    this.localAddress = localAddress;
    this.localPort = localPort;
    this.out = out;
    this.in = inbound;
    this.connecting = false;
    this.signal(Ready.OUT);
  }

  fail(code: string, message: string): void {
    if (this.destroyed || this.error) return;
    this.error = transportError(code, message);
    this.connecting = false;
    if (this.out) this.out.dead = true;
    this.signal(Ready.ERR | Ready.IN | Ready.OUT);
  }

  arrive(bytes: Uint8Array): void {
    if (this.destroyed || this.error) return;
    this.recv.push(bytes);
    this.signal(Ready.IN);
  }

  arriveFin(): void {
    if (this.destroyed || this.error) return;
    this.eof = true;
    this.signal(Ready.IN);
  }

  arriveRst(): void {
    this.fail(
      'ECONNRESET',
      `read ECONNRESET (connection to ${this.remoteAddress}:${this.remotePort} reset by peer)`,
    );
  }

  /** The window reopened (or a partial write left room). */
  acked(): void {
    if (!this.writeBlocked || this.destroyed || this.error || !this.out || this.out.room() === 0) return;
    this.writeBlocked = false;
    this.signal(Ready.OUT);
  }

  private readyBits(): number {
    if (this.error) return Ready.ERR | Ready.IN | Ready.OUT;
    let bits = 0;
    if (this.recv.length > 0 || this.eof) bits |= Ready.IN;
    if (!this.connecting && !this.writeBlocked) bits |= Ready.OUT;
    return bits;
  }

  private signal(bits: number): void {
    if (this.what === 0 || this.destroyed) return;
    this.pendingBits |= bits;
    if (this.notifyEvent) return;
    this.notifyEvent = this.world.sched.at(0, () => this.deliver());
  }

  private deliver(): void {
    this.notifyEvent = undefined;
    const events =
      (this.pendingBits & (this.what | Ready.ERR)) | (this.pendingBits & Ready.ERR ? this.what : 0);
    this.pendingBits = 0;
    const cb = this.onReady;
    if (events === 0 || !cb) return;
    cb(events);
    this.maybeSpurious();
  }

  /** The spurious-readiness fault: a wake-up with nothing behind it. */
  private maybeSpurious(): void {
    if (this.spuriousProbability <= 0 || this.spuriousCount >= MAX_SPURIOUS_PER_SOCKET) return;
    if (!this.world.spuriousRng.chance(this.spuriousProbability)) return;
    this.spuriousCount++;
    this.world.sched.at(0, () => {
      const cb = this.onReady;
      if (!cb || this.destroyed || this.what === 0) return;
      this.world.stats.spurious++;
      cb(this.what);
    });
  }
}
