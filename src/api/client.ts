// Client: one NodeDriver (one Multi) with its limits set once, and the promise API on top of it.
// Every call is one Easy on that Multi, so calls share its connection pool, DNS cache and limits.
import { CurlCode } from '../core/codes.js';
import type { Transport } from '../transport/types.js';
import { type DriverTimer, NodeDriver, unrefTimer } from './driver.js';
import { TscurlError } from './errors.js';
import type { Exchange, ExchangeHost } from './exchange.js';
import { type FetchInit, type FetchInput, fetchWith } from './fetch.js';
import { ActivityHold, UnrefTransport } from './idle.js';
import { type RequestOptions, type RequestResult, requestWith } from './request.js';
import { type HeadersInput, headerPairs, type TransferOptions } from './transfer-options.js';
import { WorkerPool, workerCount } from './workers/pool.js';
import type { WireOptions } from './workers/protocol.js';

/** Settings applied to every call of a Client (a call's own values win; headers merge by name). */
export interface ClientDefaults extends TransferOptions {
  headers?: HeadersInput;
}

export interface ClientOptions {
  /** CURLMOPT_MAX_TOTAL_CONNECTIONS: open connections at most (0 = no limit); more calls queue. */
  maxTotalConnections?: number;
  /** CURLMOPT_MAX_HOST_CONNECTIONS: per host and port (0 = no limit). */
  maxHostConnections?: number;
  /** CURLMOPT_MAX_CONCURRENT_STREAMS: streams per multiplexed connection (default 100). */
  maxConcurrentStreams?: number;
  /** CURLMOPT_MAXCONNECTS: idle connections kept in the pool. */
  maxConnects?: number;
  /** Idle connections older than this are not reused (ms, default 118 s like libcurl). */
  maxIdleAgeMs?: number;
  /** DNS cache lifetime (ms, default 60 s). */
  dnsCacheTimeoutMs?: number;
  defaults?: ClientDefaults;
  /**
   * Worker threads, each with its own Multi and pool ('auto': one per core); the connection
   * limits hold across all of them. Default: none, every transfer runs on this thread.
   */
  workers?: number | 'auto';
}

/**
 * Where a Client's transfers run. By default Node's network with unref'd sockets and timers, the
 * Client holding the process open only while a transfer needs it; tscurl/sim's createClient()
 * passes its simulated network and virtual timer, which drive themselves.
 */
export interface ClientRuntime {
  transport: Transport;
  timer: DriverTimer;
  /** Keep the process alive while a transfer runs (not when something else drives the loop). */
  holdsProcess: boolean;
}

type ClientState = 'open' | 'closing' | 'closed';

export class Client implements AsyncDisposable {
  /** The driver running this client's Multi (for diagnostics and advanced use). */
  readonly driver: NodeDriver;
  readonly defaults: Readonly<ClientDefaults>;
  private state: ClientState = 'open';
  private readonly inflight = new RunningList();
  private readonly calls = new Set<Promise<unknown>>();
  private readonly hold = new ActivityHold();
  private readonly host: ExchangeHost;
  private closed: Promise<void> | undefined;
  /** The worker threads, when the client has any. */
  private readonly pool: WorkerPool | undefined;
  /** Set once no transfer may start: destroy()'s reason, or the closed error. */
  private refusal: unknown;

  constructor(options: ClientOptions = {}, runtime?: ClientRuntime) {
    const { defaults, workers, ...limits } = options;
    this.defaults = { ...defaults };
    const rt = runtime ?? { transport: new UnrefTransport(), timer: unrefTimer, holdsProcess: true };
    this.driver = new NodeDriver({ ...limits, transport: rt.transport, timer: rt.timer });
    const inflight = this.inflight;
    const hold = rt.holdsProcess ? this.hold : undefined;
    if (workers !== undefined) {
      const { headers, ...easy } = this.defaults;
      const pairs = headers === undefined ? undefined : [...headerPairs(headers)];
      this.pool = new WorkerPool(
        workerCount(workers),
        limits,
        { options: easy as WireOptions, headers: pairs },
        hold ?? { enter() {}, leave() {} },
      );
    }
    this.host = {
      driver: this.driver,
      refusal: () => this.refusal,
      started(x) {
        inflight.add(x);
        hold?.enter();
      },
      ended(x) {
        if (inflight.delete(x) && !x._idle) hold?.leave();
        x._idle = false;
      },
      waitingForReader(x, waiting) {
        if (!x._running || x._idle === waiting) return;
        x._idle = waiting;
        if (waiting) hold?.leave();
        else hold?.enter();
      },
    };
  }

