// A test application of the multi_socket contract on Node's loop that records every socket and
// timer callback as text, so tests can assert the exact sequence. Sockets are named s1, s2, ...
// in order of first appearance (fds differ between runs).
import {
  type DoneMessage,
  type Easy,
  Multi,
  type MultiOptions,
  Poll,
  SOCKET_TIMEOUT,
  type Socket,
} from '../../src/index.js';
import type { Interest } from '../../src/transport/types.js';

const whatName = ['NONE', 'IN', 'OUT', 'INOUT', 'REMOVE'];

export interface AppLoopHooks {
  /** Runs inside the socket callback; its return value is returned to the engine. */
  onSocket?: (easy: Easy | null, socket: Socket, what: number) => number | undefined;
  /** Runs inside the timer callback; its return value is returned to the engine. */
  onTimer?: (ms: number) => number | undefined;
}

export class AppLoop {
  readonly multi: Multi;
  readonly events: string[] = [];
  readonly done: DoneMessage[] = [];
  readonly errors: unknown[] = [];
  private readonly names = new Map<number, string>();
  private readonly watched = new Set<Socket>();
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private idle: (() => void) | undefined;
  /** Record data-level events too (socketAction calls). */
  verbose = false;

  constructor(
    options: Omit<MultiOptions, 'socketFunction' | 'timerFunction'> = {},
    private readonly hooks: AppLoopHooks = {},
  ) {
    this.multi = new Multi({
      ...options,
      socketFunction: (easy, socket, what) => {
        this.events.push(`socket ${this.name(socket)} ${whatName[what]}`);
        const r = this.hooks.onSocket?.(easy, socket, what);
        if (what === Poll.REMOVE) {
          socket.unwatch();
          this.watched.delete(socket);
        } else {
          this.watched.add(socket);
          socket.watch(what as Interest, (ev) => this.act(socket, ev));
        }
        return r;
      },
      timerFunction: (ms) => {
        this.events.push(`timer ${ms < 0 ? -1 : ms === 0 ? 0 : '+'}`);
        const r = this.hooks.onTimer?.(ms);
        this.clearTimer();
        if (ms === 0) this.immediate = setImmediate(() => this.act(SOCKET_TIMEOUT, 0));
        else if (ms > 0) this.timeout = setTimeout(() => this.act(SOCKET_TIMEOUT, 0), ms);
        return r;
      },
    });
  }

  name(socket: Socket): string {
    let n = this.names.get(socket.fd);
    if (n === undefined) this.names.set(socket.fd, (n = `s${this.names.size + 1}`));
    return n;
  }

  /** Sockets the engine currently wants watched. */
  get watchedCount(): number {
    return this.watched.size;
  }

  get timerArmed(): boolean {
    return this.timeout !== undefined || this.immediate !== undefined;
  }

  clearTimer(): void {
    if (this.timeout !== undefined) clearTimeout(this.timeout);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
  }

  act(socket: Socket | typeof SOCKET_TIMEOUT, events: number): void {
    if (socket === SOCKET_TIMEOUT) {
      this.timeout = undefined;
      this.immediate = undefined;
    }
    if (this.verbose) this.events.push(`action ${socket === SOCKET_TIMEOUT ? 'timeout' : this.name(socket)}`);
    try {
      this.multi.socketAction(socket, events);
    } catch (e) {
      this.errors.push(e);
    }
    for (let m = this.multi.infoRead(); m !== undefined; m = this.multi.infoRead()) {
      this.events.push(`done ${m.result}`);
      this.done.push(m);
    }
    if (this.multi.runningHandles === 0 || this.errors.length > 0) this.idle?.();
  }

  /** Resolves once no transfer is running (or a multi-level error happened); bounded by ms. */
  untilIdle(ms = 10_000): Promise<void> {
    if (this.multi.runningHandles === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`still running after ${ms} ms: ${this.events.join(', ')}`)),
        ms,
      );
      this.idle = () => {
        clearTimeout(t);
        this.idle = undefined;
        resolve();
      };
    });
  }

  close(): void {
    this.clearTimer();
    this.multi.close();
  }
}
