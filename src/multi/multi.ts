// The Multi: libcurl's multi_socket interface. The application owns the event loop; the engine
// says which sockets to watch (socketFunction) and when its one timer is due (timerFunction),
// and does all its work inside socketAction() / perform() / addHandle() / removeHandle().
// The cost of one call is proportional to the transfers the event concerns: sockets map to their
// transfers, timers live in a heap, pending transfers in FIFO queues.

import { Connection } from '../conn/connection.js';
import { Http2Session } from '../conn/http2/session.js';
import { ConnectionPool, DEFAULT_MAX_IDLE_AGE_MS, type PoolTell } from '../conn/pool.js';
import type { Stream } from '../conn/types.js';
import { CurlCode, MultiCode } from '../core/codes.js';
import { EasyError, MultiError, TransferError } from '../core/errors.js';
import { MinHeap } from '../core/heap.js';
import { TlsSessionCache } from '../filters/tls-sessions.js';
import { installLatin1Decoder } from '../proto/h1/latin1.js';
import { nodeTransport } from '../transport/node/transport.js';
import type { Socket, Transport } from '../transport/types.js';
import { Pause, Poll, type PollWhat, SOCKET_TIMEOUT } from './constants.js';
import { channels, debug } from './diagnostics.js';
import { DnsCache } from './dns-cache.js';
import type { Easy } from './easy.js';
import { type Environment, proxyEnvironment } from './features/proxy/env.js';
import { HandleList } from './handle-list.js';
import type { DebugInfoType } from './options.js';
import { PendingQueues } from './pending.js';
import { poolTellFor } from './pool-lines.js';
import { parseTarget, type Target } from './request.js';
import { InflightLookups } from './resolve.js';
import { SocketTable } from './socket-table.js';
import type { TransferState } from './states.js';
import { earliest, MAX_TIMER_MS, NO_TIMERS, TIMER_COUNT, Timer } from './timers.js';
import {
  fail,
  ownSocket,
  readTransferFiles,
  releaseLookup,
  runTransfer,
  settleInterest,
  Transfer,
  tellConnectionEnd,
  transition,
} from './transfer.js';

export type SocketFunction = (
  easy: Easy | null,
  socket: Socket,
  what: PollWhat,
  socketp: unknown,
) => number | undefined | void;
export type TimerFunction = (timeoutMs: number) => number | undefined | void;

export interface MultiOptions {
  /** CURLMOPT_SOCKETFUNCTION. Without it the Multi watches sockets itself for perform()/poll(). */
  socketFunction?: SocketFunction;
  /** CURLMOPT_TIMERFUNCTION. */
  timerFunction?: TimerFunction;
  /** CURLMOPT_MAX_HOST_CONNECTIONS (0 = no limit). */
  maxHostConnections?: number;
  /** CURLMOPT_MAX_TOTAL_CONNECTIONS (0 = no limit). */
  maxTotalConnections?: number;
  /** CURLMOPT_MAXCONNECTS: idle connections kept (default 4 x the handles added). */
  maxConnects?: number;
  /** CURLMOPT_MAX_CONCURRENT_STREAMS (default 100). */
  maxConcurrentStreams?: number;
  /** CURLOPT_MAXAGE_CONN for the whole pool: idle connections older than this are not reused (ms, default 118 s). */
  maxIdleAgeMs?: number;
  /** CURLOPT_DNS_CACHE_TIMEOUT in ms (default 60 s; 0 disables the cache). */
  dnsCacheTimeoutMs?: number;
  /** Where sockets and the clock come from: the Node transport by default; the simulator binds its own. */
  transport?: Transport;
}

/** The limits: non-negative numbers, settable at construction and with setOptions(). */
const numericMultiOptions = [
  'maxHostConnections',
  'maxTotalConnections',
  'maxConnects',
  'maxConcurrentStreams',
  'maxIdleAgeMs',
  'dnsCacheTimeoutMs',
] as const;

const multiOptionNames = new Set<string>([
  'socketFunction',
  'timerFunction',
  'transport',
  ...numericMultiOptions,
]);

export interface DoneMessage {
  msg: 'done';
  easy: Easy;
  result: CurlCode;
}

/** @internal A done message in the queue: `purged` once read or its handle removed. */
export interface QueuedMessage extends DoneMessage {
  purged: boolean;
}

/**
 * NODE_DEBUG is read once at startup, so whether debuglog is on cannot change afterwards. Reading
 * `debug.enabled` (a getter over a closure) on every state change cost ~2.5% of a small request's
 * CPU, and an unguarded debug() call still builds its arguments for a no-op.
 */
const debugOn = debug.enabled;
/** Parsed URLs kept (cleared all at once when full: a bound, not an LRU). */
const TARGET_CACHE_MAX_ENTRIES = 1_000;

// proto/ has no Node types and decodes latin1 by hand; on Node, Buffer's native decoder is ~40%
// faster for response heads (the codec checks it against its own before using it).
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (s: number, e: number) => string })
  .latin1Slice;
installLatin1Decoder((b, start, end) => latin1Slice.call(b, start, end));

export class Multi {
  /** @internal */
  readonly transport: Transport;
  private readonly socketFunction: SocketFunction | undefined;
  private readonly timerFunction: TimerFunction | undefined;
  private opts: Required<Omit<MultiOptions, 'socketFunction' | 'timerFunction' | 'transport'>>;

