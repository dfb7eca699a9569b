// A name lookup in the simulated network: a watchable Socket whose IN readiness means `result` is set.
import {
  type Interest,
  Ready,
  type Resolution,
  type ResolvedAddress,
  type TransportErrorLike,
} from '../types.js';
import type { SimEvent } from './scheduler.js';
import type { SimWorld } from './world.js';

export type ResolutionResult = { addresses: ResolvedAddress[] } | { error: TransportErrorLike };

export class SimResolution implements Resolution {
  readonly fd: number;
  readonly localFd: number;
  readonly host: string;
  result: ResolutionResult | undefined = undefined;
  cancelled = false;
  private what = 0;
  private onReady: ((events: number) => void) | undefined = undefined;
  private notifyEvent: SimEvent | undefined = undefined;
  private completeEvent: SimEvent | undefined = undefined;

  constructor(
    private readonly world: SimWorld,
    host: string,
  ) {
    this.fd = world.allocFd();
    this.localFd = world.allocLocalFd();
    this.host = host;
  }

  get watched(): boolean {
    return this.what !== 0;
  }

  /** Set the result now (IP literals, localhost) or after `delayMs` of virtual time. */
  complete(result: ResolutionResult, delayMs?: number): void {
    if (delayMs === undefined) {
      this.result = result;
      return;
    }
    this.world.liveSockets.add(this);
    this.completeEvent = this.world.sched.at(delayMs, () => {
      this.completeEvent = undefined;
      this.world.liveSockets.delete(this);
      if (this.cancelled) return;
      this.result = result;
      this.signal();
    });
  }

  watch(what: Interest, onReady: (events: number) => void): void {
    if (this.cancelled) return;
    this.what = what;
    this.onReady = onReady;
    if (this.result !== undefined && what & Ready.IN) this.signal();
  }

  unwatch(): void {
    this.what = 0;
    this.onReady = undefined;
    this.world.sched.cancel(this.notifyEvent);
    this.notifyEvent = undefined;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.unwatch();
    this.world.sched.cancel(this.completeEvent);
    this.world.liveSockets.delete(this);
  }

  private signal(): void {
    if (!(this.what & Ready.IN) || this.notifyEvent) return;
    this.notifyEvent = this.world.sched.at(0, () => {
      this.notifyEvent = undefined;
      const cb = this.onReady;
      if (cb && this.what & Ready.IN && !this.cancelled) cb(Ready.IN);
    });
  }
}
