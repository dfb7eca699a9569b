// NodeDriver: the multi_socket contract applied to Node's event loop, as any application would
// (libcurl's multi-uv.c). Sockets are watched through Socket.watch, the one timer is a setTimeout,
// and a 0 timeout runs on setImmediate (the next turn of the loop), never as a 1 ms timer.
import { MultiError } from '../core/errors.js';
import { Poll, SOCKET_TIMEOUT } from '../multi/constants.js';
import type { Easy } from '../multi/easy.js';
import { type DoneMessage, Multi, type MultiOptions } from '../multi/multi.js';
import { MAX_TIMER_MS } from '../multi/timers.js';
import type { Interest, Socket } from '../transport/types.js';

export interface NodeDriverOptions extends Omit<MultiOptions, 'socketFunction' | 'timerFunction'> {
  /** Called for every done message (after a promise from add() settled). */
  onDone?: (message: DoneMessage) => void;
  /** Called when the engine reports a multi-level error from inside the loop (a dead multi). */
  onError?: (error: MultiError) => void;
  /**
   * Where the engine's one timer lives: `schedule(ms, fire)` arms it (0 means the next turn) and
   * returns its cancel function. Node's setTimeout/setImmediate when absent; a Client passes
   * unref'd ones (it holds the process itself while a transfer needs it), tscurl/sim virtual ones.
   */
  timer?: DriverTimer;
}

/** Arm a one-shot timer; the returned function cancels it. */
export type DriverTimer = (ms: number, fire: () => void) => () => void;

/** Node's timers, unref'd: they never keep the process alive by themselves. */
export const unrefTimer: DriverTimer = (ms, fire) => {
  if (ms === 0) {
    const immediate = setImmediate(fire).unref();
    return () => clearImmediate(immediate);
  }
  const timeout = setTimeout(fire, Math.min(ms, MAX_TIMER_MS)).unref();
  return () => clearTimeout(timeout);
};

type Ready = (events: number) => void;

export class NodeDriver {
  readonly multi: Multi;
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly onDone: ((m: DoneMessage) => void) | undefined;
  private readonly onError: ((e: MultiError) => void) | undefined;
  private readonly timer: DriverTimer | undefined;
  private cancelTimer: (() => void) | undefined;
  /**
   * A 0 (next turn) timer is armed. It is not cancelled when the engine then asks for none: it
   * fires and does nothing unless 0 was asked for again meanwhile (`wantNow`). Each addHandle asks
   * for 0 and the next socketAction (which runs due timers) for none: with a cancel and a new
   * immediate for each, that was two timer operations per transfer; now it is one per loop turn.
   */
  private armedNow = false;
  /** The engine's last request was 0. */
  private wantNow = false;
  private readonly onTimer = (): void => {
    const stale = this.armedNow && !this.wantNow;
    this.timeout = undefined;
    this.immediate = undefined;
    this.cancelTimer = undefined;
    this.armedNow = false;
    this.wantNow = false;
    if (!stale) this.act(SOCKET_TIMEOUT, 0);
  };

  constructor(options: NodeDriverOptions = {}) {
    const { onDone, onError, timer, ...multiOptions } = options;
    this.timer = timer;
    this.onDone = onDone;
    this.onError = onError;
    this.multi = new Multi({
      ...multiOptions,
      socketFunction: (_easy, socket, what, socketp) => this.socketFunction(socket, what, socketp),
      timerFunction: (ms) => this.timerFunction(ms),
    });
  }

  /** Add a transfer; resolves with its done message once it completed and was removed. */
  add(easy: Easy): Promise<DoneMessage> {
    return new Promise((resolve, reject) => {
      try {
        this.run(easy, resolve);
      } catch (e) {
        reject(e);
      }
    });
  }

  /**
   * add() without a promise: `done` is called with the done message once the transfer completed
   * and was removed. Throws what addHandle throws.
   */
  run(easy: Easy, done: (m: DoneMessage) => void): void {
    this.multi.addHandle(easy);
    easy._onDone = done;
  }

  /**
   * Take a transfer added with add() out before it completed (an abort): the handle is removed at
   * once, freeing its connection slot, and its add() promise never settles.
   */
  remove(easy: Easy): void {
    easy._onDone = undefined;
    this.multi.removeHandle(easy);
  }

  /** Add without a promise: completion arrives through onDone (the handle stays added). */
  addHandle(easy: Easy): void {
    this.multi.addHandle(easy);
  }

  /** Stop everything: running transfers are removed (their promises never settle), timers cleared. */
  close(): void {
    this.clearTimer();
    // The completions kept on the handles go with this driver: a handle added to another one
    // later must not settle a promise of this one (or be removed by that driver for it).
    for (const easy of this.multi.easyHandles) easy._onDone = undefined;
    this.multi.close();
  }

  get running(): number {
    return this.multi.runningHandles;
  }

  private socketFunction(socket: Socket, what: Poll, socketp: unknown): void {
    if (what === Poll.REMOVE) {
      socket.unwatch();
      return;
    }
    let ready = socketp as Ready | undefined;
    if (ready === undefined) {
      ready = (events: number) => this.act(socket, events);
      this.multi.assign(socket, ready);
    }
    socket.watch(what as Interest, ready);
  }

  private timerFunction(requested: number): void {
    if (this.armedNow && requested <= 0) {
      this.wantNow = requested === 0;
      return;
    }
    this.clearTimer();
    if (requested < 0) return;
    // Past Node's range setTimeout would fire after 1 ms (and warn): fire at the range's end
    // instead; the engine then announces what is left.
    const ms = Math.min(requested, MAX_TIMER_MS);
    this.armedNow = this.wantNow = ms === 0;
    if (this.timer !== undefined) this.cancelTimer = this.timer(ms, this.onTimer);
    else if (ms === 0) this.immediate = setImmediate(this.onTimer);
    else this.timeout = setTimeout(this.onTimer, ms);
  }

  private clearTimer(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    this.armedNow = false;
    this.wantNow = false;
    if (this.cancelTimer !== undefined) {
      this.cancelTimer();
      this.cancelTimer = undefined;
    }
  }

  private act(socket: Socket | typeof SOCKET_TIMEOUT, events: number): void {
    try {
      this.multi.socketAction(socket, events);
    } catch (e) {
      if (!(e instanceof MultiError)) throw e;
      this.clearTimer();
      if (this.onError !== undefined) this.onError(e);
    }
    this.drain();
  }

  private drain(): void {
    for (let m = this.multi.infoRead(); m !== undefined; m = this.multi.infoRead()) {
      const resolve = m.easy._onDone;
      if (resolve !== undefined) {
        m.easy._onDone = undefined;
        this.multi.removeHandle(m.easy);
        resolve(m);
      }
      this.onDone?.(m);
    }
  }
}