  private readonly handles = new HandleList();
  /** The engine's own transfers (DoH probes): run like the others, never in easyHandles. */
  private readonly internal = new Set<Transfer>();
  private readonly heap = new MinHeap<Transfer>();
  /** Socket users: a transfer for its name lookup, a connection for its socket. */
  private readonly sockets: SocketTable<Transfer | Connection, Transfer>;
  /** @internal */
  readonly pool: ConnectionPool;
  /** @internal TLS sessions to resume (libcurl's per-multi ssl session cache). */
  readonly tlsSessions = new TlsSessionCache();
  private readonly messages: QueuedMessage[] = [];
  private messageHead = 0;
  private queued = 0;
  private running = 0;
  /** Transfers waiting for a connection slot: one FIFO per host, one for the total limit. */
  private readonly pending = new PendingQueues<Transfer>();
  /** Pending transfers that wait for a connection that may multiplex (pipeWait), not for a slot. */
  private readonly pipeWaiters = new WeakSet<Transfer>();
  private readonly closing: Array<{ conn: Connection; reason: string }> = [];
  /** Connections whose poll interest may have changed during the current run. */
  private readonly dirty: Connection[] = [];
  /** HTTP/2 connections with frames queued during this API call: written once before it returns. */
  private readonly unwritten: Connection[] = [];
  /** Multiplexed connections to close once their last transfer leaves. */
  private readonly closeWhenIdle = new WeakSet<Connection>();
  /** `now` of the socketAction in progress, for runStreamOwner. */
  private actionNow = 0;
  /** Runs the transfer owning a stream that has events (no closure per socketAction). */
  private readonly runStreamOwner = (s: Stream): void => {
    if (this.dead === undefined) runTransfer(this, s.owner as Transfer, this.actionNow);
  };
  /** @internal The DNS cache of the transfers without a Share that shares 'dns'. */
  readonly dnsCache = new DnsCache();
  /** @internal Lookups in flight, shared by every transfer waiting for the same name. */
  readonly lookups = new InflightLookups();
  private readonly targets = new Map<string, Target>();
  /** The transport's clock as last read by an API call (RUN_NOW deadlines of added transfers). */
  private clockRead = 0;
  /** The proxy variables as read in the current API call (undefined: not read yet). */
  private env: Environment | undefined;

  /** Inside an API call: any other API call now is recursive. */
  private busy = false;
  /** Inside the socket or timer callback. */
  private inMultiCallback = false;
  private dead: { cause: unknown; reported: boolean; cleaned: boolean } | undefined;
  private closed = false;
  private timerArmed = false;
  private evicting = false;
  private lastDeadline = Number.NaN;

  // perform()/poll() mode, when the application gives no socket callback
  private readonly pollWatched = new Map<number, Socket>();
  private pollReady = 0;
  private pollWaiter: (() => void) | undefined;
  private pollDeadline = Number.POSITIVE_INFINITY;

  constructor(options: MultiOptions = {}) {
    for (const k of Object.keys(options)) {
      if (!multiOptionNames.has(k))
        throw new MultiError(MultiCode.UNKNOWN_OPTION, `Unknown multi option '${k}'`);
    }
    this.transport = options.transport ?? nodeTransport;
    this.socketFunction = options.socketFunction;
    this.timerFunction = options.timerFunction;
    this.opts = {
      maxHostConnections: 0,
      maxTotalConnections: 0,
      maxConnects: 0,
      maxConcurrentStreams: 100,
      maxIdleAgeMs: DEFAULT_MAX_IDLE_AGE_MS,
      dnsCacheTimeoutMs: 60_000,
    };
    this.applyOptions(options);
    this.sockets = new SocketTable<Transfer | Connection, Transfer>((t, socket, what, socketp) =>
      this.announce(t, socket, what, socketp),
    );
    this.pool = new ConnectionPool((conn, reason) => this.onConnectionClosed(conn, reason));
  }

  /** curl_multi_setopt for the limits (callbacks are fixed at construction). */
  setOptions(options: Omit<MultiOptions, 'socketFunction' | 'timerFunction' | 'transport'>): void {
    this.enter();
    try {
      for (const k of Object.keys(options)) {
        if (!multiOptionNames.has(k) || k === 'socketFunction' || k === 'timerFunction' || k === 'transport')
          throw new MultiError(MultiCode.UNKNOWN_OPTION, `Unknown or fixed multi option '${k}'`);
      }
      this.applyOptions(options);
    } finally {
      this.busy = false;
    }
  }

