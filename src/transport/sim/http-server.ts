// A small HTTP/1.1 server on a simulated connection, with node:http's handler shape:
// (req, res) => void. Keep-alive by default, Content-Length when the whole body is known at
// end() (no earlier write), chunked otherwise (close-delimited for HTTP/1.0 clients).
// The HTTP-level faults (truncate, garbage) act here; byte-level ones act in PeerConn.
import { latin1, toBytes } from './bytes.js';
import { type RequestHead, RequestParser, reasonPhrase, serializeHead } from './http-codec.js';
import type { PeerConn } from './peer.js';
import type { SimEvent } from './scheduler.js';
import type { SimWorld } from './world.js';

export interface SimRequest {
  readonly method: string;
  /** The request target as sent ('/path?query'). */
  readonly url: string;
  readonly httpVersion: '1.0' | '1.1' | '2.0';
  /** Lower-case names; repeated fields joined with ', '. */
  readonly headers: Readonly<Record<string, string>>;
  /** Fields as sent, in order. */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
  /** The request body as it arrives (virtual time passes between chunks). */
  readonly body: AsyncIterable<Uint8Array>;
  /** The whole body once it has arrived. */
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  /** The connection it came on (index, addresses, raw control). */
  readonly conn: PeerConn;
}

export type HeaderValue = string | number | readonly string[];

export interface SimResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly finished: boolean;
  writeHead(status: number, headers?: Record<string, HeaderValue>): this;
  writeHead(status: number, reason: string, headers?: Record<string, HeaderValue>): this;
  setHeader(name: string, value: HeaderValue): this;
  getHeader(name: string): string | undefined;
  removeHeader(name: string): void;
  /** Send the head now (otherwise it goes with the first write or end). */
  flushHeaders(): void;
  write(chunk: Uint8Array | string): boolean;
  end(chunk?: Uint8Array | string): void;
  /** Reset the connection (the client sees ECONNRESET). */
  destroy(): void;
  readonly conn: PeerConn;
}

export type SimHandler = (req: SimRequest, res: SimResponse) => void | Promise<void>;

export interface HttpServerOptions {
  /** Close a keep-alive connection idle this long (virtual ms). Default: never. */
  keepAliveTimeoutMs?: number;
  /** Answer `Expect: 100-continue` with 100 Continue before calling the handler. Default true. */
  autoContinue?: boolean;
}

// A head with junk where the fields should be (libcurl: "Nul byte in header", 8); junk with no
// "HTTP/" at all would be HTTP/0.9 (1), which a fault's bytes can ask for.
const DEFAULT_GARBAGE = 'HTTP/1.1 200 OK\r\nGARBAGE\x00\x7f\x01 this is not HTTP\r\n\r\n';

export class BodyStream implements AsyncIterable<Uint8Array> {
  private chunks: Uint8Array[] = [];
  private ended = false;
  private failed: Error | undefined;
  private waiter: (() => void) | undefined;
  private consumed = false;

  constructor(private readonly world: SimWorld) {}

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  fail(err: Error): void {
    this.failed = err;
    this.wake();
  }

  get done(): boolean {
    return this.ended;
  }

  /** The whole body once it has arrived. */
  async all(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const c of this) parts.push(c);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      this.world.drainNeeded = true;
      w();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.consumed) throw new Error('sim: request body already consumed');
    this.consumed = true;
    for (;;) {
      const c = this.chunks.shift();
      if (c) {
        yield c;
        continue;
      }
      if (this.failed) throw this.failed;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}

export class HttpConnection {
  private readonly parser = new RequestParser();
  /** Requests parsed but not yet answered (pipelining), the first one is being handled. */
  private readonly queue: Array<{ head: RequestHead; body: BodyStream }> = [];
  private current: { head: RequestHead; body: BodyStream } | undefined;
  private receiving: BodyStream | undefined;
  private closing = false;
  private idleEvent: SimEvent | undefined;

  constructor(
    private readonly world: SimWorld,
    readonly conn: PeerConn,
    private readonly handler: SimHandler,
    private readonly options: HttpServerOptions,
    private readonly onError: (err: unknown) => void,
  ) {
    conn.onData((b) => this.onBytes(b));
    conn.onEnd(() => this.onClientEnd());
    conn.onClose(() => this.world.sched.cancel(this.idleEvent));
    this.armIdle();
  }