  /** WHATWG fetch over this client: resolves with Node's own Response. */
  fetch(input: FetchInput, init?: FetchInit): Promise<Response> {
    if (this.pool !== undefined) return this._track(this.workerCall(() => this.pool!.fetch(input, init)));
    return fetchWith(this, input, init);
  }

  /** Status, headers, a streaming body with the body mixins, and the transfer's getInfo(). */
  request(url: string | URL, options?: RequestOptions): Promise<RequestResult> {
    if (this.pool !== undefined) return this._track(this.workerCall(() => this.pool!.request(url, options)));
    return requestWith(this, url, options);
  }

  private workerCall<T>(call: () => Promise<T>): Promise<T> {
    if (this.state !== 'open') return Promise.reject(this.refusal ?? clientClosedError());
    return call();
  }

  /** @internal The worker threads (tests). */
  get _workers(): WorkerPool | undefined {
    return this.pool;
  }

  /**
   * @internal Calls not settled yet that close() waits for (a call preparing its body, or between
   * redirect hops); a running transfer is waited for by itself.
   */
  _track<T>(call: Promise<T>): Promise<T> {
    const calls = this.calls;
    calls.add(call);
    const forget = () => calls.delete(call);
    call.then(forget, forget);
    return call;
  }

  /** Transfers running now (including ones whose body is still being read). */
  get running(): number {
    return this.inflight.size + (this.pool?.running ?? 0);
  }

  /** True once close() or destroy() was called. */
  get isClosed(): boolean {
    return this.state !== 'open';
  }

  /** No new calls; resolves once every running transfer ended, then closes the pooled connections. */
  close(): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    this.state = 'closing';
    this.closed = this.drain().then(() => this.shutdown());
    return this.closed;
  }

  private async drain(): Promise<void> {
    while (this.calls.size > 0 || this.inflight.size > 0) {
      await Promise.allSettled([...this.calls, ...this.inflight.all().map((x) => x.finished)]);
    }
    await this.pool?.drained();
  }

  /** End every running transfer now (they reject with `error`, or an ABORTED_BY_CALLBACK TscurlError). */
  destroy(error?: Error): Promise<void> {
    this.state = 'closing';
    const reason =
      error ?? new TscurlError(CurlCode.ABORTED_BY_CALLBACK, 'The client was destroyed', { side: 'local' });
    this.refusal ??= reason;
    for (const x of this.inflight.all()) x.abort(reason);
    this.pool?.abortAll(reason);
    this.shutdown();
    this.closed ??= Promise.resolve();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal The exchange host, for fetch.ts and request.ts. */
  _host(): ExchangeHost {
    if (this.state !== 'open') throw clientClosedError();
    return this.host;
  }

  private shutdown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.refusal ??= clientClosedError();
    this.driver.close();
    this.pool?.terminate();
    this.hold.close();
  }
}

/** The running exchanges, linked through their own fields (see Exchange._prev). */
class RunningList {
  private first: Exchange<unknown> | undefined;
  size = 0;

  add(x: Exchange<unknown>): void {
    x._running = true;
    x._prev = undefined;
    x._next = this.first;
    if (this.first !== undefined) this.first._prev = x;
    this.first = x;
    this.size++;
  }

  /** False when `x` was not in the list. */
  delete(x: Exchange<unknown>): boolean {
    if (!x._running) return false;
    x._running = false;
    const prev = x._prev;
    const next = x._next;
    if (prev === undefined) this.first = next;
    else prev._next = next;
    if (next !== undefined) next._prev = prev;
    x._prev = x._next = undefined;
    this.size--;
    return true;
  }

  /** A copy, in the order they were added (the list may change while it is worked through). */
  all(): Exchange<unknown>[] {
    const out: Exchange<unknown>[] = [];
    for (let x = this.first; x !== undefined; x = x._next) out.push(x);
    return out.reverse();
  }
}

function clientClosedError(): TscurlError {
  return new TscurlError(CurlCode.FAILED_INIT, 'The client is closed', { side: 'local', phase: 'setup' });
}

let defaultClient: Client | undefined;

/**
 * The client behind the module-level fetch() and request(), created on first use. Its sockets are
 * unref'd, so it never keeps the process alive when no transfer runs.
 */
export function getDefaultClient(): Client {
  if (defaultClient === undefined || defaultClient.isClosed) defaultClient = new Client();
  return defaultClient;
}

/** Replace the default client (the previous one is returned, not closed). */
export function setDefaultClient(client: Client): Client | undefined {
  const previous = defaultClient;
  defaultClient = client;
  return previous;
}
