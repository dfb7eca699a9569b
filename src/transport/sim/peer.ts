// The server end of a simulated connection, as raw listeners and the HTTP server see it.
// Server -> client bytes go through `pump()`, where the byte-level faults act: reset, stall,
// slow drip and half-close after N bytes.
import { ChunkQueue, concatBytes, latin1, toBytes } from './bytes.js';
import type { ByteOrigin, Fault } from './faults.js';
import type { Pipe, PipeSink } from './link.js';
import type { SimEvent } from './scheduler.js';
import type { SimWorld } from './world.js';

interface ByteFault {
  kind: 'reset' | 'stall' | 'drip' | 'halfClose';
  afterBytes: number;
  from: ByteOrigin;
  intervalMs: number;
  /** Absolute server->client offset where it starts; undefined until the body start is known. */
  at: number | undefined;
}

type DataListener = (chunk: Uint8Array) => void;

export class PeerConn implements PipeSink {
  /** Network-wide connection number (1-based, in accept order). */
  readonly id: number;
  /** 0-based index of this connection to its listener. */
  readonly index: number;
  /** The listener's host name and port as given to listen(). */
  readonly host: string;
  readonly port: number;
  /** The client's address and port. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Faults in force on this connection. */
  readonly faults: readonly Fault[];
  /** Bytes sent to the client so far (handed to the link). */
  sentBytes = 0;
  /** Bytes received from the client so far. */
  receivedBytes = 0;
  /** The client half-closed (FIN seen). */
  clientEnded = false;
  /** The client reset the connection or we did. */
  wasReset = false;
  /** We will send no more (FIN or RST sent, or closed). */
  closed = false;

  private readonly log: Uint8Array[] = [];
  private readonly queue = new ChunkQueue();
  private readonly inbox: Uint8Array[] = [];
  private endRequested = false;
  private fullyClosed = false;
  private endEmitted = false;
  private paused = false;
  private pausedBytes = 0;
  private readonly dataListeners: DataListener[] = [];
  private readonly endListeners: Array<() => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private readonly byteFaults: ByteFault[] = [];
  private bodyStart: number | undefined = undefined;
  private nextDripAt = 0;
  private dripEvent: SimEvent | undefined = undefined;
  private waiters: Array<() => void> = [];
  private closeNotified = false;

  constructor(
    private readonly world: SimWorld,
    init: {
      id: number;
      index: number;
      host: string;
      port: number;
      remoteAddress: string;
      remotePort: number;
      localAddress: string;
      localPort: number;
      faults: readonly Fault[];
    },
    /** Server -> client. */
    private readonly out: Pipe,
    /** Client -> server (we acknowledge what we consume). */
    private readonly inbound: Pipe,
  ) {
    this.id = init.id;
    this.index = init.index;
    this.host = init.host;
    this.port = init.port;
    this.remoteAddress = init.remoteAddress;
    this.remotePort = init.remotePort;
    this.localAddress = init.localAddress;
    this.localPort = init.localPort;
    this.faults = init.faults;
    for (const f of init.faults) {
      if (f.kind === 'reset' || f.kind === 'stall' || f.kind === 'drip' || f.kind === 'halfClose') {
        const from = f.from ?? 'start';
        const afterBytes = f.afterBytes ?? 0;
        this.byteFaults.push({
          kind: f.kind,
          afterBytes,
          from,
          intervalMs: f.kind === 'drip' ? Math.max(0, f.intervalMs) : 0,
          at: from === 'start' ? afterBytes : undefined,
        });
      }
    }
  }

  // --- what a test or a server does with it ---

  /** Queue bytes for the client (no backpressure on this side: the link paces them). */
  write(data: Uint8Array | string): void {
    if (this.closed || this.endRequested) return;
    const bytes = typeof data === 'string' ? toBytes(data) : data.slice();
    this.queue.push(bytes);
    this.pump();
  }

  /** Half-close (FIN) after what was written; the connection keeps reading. */
  end(data?: Uint8Array | string): void {
    if (data !== undefined) this.write(data);
    this.endRequested = true;
    this.pump();
  }

  /** Send a reset now: queued bytes are dropped, the client sees ECONNRESET. */
  reset(): void {
    this.destroy();
  }