  private applyOptions(options: MultiOptions): void {
    for (const k of numericMultiOptions) {
      const v = options[k];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new MultiError(
          MultiCode.BAD_FUNCTION_ARGUMENT,
          `Multi option '${k}' must be a non-negative number`,
        );
      }
      this.opts[k] = v;
    }
  }

  // ---------------------------------------------------------------- public API

  /** Transfers added and not completed yet (pending ones included). */
  get runningHandles(): number {
    return this.running;
  }

  /** Done messages not read yet. */
  get messagesInQueue(): number {
    return this.queued;
  }

  addHandle(easy: Easy): void {
    this.enter();
    try {
      if (easy._multi !== undefined) throw new MultiError(MultiCode.ADDED_ALREADY);
      if (this.dead !== undefined) {
        throw new MultiError(
          MultiCode.ABORTED_BY_CALLBACK,
          'This multi was aborted by a callback; remove all handles before adding new ones',
          { cause: this.dead.cause },
        );
      }
      const t = new Transfer(easy);
      // Files are read here, not in a phase (a phase never blocks): cookieFile, cookieList, .netrc.
      readTransferFiles(this, t);
      easy._multi = this;
      easy._run = t;
      easy._message = undefined;
      easy._last = t;
      easy.errorBuffer = '';
      this.handles.add(easy);
      this.running++;
      // Due at once: any past reading of the clock will do (it is monotonic), so adding reads none
      // (a system call on Node); the timer callback gets 0 either way.
      const now = this.clockRead;
      // Its RUN_NOW deadline is its heap key alone: the table is made at the first write.
      this.heap.set(t, now);
      this.updateTimer(now);
      const dead = this.dead as { cause: unknown; reported: boolean; cleaned: boolean } | undefined;
      if (dead !== undefined) {
        // The timer callback failed: roll the add back.
        this.heap.delete(t);
        this.handles.delete(easy);
        this.running--;
        easy._multi = undefined;
        easy._run = undefined;
        dead.reported = true;
        this.finishDead();
        if (this.handles.size === 0) this.dead = undefined;
        throw new MultiError(
          MultiCode.ABORTED_BY_CALLBACK,
          'The timer callback failed; the handle was not added',
          {
            cause: dead.cause,
          },
        );
      }
    } finally {
      this.busy = false;
    }
  }

  removeHandle(easy: Easy): void {
    this.enter();
    try {
      if (easy._multi === undefined) return;
      if (easy._multi !== this)
        throw new MultiError(MultiCode.BAD_EASY_HANDLE, 'The handle belongs to another multi');
      const t = easy._run!;
      // Removing a finished transfer (each completion of an application's loop) needs the time
      // only to move a waiting transfer on, to write queued HTTP/2 frames, or to arm the timer
      // for a new deadline: the clock is read then (NaN until), not for every removal.
      let now = t.state === 'completed' || t.state === 'msgsent' ? Number.NaN : this.readClock();
      this.stopTransfer(t, now);
      this.heap.delete(t);
      this.settle(t);
      if (easy._message !== undefined && !easy._message.purged) {
        easy._message.purged = true;
        this.queued--;
      }
      easy._multi = undefined;
      easy._run = undefined;
      easy._message = undefined;
      this.handles.delete(easy);
      if (this.handles.size === 0) this.dead = undefined;
      this.wakeAnyPending(now);
      if (this.unwritten.length > 0) now = this.clockUnlessRead(now);
      this.writeQueued(now);
      this.updateTimer(now);
      this.finishDead();
    } finally {
      this.busy = false;
    }
  }

  /** A transfer leaves unfinished: its lookup, its place in a queue and its connection go. */
  private stopTransfer(t: Transfer, now: number): void {
    if (t.state !== 'completed' && t.state !== 'msgsent') this.stopRunning(t, now);
  }

  /**
   * stopTransfer of a transfer still running (apart: the removal of a finished one, each
   * completion of an application's loop, stays small bytecode).
   */
  private stopRunning(t: Transfer, now: number): void {
    this.running--;
    this.pending.leave(t);
    releaseLookup(this, t);
    const conn = t.conn;
    if (conn !== undefined) {
      // Past sending its request: the response would be in the way (HTTP/1 closes, HTTP/2
      // resets the stream).
      const clean =
        t.state === 'connect' || t.state === 'setup' || (conn.state === 'connected' && t.state === 'do');
      if (clean) t.req.stream?.done();
      else t.req.stream?.abandon();
      t.req.stream = undefined;
      this.detach(t, conn);
      if (clean && (conn.state !== 'connected' || conn.reusable)) this.releaseConnection(conn, now, t);
      else this.closeConnection(conn, 'removed mid-transfer');
      // libcurl's multi_done(premature) in curl_multi_remove_handle: what became of the connection.
      if (t.o.debugFunction !== undefined)
        tellConnectionEnd(this, t, conn, conn.closing || conn.state === 'closed' ? 'closing' : 'kept');
    }
    t.tEnd = now;
  }

  /**
   * @internal Add an engine-made transfer (a DoH probe) from inside a run: it counts as running
   * (libcurl adds its probes to the multi), is not in easyHandles, and ends by calling `onDone`
   * instead of queueing a done message (libcurl's fmultidone).
   */
  addInternal(easy: Easy, onDone: (t: Transfer, result: CurlCode) => void): Transfer {
    const t = new Transfer(easy);
    t.onDone = onDone;
    readTransferFiles(this, t);
    easy._multi = this;
    easy._run = t;
    easy._last = t;
    this.internal.add(t);
    this.running++;
    this.expire(t, Timer.RUN_NOW, this.transport.now());
    return t;
  }

  /** @internal Remove an engine-made transfer that has not ended (its owner gave up). */
  removeInternal(t: Transfer): void {
    if (!this.internal.delete(t)) return;
    this.stopTransfer(t, this.transport.now());
    this.heap.delete(t);
    this.settle(t);
    t.easy._multi = undefined;
    t.easy._run = undefined;
  }

  /**
   * curl_multi_socket_action: `socket` became ready for `events` (CSelect bits, or 0 to let the
   * engine find out), or SOCKET_TIMEOUT when the timer fired. Returns the running count.
   */
  socketAction(socket: Socket | number, events = 0): number {
    this.enter();
    try {
      const now = this.readClock();
      if (socket === SOCKET_TIMEOUT) {
        this.lastDeadline = Number.NaN;
      } else {
        const fd = typeof socket === 'number' ? socket : socket.fd;
        const entry = this.sockets.get(fd);
        if (entry !== undefined) {
          // One user per socket (a connection, or a transfer's name lookup): run it without
          // copying the list (a run may change entry.users).
          if (entry.users.length === 1) this.runSocketUser(entry.users[0]!, now);
          else {
            for (const u of entry.users.slice()) {
              if (this.dead !== undefined) break;
              this.runSocketUser(u, now);
            }
          }
        }
      }
      void events; // a hint only: the engine reads and writes until the transport would block
      return this.finishAction(now);
    } finally {
      this.busy = false;
    }
  }

  /**
   * A ready socket's user: a transfer waiting for its name lookup runs; a connection's session
   * reads what is there and only the transfers whose streams have something to do run (while
   * connecting: the transfers waiting for it).
   */
  private runSocketUser(u: Transfer | Connection, now: number): void {
    if (!(u instanceof Connection)) {
      runTransfer(this, u, now);
      return;
    }
    const session = u.session;
    if (session === undefined) {
      const waiting = u.attached;
      if (waiting.length === 1) runTransfer(this, waiting[0] as Transfer, now);
      else {
        for (const t of waiting.slice()) {
          if (this.dead !== undefined) break;
          runTransfer(this, t as Transfer, now);
        }
      }
      return;
    }
    this.actionNow = now;
    session.onSocketReady(now);
    session.forEachReady(this.runStreamOwner);
    if (session instanceof Http2Session) {
      // HTTP/2: SETTINGS, a stream's end or a GOAWAY may change how many transfers it can take;
      // a read may have queued frames to send (acknowledgements, WINDOW_UPDATE).
      if (session.capacityChanged && this.dead === undefined) this.multiplexReady(u, now);
      if (u.users > 0) {
        this.markDirty(u);
        this.settleConnections(null);
      }
    }
    // No transfer on it (an idle session read a close, an HTTP/2 PING...): it may have to close,
    // its interest may have changed.
    if (u.users === 0) {
      if (!u.reusable && u.state === 'connected') this.closeConnection(u, 'closed by the server');
      this.markDirty(u);
      this.settleConnections(null);
      this.reapClosed();
    }
  }

  /**
   * curl_multi_perform: run every transfer once (the regular multi interface; O(transfers)).
   * Use it with poll() when no socket callback is set.
   */
  perform(): number {
    this.enter();
    try {
      const now = this.readClock();
      this.pollReady = 0;
      this.lastDeadline = Number.NaN;
      // An HTTP/2 stream never reads its socket (the session reads for all its streams when the
      // socket is ready): with no readiness reported here, every connection in use reads first.
      for (const conn of [...this.pool.all]) {
        if (this.dead !== undefined) break;
        if (conn.session instanceof Http2Session && conn.users > 0) this.runSocketUser(conn, now);
      }
      for (const easy of this.handles.toArray()) {
        if (this.dead !== undefined) break;
        const t = easy._run;
        if (t !== undefined && t.state !== 'msgsent' && t.state !== 'completed') runTransfer(this, t, now);
      }
      for (const t of [...this.internal]) {
        if (this.dead !== undefined) break;
        if (t.state !== 'msgsent' && t.state !== 'completed') runTransfer(this, t, now);
      }
      return this.finishAction(now);
    } finally {
      this.busy = false;
    }
  }

  /**
   * The end of socketAction() and perform(): due timers, then once more for transfers woken
   * during the call (pending ones moved on, RUN_NOW), the timer callback, a dead multi's cleanup.
   */
  private finishAction(now: number): number {
    this.runDueTimers(now);
    this.runDueTimers(now);
    this.writeQueued(now);
    this.updateTimer(now);
    this.finishDead();
    return this.running;
  }

  /**
   * curl_multi_poll: wait until a socket is ready, the engine's timer is due, `timeoutMs` passes
   * or wakeup() is called. Only without a socket callback (the Multi watches its own sockets).
   * Resolves with the number of ready notifications seen.
   */
  poll(timeoutMs: number): Promise<number> {
    if (this.socketFunction !== undefined) {
      throw new MultiError(MultiCode.BAD_FUNCTION_ARGUMENT, 'poll() needs a Multi without a socketFunction');
    }
    if (this.busy) throw new MultiError(MultiCode.RECURSIVE_API_CALL);
    if (this.pollReady > 0) return Promise.resolve(this.pollReady);
    const now = this.transport.now();
    const wait = Math.max(0, Math.min(timeoutMs, this.pollDeadline - now, MAX_TIMER_MS));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pollWaiter = undefined;
        resolve(this.pollReady);
      }, Math.ceil(wait));
      this.pollWaiter = () => {
        clearTimeout(timer);
        this.pollWaiter = undefined;
        resolve(this.pollReady);
      };
    });
  }

  /** curl_multi_wakeup: make a waiting poll() return now. */
  wakeup(): void {
    this.pollWaiter?.();
  }

  /** curl_multi_info_read: one done message, or undefined. */
  infoRead(): DoneMessage | undefined {
    while (this.messageHead < this.messages.length) {
      const m = this.messages[this.messageHead]!;
      this.messages[this.messageHead++] = undefined as unknown as QueuedMessage;
      if (this.messageHead > 1024 && this.messageHead * 2 > this.messages.length) {
        this.messages.splice(0, this.messageHead);
        this.messageHead = 0;
      }
      if (m.purged) continue;
      m.purged = true;
      this.queued--;
      return { msg: m.msg, easy: m.easy, result: m.result };
    }
    return undefined;
  }

  /** curl_multi_assign: store `socketp` for `socket`, passed to later socket callbacks. */
  assign(socket: Socket | number, socketp: unknown): void {
    const fd = typeof socket === 'number' ? socket : socket.fd;
    if (!this.sockets.assign(fd, socketp)) throw new MultiError(MultiCode.BAD_SOCKET);
  }

  /** Easy handles added (finished ones included, until removed). */
  get easyHandles(): Easy[] {
    return this.handles.toArray();
  }

  /**
   * curl_multi_cleanup: remove every handle (running transfers stop), close every connection.
   * Sockets still announced get REMOVE first. The Multi cannot be used afterwards.
   */
  close(): void {
    if (this.closed) return;
    this.enter();
    try {
      const now = this.transport.now();
      for (const easy of this.handles.toArray()) {
        this.busy = false;
        this.removeHandle(easy);
        this.busy = true;
        // libcurl writes a handle's cookie jar at cleanup: the handles still added are done here
        // (a jar that cannot be written is skipped, as libcurl only warns).
        try {
          easy._saveCookies();
        } catch {}
      }
      for (const conn of [...this.pool.all]) this.pool.close(conn, 'multi closed');
      for (const e of this.sockets.all()) this.announce(null, e.socket, Poll.REMOVE, e.socketp);
      this.sockets.clear();
      this.dnsCache.clear();
      this.closed = true;
      if (this.timerArmed) {
        this.timerArmed = false;
        this.callTimer(-1);
      }
      void now;
    } finally {
      this.busy = false;
    }
  }

  // ------------------------------------------------------------ engine internals

  private readClock(): number {
    this.clockRead = this.transport.now();
    return this.clockRead;
  }

  private enter(): void {
    if (this.closed) throw new MultiError(MultiCode.BAD_HANDLE, 'The multi handle is closed');
    if (this.busy) throw new MultiError(MultiCode.RECURSIVE_API_CALL);
    this.busy = true;
    this._action++;
    this.env = undefined;
  }

  /**
   * @internal The proxy variables of the environment (libcurl reads them for every transfer): read
   * once per API call, so every transfer started in one call sees the same values and a change
   * made between calls is seen by the next.
   */
  proxyEnvironment(): Environment {
    this.env ??= proxyEnvironment(process.env);
    return this.env;
  }

  /**
   * @internal Counts API calls. A transfer that yielded with work left (its run's budget spent)
   * records the call it yielded in and is not run again by that call's due timers: it goes on
   * from the next timer call, after the event loop served everything else.
   */
  _action = 0;

  /** @internal True while an API call of this multi runs (callbacks may pause but not re-enter). */
  get _busy(): boolean {
    return this.busy;
  }
  /** @internal */
  get _inMultiCallback(): boolean {
    return this.inMultiCallback;
  }

  private runDueTimers(now: number): void {
    const heap = this.heap;
    let top = heap.peek();
    if (top === undefined || top.heapKey > now) return;
    const due: Transfer[] = [];
    while ((top = heap.peek()) !== undefined && top.heapKey <= now) due.push(heap.pop()!);
    for (const t of due) {
      if (this.dead !== undefined) return;
      // A transfer's other timers stay armed; running it recomputes its heap entry. (One with no
      // table of its own yet was due for its first run alone, which comes now.)
      const d = earliest(t.deadlines);
      if (d !== Number.POSITIVE_INFINITY) heap.set(t, d);
      if (t.state !== 'msgsent' && t.yieldedIn !== this._action) runTransfer(this, t, now);
    }
  }

  /** @internal */
  expire(t: Transfer, timer: Timer, at: number): void {
    const table = t.timers();
    table[timer] = at;
    const d = earliest(table);
    if (d !== t.heapKey || !this.heap.has(t)) this.heap.set(t, d);
  }

  /** @internal */
  clearTimer(t: Transfer, timer: Timer): void {
    if (t.deadlines[timer] === Number.POSITIVE_INFINITY) {
      // No table yet: the only deadline is RUN_NOW, held as the heap key.
      if (timer === Timer.RUN_NOW && t.deadlines === NO_TIMERS) this.heap.delete(t);
      return;
    }
    t.deadlines[timer] = Number.POSITIVE_INFINITY;
    const d = earliest(t.deadlines);
    if (d === Number.POSITIVE_INFINITY) this.heap.delete(t);
    else this.heap.set(t, d);
  }

  /** The timer callback when the earliest deadline changed (`now` NaN: read only if it is needed). */
  private updateTimer(now: number): void {
    if (this.dead !== undefined || this.closed) return;
    const top = this.heap.peek();
    if (top === undefined) {
      if (this.timerArmed) {
        this.timerArmed = false;
        this.lastDeadline = Number.NaN;
        this.callTimer(-1);
      }
      return;
    }
    const next = top.heapKey;
    if (this.timerArmed && next === this.lastDeadline) return;
    this.timerArmed = true;
    this.lastDeadline = next;
    this.callTimer(Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(next - this.clockUnlessRead(now)))));
  }

  private callTimer(ms: number): void {
    const fn = this.timerFunction;
    if (fn === undefined) {
      this.pollDeadline = ms < 0 ? Number.POSITIVE_INFINITY : this.transport.now() + ms;
      if (ms === 0) this.pollWaiter?.();
      return;
    }
    this.callApp('timerFunction', () => fn(ms));
  }

  /** Run the socket or timer callback: -1 or a throw marks the multi dead (libcurl's socket and timer callback contract). */
  private callApp(name: string, call: () => number | undefined | void): void {
    let r: number | undefined | void;
    this.inMultiCallback = true;
    try {
      r = call();
    } catch (cause) {
      this.markDead(cause);
      return;
    } finally {
      this.inMultiCallback = false;
    }
    if (r === -1) this.markDead(new Error(`${name} returned -1`));
  }

  private announce(t: Transfer | null, socket: Socket, what: number, socketp: unknown): void {
    if (this.dead !== undefined) return;
    if (debugOn) {
      debug(
        'socket fd=%d %s',
        socket.fd,
        what === Poll.REMOVE ? 'REMOVE' : what === 3 ? 'INOUT' : what === 1 ? 'IN' : 'OUT',
      );
    }
    const fn = this.socketFunction;
    if (fn === undefined) {
      this.pollModeWatch(socket, what);
      return;
    }
    this.callApp('socketFunction', () => fn(t?.easy ?? null, socket, what as PollWhat, socketp));
  }

  private pollModeWatch(socket: Socket, what: number): void {
    if (what === Poll.REMOVE) {
      socket.unwatch();
      this.pollWatched.delete(socket.fd);
      return;
    }
    this.pollWatched.set(socket.fd, socket);
    socket.watch(what as 1 | 2 | 3, () => {
      this.pollReady++;
      this.pollWaiter?.();
    });
  }

  private markDead(cause: unknown): void {
    if (this.dead === undefined) this.dead = { cause, reported: false, cleaned: false };
  }

  /**
   * After a socket or timer callback failed: every transfer ends with ABORTED_BY_CALLBACK now (so
   * none is left with nothing to wait on), connections close, no more callbacks; the API call
   * that triggered it throws.
   */
  private finishDead(): void {
    const dead = this.dead;
    if (dead === undefined || dead.cleaned) {
      if (dead !== undefined && !dead.reported) {
        dead.reported = true;
        throw new MultiError(MultiCode.ABORTED_BY_CALLBACK, undefined, { cause: dead.cause });
      }
      return;
    }
    dead.cleaned = true;
    const now = this.transport.now();
    for (const easy of this.handles.toArray()) {
      const t = easy._run!;
      if (t.state === 'completed' || t.state === 'msgsent') continue;
      fail(
        this,
        t,
        new TransferError(CurlCode.ABORTED_BY_CALLBACK, 'Aborted: the socket or timer callback failed', {
          phase: 'callback',
          cause: dead.cause,
        }),
      );
      this.completeTransfer(t, now);
      this.settle(t);
    }
    this.reapClosed();
    for (const conn of [...this.pool.all]) this.pool.close(conn, 'multi aborted');
    // Sockets stay unwatched: the transport drops its watchers when a socket is destroyed.
    for (const e of this.sockets.all()) e.socket.unwatch();
    this.sockets.clear();
    this.timerArmed = false;
    if (dead.reported) return;
    dead.reported = true;
    throw new MultiError(MultiCode.ABORTED_BY_CALLBACK, undefined, { cause: dead.cause });
  }

  /** @internal easy.pause(): from a data callback only flags change; from outside, interest and timer update now. */
  _pause(t: Transfer, bitmask: number): void {
    if (this.inMultiCallback) {
      throw new EasyError(CurlCode.RECURSIVE_API_CALL, 'pause() from inside the socket or timer callback');
    }
    if (t.state === 'completed' || t.state === 'msgsent') return;
    const recv = (bitmask & Pause.RECV) !== 0;
    const send = (bitmask & Pause.SEND) !== 0;
    const resumed = (t.recvPaused && !recv) || (t.sendPaused && !send);
    t.recvPaused = recv;
    t.sendPaused = send;
    const now = this.transport.now();
    if (resumed) this.expire(t, Timer.RUN_NOW, now);
    if (this.busy) return; // inside a data callback: the run in progress settles interest
    this.busy = true;
    try {
      this.settle(t);
      this.writeQueued(now);
      this.updateTimer(now);
      this.finishDead();
    } finally {
      this.busy = false;
    }
  }

  /**
   * After a transfer ran: its own socket interest (a name lookup), its stream's wishes, then the
   * poll interest of every connection touched during the run (REMOVE before a close), then the
   * closes.
   * @internal
   */
  settle(t: Transfer): void {
    const own = ownSocket(t);
    this.sockets.update(t, own, own === undefined ? 0 : Poll.IN, t);
    settleInterest(t);
    if (t.conn !== undefined) this.markDirty(t.conn);
    this.settleConnections(t);
    this.reapClosed();
  }

  /** @internal A connection's interest may have changed: settled at the end of the current run. */
  markDirty(conn: Connection): void {
    if (conn.dirty) return;
    conn.dirty = true;
    this.dirty.push(conn);
  }

  private settleConnections(cause: Transfer | null): void {
    const list = this.dirty;
    for (let i = 0; i < list.length; i++) {
      const conn = list[i]!;
      conn.dirty = false;
      // Frames its streams queued wait for writeQueued() (pollset() leaves them out meanwhile).
      if (conn.session instanceof Http2Session && conn.session.takeQueued()) this.unwritten.push(conn);
      const what = conn.pollset();
      this.sockets.update(conn, what === 0 ? undefined : conn.socket, what, cause);
    }
    // Nearly always one connection: pop() stays in compiled code, setting `length` is a runtime
    // call (~1% of a small request's CPU).
    if (list.length === 1) list.pop();
    else list.length = 0;
  }

  /**
   * The end of an API call: what HTTP/2 sessions queued during it (every request's HEADERS, the
   * WINDOW_UPDATEs, RST_STREAMs) goes out, one write per connection instead of one per frame, as
   * nghttp2 writes per loop turn. Costs O(connections written), not O(transfers). A connection
   * whose write failed ends its transfers now.
   */
  private writeQueued(now: number): void {
    const list = this.unwritten;
    // Settling a failed connection's transfers may queue frames elsewhere: until none is left.
    while (list.length > 0) {
      for (let i = 0; i < list.length; i++) {
        const conn = list[i]!;
        const session = conn.session as Http2Session;
        if (conn.state === 'closed' || conn.closing || session.writeQueued()) continue;
        if (session.failed && this.dead === undefined) {
          this.actionNow = now;
          session.forEachReady(this.runStreamOwner);
        }
        // A short write: the connection now wants OUT for the rest (a failed one, nothing).
        this.markDirty(conn);
      }
      list.length = 0;
      this.settleConnections(null);
      this.reapClosed();
    }
  }

  /** @internal A transfer uses `conn` from now on (waiting for it to connect, then with a stream). */
  attach(t: Transfer, conn: Connection): void {
    t.conn = conn;
    t.connId = conn.id;
    conn.attach(t);
    this.markDirty(conn);
    // An idle HTTP/2 connection taken from the pool: findable for the next transfers at once.
    if (conn.multiplexed) this.pool.updateMultiplexed(conn);
  }

  /** @internal The transfer leaves its connection (its stream is done or abandoned already). */
  detach(t: Transfer, conn: Connection): void {
    t.conn = undefined;
    conn.detach(t);
    this.markDirty(conn);
    // One stream freed: one waiting transfer of the host takes it (waking more would only send
    // them back to the queue).
    if (conn.multiplexed && conn.users > 0) this.multiplexReady(conn, this.transport.now(), 1);
    else this.pool.updateMultiplexed(conn);
    if (conn.users === 0 && this.closeWhenIdle.delete(conn)) this.closeConnection(conn, 'not reusable');
  }

  /** @internal */
  completeTransfer(t: Transfer, now: number): void {
    t.tEnd = now;
    t.deadlines.fill(Number.POSITIVE_INFINITY, 0, TIMER_COUNT);
    this.heap.delete(t);
    this.pending.leave(t);
    this.running--;
    const easy = t.easy;
    easy.errorBuffer = t.error?.message ?? '';
    if (t.onDone !== undefined) {
      transition(this, t, 'msgsent');
      this.internal.delete(t);
      easy._multi = undefined;
      easy._run = undefined;
      t.onDone(t, t.result);
      return;
    }
    const msg: QueuedMessage = { msg: 'done', easy, result: t.result, purged: false };
    this.messages.push(msg);
    this.queued++;
    easy._message = msg;
    transition(this, t, 'msgsent');
    if (channels.transferDone.hasSubscribers) {
      channels.transferDone.publish({ id: t.id, easy, result: t.result, error: t.error });
    }
  }

  /** @internal */
  publishState(t: Transfer, from: TransferState, to: TransferState): void {
    if (channels.transferState.hasSubscribers)
      channels.transferState.publish({ id: t.id, easy: t.easy, from, to });
    if (debugOn) debug('transfer #%d %s -> %s', t.id, from, to);
  }

  /** @internal */
  publishConnection(kind: 'open' | 'reuse', conn: Connection): void {
    const ch = kind === 'open' ? channels.connectionOpen : channels.connectionReuse;
    if (ch.hasSubscribers) {
      ch.publish({ id: conn.id, host: conn.host, port: conn.port, requests: conn.requests });
    }
    if (debugOn) debug('connection #%d %s %s:%d', conn.id, kind, conn.host, conn.port);
  }

  /** @internal */
  callDebug(t: Transfer, type: DebugInfoType, data: string | Uint8Array): void {
    try {
      t.o.debugFunction?.call(t.easy, type, data);
    } catch {
      // A debug callback cannot fail a transfer (libcurl ignores its return value too).
    }
  }

  // ---------------------------------------------------------------- connections

  /** @internal CURLMOPT_MAX_CONCURRENT_STREAMS. */
  get maxConcurrentStreams(): number {
    return this.opts.maxConcurrentStreams;
  }

  /**
   * @internal A multiplexed connection can take more streams (it connected, a stream ended, the server's
   * SETTINGS raised the limit): findable again, and as many pending transfers of its host as it
   * has free streams move on (libcurl: a new transfer joins a connection with a free stream).
   */
  multiplexReady(conn: Connection, now: number, maxWake = Number.POSITIVE_INFINITY): void {
    const session = conn.session;
    if (!(session instanceof Http2Session)) return;
    session.capacityChanged = false;
    this.pool.updateMultiplexed(conn);
    let free = session.canOpenStream() ? Math.min(maxWake, session.maxStreams - session.activeStreams) : 0;
    while (free-- > 0 && this.pending.hasFor(conn.hostKey)) this.wakePending(conn.hostKey, now);
  }

  /**
   * @internal A connection being set up for reuseKey that may turn out multiplexed (CURLOPT_PIPEWAIT waits
   * for it instead of opening another one).
   */
  connectingFor(reuseKey: string): boolean {
    for (const conn of this.pool.all) {
      if (conn.state === 'connecting' && !conn.closing && conn.reuseKey === reuseKey) return true;
    }
    return false;
  }

  /**
   * @internal A connection for reuseKey: a multiplexed one with a free stream, else an idle one.
   * Idle ones found dead or too old on the way are closed, told to `t`'s debugFunction.
   */
  acquireConnection(reuseKey: string, now: number, t?: Transfer): Connection | undefined {
    const conn =
      this.pool.acquireMultiplexed(reuseKey) ??
      this.pool.acquire(reuseKey, now, this.opts.maxIdleAgeMs, poolTellFor(this, t));
    if (conn !== undefined) this.publishConnection('reuse', conn);
    return conn;
  }

  /** @internal */
  addConnection(conn: Connection): void {
    this.pool.add(conn);
  }

  /**
   * May a new connection to hostKey be opened? Evicts the oldest idle connection to make room;
   * otherwise says which limit is in the way.
   * @internal
   */
  connectionSlot(hostKey: string): 'ok' | 'host' | 'total' {
    const { maxHostConnections: maxHost, maxTotalConnections: maxTotal } = this.opts;
    // The slot an eviction frees is taken at once: no pending transfer is woken for it.
    this.evicting = true;
    try {
      if (maxHost > 0 && this.pool.hostCount(hostKey) >= maxHost) {
        if (!this.pool.evictOldestIdle(hostKey)) return 'host';
      }
      if (maxTotal > 0 && this.pool.size >= maxTotal) {
        if (!this.pool.evictOldestIdle()) return 'total';
      }
      return 'ok';
    } finally {
      this.evicting = false;
    }
  }

  /**
   * @internal A connection no transfer uses goes back to the pool; past maxConnects idle ones the
   * oldest are closed, told to `by`'s debugFunction (the transfer that gave this one back).
   */
  releaseConnection(conn: Connection, now: number, by?: Transfer): void {
    if (conn.state !== 'connected' || conn.users > 0) {
      if (conn.users === 0) this.closeConnection(conn, 'not connected');
      return;
    }
    this.pool.release(conn, now);
    const max = this.opts.maxConnects > 0 ? this.opts.maxConnects : Math.max(4, 4 * this.handles.size);
    if (this.pool.idleCount > max) this.evictOverMax(max, poolTellFor(this, by));
    this.wakePending(conn.hostKey, now);
  }

  /** Close the oldest idle connections down to `max` (each told to `tell`, after its full()). */
  private evictOverMax(max: number, tell: PoolTell | undefined): void {
    tell?.full(this.pool.idleCount, max);
    this.evicting = true;
    while (this.pool.idleCount > max) {
      const evicted = this.pool.evictOldest();
      if (evicted === undefined) break;
      tell?.evicted(evicted);
    }
    this.evicting = false;
  }

  /**
   * A connection leaves this Multi's pool open (handed to a Share): the slot it held frees, pending
   * transfers of its host move on. False when it is not in the pool.
   * @internal
   */
  detachConnection(conn: Connection, now: number): boolean {
    if (!this.pool.detach(conn)) return false;
    this.wakePending(conn.hostKey, now);
    return true;
  }

  /** @internal Close after the current transfer's pollset no longer names the socket (REMOVE before close). */
  closeConnection(conn: Connection, reason: string): void {
    if (conn.state === 'closed' || conn.closing) return;
    const session = conn.session;
    if (session instanceof Http2Session && !session.failed && (conn.users > 0 || session.reusable)) {
      // A transfer gave up its stream (reset) on a healthy multiplexed connection: the connection
      // stays for the others (or in the pool); one going away (GOAWAY) closes after its last.
      if (conn.users === 0) this.releaseConnection(conn, this.transport.now());
      else if (!session.reusable) this.closeWhenIdle.add(conn);
      return;
    }
    conn.closing = true;
    this.markDirty(conn);
    this.closing.push({ conn, reason });
  }

  /** @internal */
  reapClosed(): void {
    const list = this.closing;
    while (list.length > 0) {
      const { conn, reason } = list.pop()!;
      if (this.pool.all.has(conn)) this.pool.close(conn, reason);
      else conn.destroy();
    }
  }

  private onConnectionClosed(conn: Connection, reason: string): void {
    if (channels.connectionClose.hasSubscribers) {
      channels.connectionClose.publish({ id: conn.id, host: conn.host, port: conn.port, reason });
    }
    if (debugOn) debug('connection #%d closed: %s', conn.id, reason);
    if (!this.closed && !this.evicting) this.wakePending(conn.hostKey, this.transport.now());
  }

  /**
   * parseTarget with a cache by URL (and CURLOPT_PORT): a URL parse is ~4% of a small keep-alive
   * request's CPU, and applications send the same URLs again and again. Targets are read-only, so
   * transfers share them; failures are not cached (they throw every time, as before).
   * @internal
   */
  target(url: string, portOverride: number | undefined, pathAsIs = false, follow = false): Target {
    const key =
      portOverride === undefined && !pathAsIs && !follow
        ? url
        : `${portOverride ?? ''}|${pathAsIs ? 1 : 0}${follow ? 1 : 0} ${url}`;
    let target = this.targets.get(key);
    if (target === undefined) {
      target = parseTarget(url, portOverride, { pathAsIs, follow });
      if (this.targets.size >= TARGET_CACHE_MAX_ENTRIES) this.targets.clear();
      this.targets.set(key, target);
    }
    return target;
  }

  /** @internal The default dnsCacheTimeout of this Multi's cache, in ms (the Multi option; 60 s). */
  get dnsCacheTimeoutMs(): number {
    return this.opts.dnsCacheTimeoutMs;
  }

  // -------------------------------------------------------------------- pending

  /** @internal */
  addPending(t: Transfer, limit: 'host' | 'total'): void {
    this.pending.add(t, limit);
    // Waiting for a slot now, whatever it waited for before.
    this.pipeWaiters.delete(t);
  }

  /**
   * @internal `t` waits in its host's queue for a connection being set up that may multiplex
   * (CURLOPT_PIPEWAIT), rather than opening one of its own.
   */
  addPipeWaiter(t: Transfer): void {
    this.pending.add(t, 'host');
    this.pipeWaiters.add(t);
  }

  /**
   * @internal `conn` connected and cannot multiplex (HTTP/1.x): the host's longest waiter, if it
   * waited for a multiplexed connection (pipeWait), moves on and opens its own. libcurl's
   * Curl_multiuse_state(BUNDLE_NO_MULTIUSE) runs process_pending_handles the same way; the
   * connection that one opens wakes the next waiter when it connects.
   */
  pipeWaitOver(conn: Connection, now: number): void {
    const t = this.pending.firstFor(conn.hostKey);
    if (t === undefined || !this.pipeWaiters.delete(t)) return;
    this.pending.leave(t);
    this.moveOn(t, now);
  }

  /** A slot for hostKey may have opened: move one pending transfer forward (round-robin). */
  private wakePending(hostKey: string, now: number): void {
    const t = this.pending.takeFor(hostKey);
    if (t !== undefined) this.moveOn(t, now);
  }

  private wakeAnyPending(now: number): void {
    const t = this.pending.takeAny();
    if (t !== undefined) this.moveOn(t, this.clockUnlessRead(now));
  }

  /** `now` when the call has read the clock (a number), else the clock read now. */
  private clockUnlessRead(now: number): number {
    return Number.isNaN(now) ? this.readClock() : now;
  }

  private moveOn(t: Transfer, now: number): void {
    transition(this, t, 'connect');
    this.expire(t, Timer.RUN_NOW, now);
  }
}
