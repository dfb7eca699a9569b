// The application's event loop, played by the simulator: it receives the Multi's socket and timer
// callbacks, watches sockets through Socket.watch, arms one virtual timer, and calls socketAction()
// when they fire - every step at a virtual time, every step written to the trace.
import type { Socket } from '../types.js';
import type { Scheduler, SimEvent } from './scheduler.js';

/** What the loop needs from a Multi (kept structural so the transport layer does not import the engine). */
export interface DrivenMulti {
  socketAction(socket: Socket | number, events?: number): number;
  readonly runningHandles: number;
}

export type LoopSocketFunction = (
  easy: object | null,
  socket: Socket,
  what: number,
  socketp: unknown,
) => number | undefined | void;
export type LoopTimerFunction = (timeoutMs: number) => number | undefined | void;

const SOCKET_TIMEOUT = -1;
const REMOVE = 4;
const WHAT = ['NONE', 'IN', 'OUT', 'INOUT', 'REMOVE'];
const READY = ['-', 'IN', 'OUT', 'INOUT', 'ERR', 'IN|ERR', 'OUT|ERR', 'INOUT|ERR'];

interface Bound {
  readonly tag: string;
  multi: DrivenMulti | undefined;
  timer: SimEvent | undefined;
  /** Sockets announced and not yet REMOVEd. */
  readonly announced: Set<Socket>;
}

export class SimLoop {
  private readonly lines: string[] = [];
  private readonly easyIds = new WeakMap<object, number>();
  private nextEasyId = 1;
  private readonly bound: Bound[] = [];
  private readonly byMulti = new Map<DrivenMulti, Bound>();
  /** Errors thrown by socketAction (a dead multi, an engine bug): run() rejects with the first. */
  readonly errors: unknown[] = [];

  constructor(
    private readonly sched: Scheduler,
    private readonly localFd: (socket: Socket) => number,
    private readonly tracing = true,
  ) {}

  /** Callbacks for a new Multi; call `attach(multi)` once it is constructed. */
  callbacks(
    user: {
      socketFunction?: LoopSocketFunction | undefined;
      timerFunction?: LoopTimerFunction | undefined;
    } = {},
  ): {
    socketFunction: LoopSocketFunction;
    timerFunction: LoopTimerFunction;
    attach(multi: DrivenMulti): void;
  } {
    const b: Bound = {
      tag: `m${this.bound.length + 1} `,
      multi: undefined,
      timer: undefined,
      announced: new Set(),
    };
    this.bound.push(b);
    const socketFunction: LoopSocketFunction = (easy, socket, what, socketp) => {
      if (this.tracing)
        this.log(b, `socket fd=${this.localFd(socket)} ${WHAT[what] ?? what} ${this.easyName(easy)}`);
      const r = user.socketFunction?.(easy, socket, what, socketp);
      if (r === -1) return r;
      if (what === REMOVE) {
        socket.unwatch();
        b.announced.delete(socket);
      } else {
        b.announced.add(socket);
        socket.watch(what as 1 | 2 | 3, (events) => {
          if (this.tracing) this.log(b, `ready fd=${this.localFd(socket)} ${READY[events] ?? events}`);
          this.act(b, socket, events);
        });
      }
      return r;
    };
    const timerFunction: LoopTimerFunction = (ms) => {
      this.log(b, `timer ${ms}`);
      const r = user.timerFunction?.(ms);
      if (r === -1) return r;
      this.sched.cancel(b.timer);
      b.timer = undefined;
      if (ms >= 0) {
        b.timer = this.sched.at(ms, () => {
          b.timer = undefined;
          this.log(b, 'timeout');
          this.act(b, SOCKET_TIMEOUT, 0);
        });
      }
      return r;
    };
    return {
      socketFunction,
      timerFunction,
      attach: (multi) => {
        b.multi = multi;
        this.byMulti.set(multi, b);
      },
    };
  }

  /** Record a transfer's completion (fed from the engine's done channel). */
  done(multi: DrivenMulti, easy: object, result: number): void {
    const b = this.byMulti.get(multi);
    if (b) this.log(b, `done ${this.easyName(easy)} result=${result}`);
  }

  /** True when no bound multi has a transfer running. */
  idle(): boolean {
    for (const b of this.bound) if (b.multi && b.multi.runningHandles > 0) return false;
    return true;
  }

  running(): number {
    let n = 0;
    for (const b of this.bound) n += b.multi?.runningHandles ?? 0;
    return n;
  }

  /** Sockets announced to the loop and not REMOVEd, over all multis. */
  announcedSockets(): number {
    let n = 0;
    for (const b of this.bound) n += b.announced.size;
    return n;
  }

  /** True when some multi's timer is armed. */
  timerArmed(): boolean {
    return this.bound.some((b) => b.timer !== undefined);
  }

  trace(): string[] {
    return this.lines.slice();
  }

  note(text: string): void {
    if (this.tracing) this.lines.push(`t=${this.sched.now().toFixed(3)} ${text}`);
  }

  private act(b: Bound, socket: Socket | number, events: number): void {
    const multi = b.multi;
    if (!multi) return;
    try {
      multi.socketAction(socket, events);
    } catch (err) {
      this.errors.push(err);
      this.log(b, `error ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private easyName(easy: object | null): string {
    if (easy === null) return 'easy#-';
    let id = this.easyIds.get(easy);
    if (id === undefined) {
      id = this.nextEasyId++;
      this.easyIds.set(easy, id);
    }
    return `easy#${id}`;
  }

  private log(b: Bound, text: string): void {
    if (!this.tracing) return;
    const tag = this.bound.length > 1 ? b.tag : '';
    this.lines.push(`t=${this.sched.now().toFixed(3)} ${tag}${text}`);
  }
}