  private onBytes(bytes: Uint8Array): void {
    this.world.sched.cancel(this.idleEvent);
    for (const ev of this.parser.push(bytes)) {
      switch (ev.type) {
        case 'head': {
          const body = new BodyStream(this.world);
          this.receiving = body;
          this.queue.push({ head: ev.head, body });
          break;
        }
        case 'data':
          this.receiving?.push(ev.bytes);
          break;
        case 'end':
          this.receiving?.end();
          this.receiving = undefined;
          break;
        case 'error':
          this.receiving?.fail(new Error(ev.message));
          this.receiving = undefined;
          if (!this.current) this.respondError(ev.status, ev.message);
          else this.closing = true;
          return;
      }
    }
    this.next();
  }

  private onClientEnd(): void {
    if (this.receiving) {
      this.receiving.fail(new Error('client closed the connection mid-request'));
      this.receiving = undefined;
    }
    this.closing = true;
    if (!this.current && this.queue.length === 0) this.conn.end();
  }

  private respondError(status: number, message: string): void {
    const body = `${message}\n`;
    this.conn.write(
      serializeHead(status, reasonPhrase(status), [
        ['content-type', 'text/plain'],
        ['content-length', String(body.length)],
        ['connection', 'close'],
      ]) + body,
    );
    this.conn.close();
  }

  private next(): void {
    if (this.current || this.queue.length === 0) return;
    const req = this.queue.shift()!;
    this.current = req;
    const res = new Response(this, req.head);
    const head = req.head;
    if (
      (this.options.autoContinue ?? true) &&
      head.httpVersion === '1.1' &&
      head.headers.expect?.toLowerCase() === '100-continue' &&
      !req.body.done
    ) {
      this.conn.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    const request: SimRequest = {
      method: head.method,
      url: head.url,
      httpVersion: head.httpVersion,
      headers: head.headers,
      rawHeaders: head.rawHeaders,
      body: req.body,
      conn: this.conn,
      bytes: () => req.body.all(),
      text: async () => new TextDecoder().decode(await request.bytes()),
    };
    this.world.drainNeeded = true;
    try {
      const r = this.handler(request, res);
      if (r && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(undefined, (err: unknown) => this.handlerFailed(res, err));
      }
    } catch (err) {
      this.handlerFailed(res, err);
    }
  }

  private handlerFailed(res: Response, err: unknown): void {
    this.onError(err);
    if (res.finished) return;
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader('connection', 'close');
      res.end('handler failed\n');
    } else {
      res.destroy();
    }
  }

  /** Called by a Response when it has been fully written. */
  responseDone(close: boolean): void {
    this.current = undefined;
    if (close || this.closing) {
      this.conn.close();
      return;
    }
    this.next();
    this.armIdle();
  }

  private armIdle(): void {
    const ms = this.options.keepAliveTimeoutMs;
    if (ms === undefined || this.current || this.queue.length > 0) return;
    this.world.sched.cancel(this.idleEvent);
    this.idleEvent = this.world.sched.at(ms, () => {
      if (!this.current && this.queue.length === 0) this.conn.close();
    });
  }
}

class Response implements SimResponse {
  statusCode = 200;
  headersSent = false;
  finished = false;
  private reason: string | undefined;
  private headers = new Map<string, [string, string]>();
  private mode: 'length' | 'chunked' | 'close' | 'none' = 'none';
  private close: boolean;
  private readonly truncate: { keepBytes: number | undefined } | undefined;
  private readonly garbage: string | undefined;
  private held: Uint8Array[] = [];

  constructor(
    private readonly http: HttpConnection,
    private readonly req: RequestHead,
  ) {
    const conn = http.conn;
    const connection = req.headers.connection?.toLowerCase() ?? '';
    this.close =
      connection.includes('close') || (req.httpVersion === '1.0' && !connection.includes('keep-alive'));
    const t = conn.hasFault('truncate');
    this.truncate = t?.kind === 'truncate' ? { keepBytes: t.keepBytes } : undefined;
    const g = conn.hasFault('garbage');
    this.garbage = g?.kind === 'garbage' ? (g.bytes ?? DEFAULT_GARBAGE) : undefined;
  }

  get conn(): PeerConn {
    return this.http.conn;
  }