  /** Same as reset(): close abruptly with RST. */
  destroy(): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.closed = true;
    this.queue.clear();
    this.world.sched.cancel(this.dripEvent);
    this.out.rst();
    this.inbound.dead = true;
    this.notifyClose();
  }

  /** Stop consuming client bytes (the client's writes block once the window is full). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.inbound.consumed(this.pausedBytes);
    this.pausedBytes = 0;
    this.flushInbox();
  }

  onData(listener: DataListener): void {
    this.dataListeners.push(listener);
    this.flushInbox();
  }

  onEnd(listener: () => void): void {
    this.endListeners.push(listener);
    if (this.endEmitted) this.world.sched.at(0, listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Every byte received so far, as one array. */
  received(): Uint8Array {
    return concatBytes(this.log);
  }

  /** Every byte received so far, one char per byte. */
  receivedText(): string {
    return latin1(this.received());
  }

  /** Resolves once at least `n` bytes have been received, or the client ended or reset first. */
  waitForBytes(n: number): Promise<Uint8Array> {
    return this.waitUntil(() => this.receivedBytes >= n || this.clientEnded || this.wasReset).then(() =>
      this.received(),
    );
  }

  /** Resolves once the received bytes contain `marker` (or the client ended first). */
  waitForText(marker: string): Promise<string> {
    return this.waitUntil(
      () => this.receivedText().includes(marker) || this.clientEnded || this.wasReset,
    ).then(() => this.receivedText());
  }

  /** Resolves once the client half-closed or the connection reset. */
  waitForEnd(): Promise<void> {
    return this.waitUntil(() => this.clientEnded || this.wasReset);
  }

  // --- used by the HTTP server ---

  /** The first body byte of a response is at the current send offset (for `from: 'body'` faults). */
  markBodyStart(queuedAhead: number): void {
    if (this.bodyStart !== undefined) return;
    this.bodyStart = this.sentBytes + this.queue.length + queuedAhead;
    for (const f of this.byteFaults) if (f.at === undefined) f.at = this.bodyStart + f.afterBytes;
    this.pump();
  }

  hasFault(kind: Fault['kind']): Fault | undefined {
    return this.faults.find((f) => f.kind === kind);
  }

  // --- PipeSink: client -> server ---

  arrive(bytes: Uint8Array): void {
    if (this.wasReset) return;
    if (this.fullyClosed) {
      // Bytes for a closed socket: the kernel answers with a reset.
      this.destroy();
      return;
    }
    if (this.paused) this.pausedBytes += bytes.length;
    else this.inbound.consumed(bytes.length);
    this.receivedBytes += bytes.length;
    this.log.push(bytes);
    this.inbox.push(bytes);
    this.flushInbox();
    this.wake();
  }

  arriveFin(): void {
    if (this.wasReset) return;
    this.clientEnded = true;
    this.flushInbox();
    this.maybeClosed();
    this.wake();
  }

  arriveRst(): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.closed = true;
    this.queue.clear();
    this.out.dead = true;
    this.notifyClose();
    this.wake();
  }

  /** The client destroyed its socket: nothing more will be read on that side. */
  clientClosed(): void {
    this.out.dead = true;
  }

  /** FIN after queued data and refuse further input (answered with RST), like close(2). */
  close(): void {
    this.fullyClosed = true;
    this.end();
  }

  // --- sending, with byte faults ---

  /** Move queued bytes onto the link as far as window and faults allow. */
  pump(): void {
    if (this.closed) return;
    for (;;) {
      const limit = this.nextLimit();
      if (limit?.fault.kind === 'reset' && this.sentBytes >= limit.at) {
        this.world.stats.resets++;
        this.destroy();
        return;
      }
      if (limit?.fault.kind === 'halfClose' && this.sentBytes >= limit.at) {
        this.queue.clear();
        this.finish();
        return;
      }
      if (limit?.fault.kind === 'stall' && this.sentBytes >= limit.at) return;
      if (this.queue.length === 0) break;
      const room = this.out.room();
      if (room <= 0) return;
      let n = Math.min(room, this.queue.length);
      if (limit && limit.at > this.sentBytes) n = Math.min(n, limit.at - this.sentBytes);
      const dripAt = this.dripStart();
      if (dripAt !== undefined && dripAt > this.sentBytes) n = Math.min(n, dripAt - this.sentBytes);
      if (dripAt !== undefined && this.sentBytes >= dripAt) {
        const now = this.world.sched.now();
        if (now < this.nextDripAt) {
          if (!this.dripEvent) {
            this.dripEvent = this.world.sched.at(this.nextDripAt - now, () => {
              this.dripEvent = undefined;
              this.pump();
            });
          }
          return;
        }
        n = 1;
        this.nextDripAt = now + this.dripInterval();
      }
      const chunk = this.queue.takeUpTo(n);
      this.sentBytes += chunk.length;
      this.out.send(chunk);
    }
    if (this.endRequested) this.finish();
  }

  /** The window opened again. */
  acked(): void {
    this.pump();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.fin();
    this.maybeClosed();
  }

  private maybeClosed(): void {
    if (this.closed && (this.clientEnded || this.fullyClosed)) this.notifyClose();
  }

  private nextLimit(): { fault: ByteFault; at: number } | undefined {
    let best: { fault: ByteFault; at: number } | undefined;
    for (const f of this.byteFaults) {
      if (f.at === undefined || f.kind === 'drip') continue;
      if (!best || f.at < best.at) best = { fault: f, at: f.at };
    }
    return best;
  }

  /** Offset where slow drip starts (undefined: no drip, or not known yet). */
  private dripStart(): number | undefined {
    let at: number | undefined;
    for (const f of this.byteFaults) {
      if (f.kind === 'drip' && f.at !== undefined && (at === undefined || f.at < at)) at = f.at;
    }
    return at;
  }

  private dripInterval(): number {
    const f = this.byteFaults.find((b) => b.kind === 'drip');
    return f ? f.intervalMs : 0;
  }

  private flushInbox(): void {
    if (this.paused) return;
    while (this.inbox.length > 0 && this.dataListeners.length > 0) {
      const chunk = this.inbox.shift()!;
      for (const l of this.dataListeners) l(chunk);
      if (this.paused) return;
    }
    if (this.clientEnded && !this.endEmitted && this.inbox.length === 0) {
      this.endEmitted = true;
      for (const l of this.endListeners) l();
    }
  }

  private notifyClose(): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    for (const l of this.closeListeners) l();
  }

  private waitUntil(cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (cond()) {
          this.world.drainNeeded = true;
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
