// NodeDriver: the multi_socket contract applied to Node's event loop, as any application would
// (libcurl's multi-uv.c). Sockets are watched through Socket.watch, the one timer is a setTimeout,
// and a 0 timeout runs on setImmediate (the next turn of the loop), never as a 1 ms timer.
import { MultiError } from '../core/errors.js';
import { Poll, SOCKET_TIMEOUT } from '../multi/constants.js';
import type { Easy } from '../multi/easy.js';
import { type DoneMessage, Multi, type MultiOptions } from '../multi/multi.js';
import type { Interest, Socket } from '../transport/types.js';

export interface NodeDriverOptions extends Omit<MultiOptions, 'socketFunction' | 'timerFunction'> {
  /** Called for every done message (after a promise from add() settled). */
  onDone?: (message: DoneMessage) => void;
  /** Called when the engine reports a multi-level error from inside the loop (a dead multi). */
  onError?: (error: MultiError) => void;
  /**
   * The engine's timer does not keep the process alive (Node's timer.unref()): for an owner that
   * holds the process open itself while it waits for a transfer (Client does).
   */
  unrefTimer?: boolean;
}

type Ready = (events: number) => void;

export class NodeDriver {
  readonly multi: Multi;
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly waiters = new Map<Easy, (m: DoneMessage) => void>();
  private readonly onDone: ((m: DoneMessage) => void) | undefined;
  private readonly onError: ((e: MultiError) => void) | undefined;
  private readonly unrefTimer: boolean;
  private readonly onTimer = (): void => {
    this.timeout = undefined;
    this.immediate = undefined;
    this.act(SOCKET_TIMEOUT, 0);
  };

  constructor(options: NodeDriverOptions = {}) {
    const { onDone, onError, unrefTimer, ...multiOptions } = options;
    this.unrefTimer = unrefTimer === true;
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
    this.waiters.set(easy, done);
  }

  /**
   * Take a transfer added with add() out before it completed (an abort): the handle is removed at
   * once, freeing its connection slot, and its add() promise never settles.
   */
  remove(easy: Easy): void {
    this.waiters.delete(easy);
    this.multi.removeHandle(easy);
  }

  /** Add without a promise: completion arrives through onDone (the handle stays added). */
  addHandle(easy: Easy): void {
    this.multi.addHandle(easy);
  }

  /** Stop everything: running transfers are removed (their promises never settle), timers cleared. */
  close(): void {
    this.clearTimer();
    this.multi.close();
    this.waiters.clear();
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

  private timerFunction(ms: number): void {
    this.clearTimer();
    if (ms < 0) return;
    if (ms === 0) this.immediate = setImmediate(this.onTimer);
    else {
      this.timeout = setTimeout(this.onTimer, ms);
      if (this.unrefTimer) this.timeout.unref();
    }
  }

  private clearTimer(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
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
      const resolve = this.waiters.get(m.easy);
      if (resolve !== undefined) {
        this.waiters.delete(m.easy);
        this.multi.removeHandle(m.easy);
        resolve(m);
      }
      this.onDone?.(m);
    }
  }
}
