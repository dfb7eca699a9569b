// A TCP socket over net.Socket in paused mode: the engine pulls with read() and pushes with
// write(); readiness comes from the stream's own 'readable' / 'connect' / 'drain' / 'error'
// notifications. A fixed set of listeners per socket, no allocation per event.
import { connect, type Socket as NetSocket } from 'node:net';
import { nextSyntheticFd } from '../fd.js';
import {
  type ConnectOptions,
  EOF,
  type Interest,
  type ReadResult,
  Ready,
  type TransportErrorLike,
  type TransportSocket,
} from '../types.js';

export class NodeSocket implements TransportSocket {
  readonly fd: number;
  connecting = true;
  error: TransportErrorLike | undefined;
  hasPendingInput = false;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly sock: NetSocket;
  private what = 0;
  private onReady: ((events: number) => void) | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private ended = false;
  private destroyed = false;
  private needDrain = false;

  constructor(o: ConnectOptions) {
    this.remoteAddress = o.address;
    this.remotePort = o.port;
    const sock = connect({
      host: o.address,
      port: o.port,
      family: o.family,
      ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }),
      noDelay: true,
    });
    this.sock = sock;
    const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
    this.fd = typeof fd === 'number' && fd >= 0 ? fd : nextSyntheticFd();
    sock.on('connect', () => {
      this.connecting = false;
      this.notify(Ready.OUT);
    });
    sock.on('readable', () => {
      this.hasPendingInput = true;
      this.notify(Ready.IN);
    });
    sock.on('end', () => {
      this.ended = true;
      this.hasPendingInput = true;
      this.notify(Ready.IN);
    });
    sock.on('drain', () => {
      this.needDrain = false;
      this.notify(Ready.OUT);
    });
    sock.on('error', (err: TransportErrorLike) => {
      this.error ??= err;
      this.connecting = false;
      this.hasPendingInput = true;
      this.notify(Ready.ERR | Ready.IN | Ready.OUT);
    });
  }

  get localAddress(): string {
    return this.sock.localAddress ?? '';
  }
  get localPort(): number {
    return this.sock.localPort ?? 0;
  }

  private notify(events: number): void {
    if (this.destroyed) return;
    const fn = this.onReady;
    if (fn === undefined) return;
    const relevant = events & (this.what | Ready.ERR);
    if (relevant !== 0) fn(relevant);
  }

  watch(what: Interest, onReady: (events: number) => void): void {
    if (this.destroyed) return;
    this.what = what;
    this.onReady = onReady;
    const ready = this.readyNow();
    if (ready !== 0 && this.scheduled === undefined) {
      this.scheduled = setImmediate(() => {
        this.scheduled = undefined;
        const now = this.readyNow();
        if (now !== 0) this.onReady?.(now);
      });
    }
  }

  private readyNow(): number {
    let r = 0;
    if (this.error !== undefined) return Ready.ERR | (this.what & (Ready.IN | Ready.OUT));
    if (this.what & Ready.IN && (this.sock.readableLength > 0 || this.ended)) r |= Ready.IN;
    if (this.what & Ready.OUT && !this.connecting && !this.needDrain) r |= Ready.OUT;
    return r;
  }

  unwatch(): void {
    this.what = 0;
    this.onReady = undefined;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  read(): ReadResult {
    if (this.destroyed || this.error !== undefined) return null;
    const chunk = this.sock.read() as Buffer | null;
    if (chunk !== null) {
      this.hasPendingInput = this.sock.readableLength > 0;
      return chunk;
    }
    // 'end' is emitted only on a later tick; the stream state knows at once that EOF was pushed.
    if (
      !this.ended &&
      (this.sock as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended
    ) {
      this.ended = true;
    }
    this.hasPendingInput = this.ended;
    return this.ended ? EOF : null;
  }

  write(data: Uint8Array): number {
    if (this.destroyed || this.error !== undefined || this.connecting || this.needDrain) return 0;
    if (!this.sock.write(data)) this.needDrain = true;
    return data.length;
  }

  end(): void {
    if (!this.destroyed) this.sock.end();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.unwatch();
    this.sock.destroy();
  }
}
