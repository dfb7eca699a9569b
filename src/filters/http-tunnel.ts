// The HTTP proxy tunnel (libcurl's cf-h1-proxy): above the connection to an HTTP(S) proxy, it sends
// `CONNECT host:port` once the filter below is connected and reads the answer; a 2xx makes it a
// pass-through to the destination (TLS to the origin stacks on top). A 407 the hooks can answer
// (proxy credentials) sends CONNECT again: on the same connection when the proxy keeps it, else on
// a new one. Any other answer ends the transfer with RECV_ERROR (56), "CONNECT tunnel failed,
// response N", the code in getInfo().httpConnectCode.
import { CurlCode } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import { EMPTY_BYTES } from '../proto/bytes.js';
import { encodeConnectRequest, type HeaderList, NEED_DATA, ResponseReader } from '../proto/h1/index.js';
import type { ResponseHead } from '../proto/h1/types.js';
import { EOF, type ReadResult, Ready } from '../transport/types.js';
import type { Filter, FilterQueries } from './types.js';

/** CONNECT rounds at most (an auth exchange needs two; Digest with a stale nonce three). */
const MAX_CONNECT_ROUNDS = 5;

export interface TunnelHooks {
  /** Fields for this CONNECT after Host (Proxy-Authorization, User-Agent, Proxy-Connection, proxyHeader). */
  requestHeaders(): HeaderList;
  /** The request as sent (for the debug callback). */
  onRequest?(bytes: Uint8Array): void;
  /**
   * The proxy's answer (interim ones too); returns true when a non-2xx is to be answered with a
   * new CONNECT (a 407 with credentials to offer).
   */
  onHead(head: ResponseHead): boolean;
  /** A new connection to the proxy, for a retry after the proxy closed the last one. */
  reopen?(): Filter;
}

type State = 'connecting-below' | 'send' | 'recv-head' | 'drain-body' | 'done';

export class HttpTunnelFilter implements Filter {
  readonly name = 'http-proxy';
  private below: Filter;
  private state: State = 'connecting-below';
  private out: Uint8Array = EMPTY_BYTES;
  private reader = new ResponseReader();
  private early: Uint8Array = EMPTY_BYTES;
  private rounds = 0;
  private retry = false;

  constructor(
    below: Filter,
    private readonly host: string,
    private readonly port: number,
    private readonly http10: boolean,
    private readonly hooks: TunnelHooks,
  ) {
    this.below = below;
  }

  get next(): Filter {
    return this.below;
  }

  connect(now: number): boolean {
    for (;;) {
      switch (this.state) {
        case 'done':
          return true;
        case 'connecting-below':
          if (!this.below.connect(now)) return false;
          this.startRound();
          break;
        case 'send': {
          const n = this.below.send(this.out);
          this.out = this.out.subarray(n);
          if (this.out.length > 0) return false;
          this.state = 'recv-head';
          break;
        }
        case 'recv-head':
        case 'drain-body':
          if (!this.receive()) return false;
          break;
      }
    }
  }

  private startRound(): void {
    if (++this.rounds > MAX_CONNECT_ROUNDS) {
      throw this.failure(CurlCode.RECV_ERROR, `Proxy CONNECT: too many authentication rounds`);
    }
    this.out = encodeConnectRequest(this.host, this.port, this.hooks.requestHeaders(), this.http10 ? 10 : 11);
    this.hooks.onRequest?.(this.out);
    this.reader.startResponse({ method: 'CONNECT' });
    this.state = 'send';
  }

  /** Reads and handles the proxy's answer; false: wait for more input. */
  private receive(): boolean {
    for (;;) {
      const ev = this.reader.nextEvent();
      if (ev === NEED_DATA) {
        const r = this.below.recv();
        if (r === null) return false;
        if (r === EOF) {
          if (this.state === 'recv-head') throw this.failure(CurlCode.RECV_ERROR, 'Proxy CONNECT aborted');
          this.reader.receiveData(null);
        } else {
          this.reader.receiveData(r);
        }
        continue;
      }
      if (ev.type === 'head') {
        const again = this.hooks.onHead(ev);
        if (ev.interim) continue;
        if (ev.status >= 200 && ev.status < 300) continue; // the end event follows at once
        if (!again) {
          throw this.failure(CurlCode.RECV_ERROR, `CONNECT tunnel failed, response ${ev.status}`);
        }
        this.retry = true;
        this.state = 'drain-body';
        continue;
      }
      if (ev.type === 'data') continue;
      // end
      if (!this.retry) {
        this.early = this.reader.takeBuffered();
        this.state = 'done';
        return true;
      }
      this.retry = false;
      if (!ev.keepAlive || this.reader.eof) {
        if (this.hooks.reopen === undefined) {
          throw this.failure(CurlCode.RECV_ERROR, 'Proxy CONNECT: the proxy closed the connection');
        }
        this.below.destroy();
        this.below = this.hooks.reopen();
        this.reader = new ResponseReader();
        this.state = 'connecting-below';
        return true;
      }
      this.startRound();
      return true;
    }
  }

  private failure(code: CurlCode, message: string): TransferError {
    return new TransferError(code, message, { side: 'remote', phase: 'proxy' });
  }

  pollset(wantRecv: boolean, wantSend: boolean): number {
    switch (this.state) {
      case 'done':
        return this.below.pollset(wantRecv, wantSend);
      case 'connecting-below':
        return this.below.pollset(false, false);
      case 'send':
        return Ready.OUT;
      default:
        return Ready.IN;
    }
  }

  send(data: Uint8Array): number {
    return this.below.send(data);
  }

  recv(): ReadResult {
    if (this.early.length > 0) {
      const b = this.early;
      this.early = EMPTY_BYTES;
      return b;
    }
    return this.below.recv();
  }

  hasPendingData(): boolean {
    return this.early.length > 0 || this.below.hasPendingData();
  }

  query<K extends keyof FilterQueries>(what: K): FilterQueries[K] | undefined {
    return this.below.query(what);
  }

  destroy(): void {
    this.below.destroy();
  }
}