  writeHead(status: number, a?: string | Record<string, HeaderValue>, b?: Record<string, HeaderValue>): this {
    if (this.headersSent) throw new Error('sim: writeHead after the head was sent');
    this.statusCode = status;
    const headers = typeof a === 'string' ? b : a;
    if (typeof a === 'string') this.reason = a;
    if (headers) for (const [k, v] of Object.entries(headers)) this.setHeader(k, v);
    return this;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.headersSent) throw new Error('sim: setHeader after the head was sent');
    const v = Array.isArray(value) ? value.join(', ') : String(value);
    this.headers.set(name.toLowerCase(), [name, v]);
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[1];
  }

  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }

  flushHeaders(): void {
    if (!this.headersSent && !this.truncate && !this.garbage) this.sendHead(undefined);
  }

  write(chunk: Uint8Array | string): boolean {
    if (this.finished) throw new Error('sim: write after end');
    const bytes = toBytes(chunk);
    if (this.truncate || this.garbage) {
      this.held.push(bytes);
      return true;
    }
    if (!this.headersSent) this.sendHead(undefined);
    this.sendBody(bytes);
    return true;
  }

  end(chunk?: Uint8Array | string): void {
    if (this.finished) return;
    const last = chunk === undefined ? new Uint8Array(0) : toBytes(chunk);
    this.finished = true;
    if (this.garbage !== undefined) {
      this.conn.write(this.garbage);
      this.http.responseDone(true);
      return;
    }
    if (this.truncate) {
      this.held.push(last);
      const total = this.held.reduce((n, c) => n + c.length, 0);
      const all = new Uint8Array(total);
      let at = 0;
      for (const c of this.held) {
        all.set(c, at);
        at += c.length;
      }
      const keep = Math.min(total, this.truncate.keepBytes ?? Math.floor(total / 2));
      this.headers.delete('transfer-encoding');
      this.sendHead(total);
      if (keep > 0) this.conn.write(all.subarray(0, keep));
      this.http.responseDone(true);
      return;
    }
    if (!this.headersSent) this.sendHead(last.length);
    this.sendBody(last);
    if (this.mode === 'chunked') this.conn.write('0\r\n\r\n');
    this.http.responseDone(this.close);
  }

  destroy(): void {
    this.finished = true;
    this.conn.destroy();
  }

  private noBody(): boolean {
    const s = this.statusCode;
    return this.req.method === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304;
  }

  private sendHead(knownLength: number | undefined): void {
    this.headersSent = true;
    const userLength = this.getHeader('content-length');
    const userTe = this.getHeader('transfer-encoding');
    if (this.noBody()) {
      this.mode = 'none';
      if (
        knownLength !== undefined &&
        userLength === undefined &&
        this.req.method === 'HEAD' &&
        knownLength > 0
      ) {
        this.setHeaderRaw('Content-Length', String(knownLength));
      }
    } else if (userTe?.toLowerCase().includes('chunked')) {
      this.mode = 'chunked';
    } else if (userLength !== undefined) {
      this.mode = 'length';
    } else if (knownLength !== undefined) {
      this.mode = 'length';
      this.setHeaderRaw('Content-Length', String(knownLength));
    } else if (this.req.httpVersion === '1.1') {
      this.mode = 'chunked';
      this.setHeaderRaw('Transfer-Encoding', 'chunked');
    } else {
      this.mode = 'close';
      this.close = true;
    }
    if (this.getHeader('connection')?.toLowerCase().includes('close')) this.close = true;
    if (this.close && this.getHeader('connection') === undefined) this.setHeaderRaw('Connection', 'close');
    const head = serializeHead(this.statusCode, this.reason ?? reasonPhrase(this.statusCode), [
      ...this.headers.values(),
    ]);
    this.conn.write(head);
    if (this.mode !== 'none') this.conn.markBodyStart(0);
  }

  private setHeaderRaw(name: string, value: string): void {
    this.headers.set(name.toLowerCase(), [name, value]);
  }

  private sendBody(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.mode === 'none') return;
    if (this.mode === 'chunked') {
      this.conn.write(`${bytes.length.toString(16)}\r\n`);
      this.conn.write(bytes);
      this.conn.write('\r\n');
    } else this.conn.write(bytes);
  }
}

/** For raw handlers and tests: the first `n` bytes as text. */
export function preview(bytes: Uint8Array, n = 200): string {
  return latin1(bytes.subarray(0, n));
}
