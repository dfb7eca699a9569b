// One direction of a simulated TCP connection: latency, bandwidth and a flow-control window.
// A write is serialised onto the link at `bytesPerSecond` (after earlier bytes), then arrives
// `latencyMs` later. Bytes count against the window until the receiver has read them and the
// acknowledgement has travelled back (another `latencyMs`).
import type { Scheduler } from './scheduler.js';

export interface LinkOptions {
  /** One-way delay in virtual ms (a fresh connection's handshake costs 2x this). Default 0. */
  latencyMs?: number;
  /** Bytes per virtual second on each direction; 0 or absent: unlimited. */
  bytesPerSecond?: number;
  /** Bytes in flight plus unread at the receiver before the sender is told to wait. Default 64 KiB. */
  windowBytes?: number;
}

export interface LinkParams {
  latencyMs: number;
  bytesPerSecond: number;
  windowBytes: number;
}

/** Like a default Linux socket buffer; small enough that large bodies exercise backpressure. */
export const DEFAULT_WINDOW_BYTES = 64 * 1024;

export function linkParams(base: LinkParams, over: LinkOptions | undefined): LinkParams {
  if (!over) return base;
  return {
    latencyMs: over.latencyMs ?? base.latencyMs,
    bytesPerSecond: over.bytesPerSecond ?? base.bytesPerSecond,
    windowBytes: over.windowBytes ?? base.windowBytes,
  };
}

export interface PipeSink {
  arrive(bytes: Uint8Array): void;
  arriveFin(): void;
  arriveRst(): void;
}

export class Pipe {
  /** Bytes sent and not yet acknowledged (in flight or unread at the receiver). */
  outstanding = 0;
  finSent = false;
  rstSent = false;
  /** Set when the receiving end is gone: arrivals are dropped. */
  dead = false;
  private freeAt = 0;

  constructor(
    private readonly sched: Scheduler,
    readonly params: LinkParams,
    private readonly sink: PipeSink,
    /** Called when an acknowledgement opens the window. */
    private readonly onAck: () => void,
  ) {}

  room(): number {
    return Math.max(0, this.params.windowBytes - this.outstanding);
  }

  send(bytes: Uint8Array): void {
    if (this.finSent || this.rstSent || bytes.length === 0) return;
    this.outstanding += bytes.length;
    const delay = this.departure(bytes.length) + this.params.latencyMs;
    this.sched.at(delay, () => {
      if (!this.dead) this.sink.arrive(bytes);
    });
  }

  fin(): void {
    if (this.finSent || this.rstSent) return;
    this.finSent = true;
    this.sched.at(this.departure(0) + this.params.latencyMs, () => {
      if (!this.dead) this.sink.arriveFin();
    });
  }

  rst(): void {
    if (this.rstSent) return;
    this.rstSent = true;
    this.sched.at(this.departure(0) + this.params.latencyMs, () => {
      if (!this.dead) this.sink.arriveRst();
    });
  }

  /** The receiver read `n` bytes: the window reopens when the ack reaches the sender. */
  consumed(n: number): void {
    if (n <= 0) return;
    this.sched.at(this.params.latencyMs, () => {
      this.outstanding -= n;
      this.onAck();
    });
  }

  /** Delay from now until `n` more bytes have left the sender. */
  private departure(n: number): number {
    const now = this.sched.now();
    const start = Math.max(now, this.freeAt);
    const bps = this.params.bytesPerSecond;
    this.freeAt = bps > 0 ? start + (n * 1000) / bps : start;
    return this.freeAt - now;
  }
}
