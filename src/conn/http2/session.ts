// The HTTP/2 session: many streams over one connection's filter chain, driven by the sans-I/O
// codec in proto/h2. The session reads the socket for every stream (onSocketReady) and queues
// each stream's events on it; only the streams that got something are visited (forEachReady), so
// a read costs the same whatever the number of streams. A transfer talks to its Http2Stream
// exactly as it talks to an HTTP/1 one.
//
// Flow control is the backpressure: a stream's data is given back to the peer as window
// (WINDOW_UPDATE) only when its transfer takes it from nextEvent(). A paused or rate-limited
// transfer stops taking, the peer stops at the stream window, and memory stays bounded.
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import type { Filter } from '../../filters/types.js';
import { EMPTY_BYTES } from '../../proto/bytes.js';
import type { HeaderList, ResponseData, ResponseEnd } from '../../proto/h1/types.js';
import { NEED_DATA } from '../../proto/h1/types.js';
import {
  H2ClientConnection,
  H2ConnectionError,
  H2ErrorCode,
  type H2Event,
  requestHeaderList,
} from '../../proto/h2/index.js';
import { EOF } from '../../transport/types.js';
import { pooledBytes } from '../pooled-bytes.js';
import type {
  FillResult,
  HeadSent,
  RequestHead,
  Session,
  StopBodyReason,
  Stream,
  StreamEvent,
  StreamHead,
  StreamOwner,
} from '../types.js';

/** What the session needs of its connection (the pool's Connection has it). */
export interface H2SessionConnection {
  readonly top: Filter;
  readonly host: string;
  readonly port: number;
}

export interface Http2SessionOptions {
  /** The multi's maxConcurrentStreams (libcurl's CURLMOPT_MAX_CONCURRENT_STREAMS, default 100). */
  maxConcurrentStreams: number;
  /**
   * Frames queued by the streams and by reads wait for `writeQueued()` instead of going out at
   * once: the multi writes every stream's frames of one engine call together at its end (as
   * nghttp2 does per loop turn), where each request's HEADERS would otherwise cost a write.
   * Uploads (`sendBody`) still write as they go. Off: every operation writes what it queued.
   */
  batchWrites?: boolean;
}

/**
 * A stream the server refused without processing it (REFUSED_STREAM, or above a GOAWAY's last
 * stream id): the request may be sent again on another connection (RFC 9113 8.7).
 */
export class StreamRefusedError extends TransferError {
  readonly retryable = true;
}

/** Session output waiting for the socket beyond which uploads wait (bounded buffering). */
const OUTPUT_HIGH_WATER = 256 * 1024;

const NO_RAW_LINES: string[] = [];
const NO_TRAILERS: HeaderList = [];

export class Http2Session implements Session {
  readonly protocol = 'h2';
  readonly multiplexed = true;
  readonly codec = new H2ClientConnection({}, pooledBytes);
  /** Streams handed out (with or without an id yet). */
  readonly #active = new Set<Http2Stream>();
  readonly #byId = new Map<number, Http2Stream>();
  #ready = new Set<Http2Stream>();
  #out: Uint8Array[] = [];
  #outHead = 0;
  #outBytes = 0;
  /** The connection failed (protocol error, transport error, EOF): every stream ends with it. */
  #failed: TransferError | undefined;
  #eof = false;
  /** forEachReady is running the ready streams. */
  #visiting = false;
  /** batchWrites: the output waiting was reported by takeQueued() and waits for writeQueued(). */
  #claimed = false;
  /** The last write stopped short: the rest waits for the socket to take more (OUT readiness). */
  #blocked = false;
  readonly #batch: boolean;
  /** Set when the stream limit may have changed (SETTINGS, GOAWAY, failure): the pool may place more, or fewer. */
  capacityChanged = false;

  constructor(
    private readonly conn: H2SessionConnection,
    private readonly opts: Http2SessionOptions,
  ) {
    this.#batch = opts.batchWrites === true;
    this.#takeOutput();
  }

  /** The connection failed (protocol or transport error, closed by the server). */
  get failed(): boolean {
    return this.#failed !== undefined;
  }

  get activeStreams(): number {
    return this.#active.size;
  }

  /** Streams this connection may carry at once: ours and the server's limit, the lower. */
  get maxStreams(): number {
    return Math.min(this.opts.maxConcurrentStreams, this.codec.peerSettings.maxConcurrentStreams);
  }

  get reusable(): boolean {
    return this.#failed === undefined && !this.#eof && !this.codec.goingAway;
  }

  canOpenStream(): boolean {
    return this.reusable && this.#active.size < this.maxStreams;
  }

  openStream(owner: StreamOwner): Stream | undefined {
    if (!this.canOpenStream()) return undefined;
    const s = new Http2Stream(owner, this);
    this.#active.add(s);
    return s;
  }

  onSocketReady(_now: number): void {
    this.#blocked = false;
    if (this.#failed === undefined && !this.#eof) this.#read();
    // Acknowledgements join what the streams queue next (batchWrites: written at the call's end).
    if (!this.#batch) this.#flushOutput();
  }

  forEachReady(visit: (stream: Stream) => void): void {
    if (this.#ready.size === 0) return;
    const ready = this.#ready;
    this.#ready = new Set();
    this.#visiting = true;
    try {
      for (const s of ready) if (this.#active.has(s)) visit(s);
    } finally {
      this.#visiting = false;
    }
    // What the streams' runs queued (WINDOW_UPDATEs for the data they took) goes out in one write.
    if (this.#outBytes > 0 && !this.#batch) this.#flushOutput();
  }

  /**
   * batchWrites: true when frames wait that no earlier call reported, once per batch; the caller
   * then owes a writeQueued() before it returns to the application. Until then pollset() leaves
   * them out (no OUT interest announced and withdrawn within one call). After a short write the
   * rest waits for OUT readiness (pollset() asks for it), not for the next call.
   */
  takeQueued(): boolean {
    this.#takeOutput();
    if (this.#claimed || this.#blocked || this.#outBytes === 0) return false;
    this.#claimed = true;
    return true;
  }

  /** Writes what waits (batchWrites); true once nothing does. A failure ends the streams (ready). */
  writeQueued(): boolean {
    this.#claimed = false;
    return this.#flushOutput();
  }

  pollset(): number {
    if (this.#failed !== undefined && this.#outBytes === 0) return 0;
    let send = this.#outBytes > 0 && !this.#claimed;
    if (!send) {
      for (const s of this.#active) {
        if (s.wantSend && s.id !== 0 && this.codec.sendWindow(s.id) > 0) {
          send = true;
          break;
        }
      }
    }
    // Always reading: PING, SETTINGS and GOAWAY arrive whether or not a stream wants data.
    return this.conn.top.pollset(!this.#eof, send);
  }

  isAlive(): boolean {
    return this.reusable;
  }

  // --- reading ----------------------------------------------------------------------------

  #read(): void {
    for (;;) {
      let r: ReturnType<Filter['recv']>;
      try {
        r = this.conn.top.recv();
      } catch (e) {
        this.#fail(
          e instanceof TransferError
            ? e
            : new TransferError(CurlCode.RECV_ERROR, String(e), { phase: 'recv' }),
        );
        return;
      }
      if (r === null) return;
      if (r === EOF) {
        this.#eof = true;
        this.codec.receiveData(null);
        this.#drain();
        return;
      }
      this.codec.receiveData(r);
      if (!this.#drain()) return;
    }
  }

  /** Hands the codec's events to their streams; false after a connection error. */
  #drain(): boolean {
    for (;;) {
      let ev: H2Event | typeof NEED_DATA;
      try {
        ev = this.codec.nextEvent();
      } catch (e) {
        if (!(e instanceof H2ConnectionError)) throw e;
        this.#takeOutput();
        this.#fail(
          new TransferError(CurlCode.HTTP2, `HTTP/2 connection error: ${e.message}`, {
            side: 'remote',
            phase: 'recv',
          }),
        );
        return false;
      }
      if (ev === NEED_DATA) {
        this.#takeOutput();
        return true;
      }
      this.#dispatch(ev);
    }
  }

  #dispatch(ev: H2Event): void {
    switch (ev.type) {
      case 'head':
      case 'data':
      case 'trailers':
      case 'end':
      case 'reset': {
        const s = this.#byId.get(ev.streamId);
        if (s === undefined) {
          // A stream its transfer gave up: its data goes back to the connection window.
          if (ev.type === 'data') this.codec.consume(ev.streamId, ev.data.length);
          return;
        }
        s.receive(ev);
        this.#ready.add(s);
        return;
      }
      case 'window':
        for (const s of ev.streamId === 0 ? this.#active : [this.#byId.get(ev.streamId)]) {
          if (s?.wantSend) this.#ready.add(s);
        }
        return;
      case 'settings':
      case 'goaway':
        this.capacityChanged = true;
        return;
      case 'closed':
        this.#fail(undefined);
        return;
      case 'ping-ack':
        return;
    }
  }

  /**
   * The connection is over: every stream that has not ended fails. `undefined` is the peer's
   * close: a stream that got nothing yet may be retried like on a dead reused HTTP/1 connection.
   */
  #fail(err: TransferError | undefined): void {
    if (this.#failed === undefined) {
      this.#failed =
        err ??
        new TransferError(CurlCode.HTTP2_STREAM, 'HTTP/2 connection closed by the server', {
          side: 'remote',
          phase: 'recv',
        });
    }
    for (const s of this.#active) {
      s.connectionEnded(err);
      this.#ready.add(s);
    }
    this.capacityChanged = true;
  }

  // --- writing ----------------------------------------------------------------------------

  #takeOutput(): void {
    for (const chunk of this.codec.takeOutput()) {
      this.#out.push(chunk);
      this.#outBytes += chunk.length;
    }
  }

  /** Writes queued frames; true once nothing waits. */
  #flushOutput(): boolean {
    this.#takeOutput();
    const q = this.#out;
    try {
      coalesce(q, this.#outHead);
      while (this.#outHead < q.length) {
        const chunk = q[this.#outHead]!;
        const n = this.conn.top.send(chunk);
        this.#outBytes -= n;
        if (n < chunk.length) {
          q[this.#outHead] = chunk.subarray(n);
          this.#blocked = true;
          return false;
        }
        this.#outHead++;
      }
    } catch (e) {
      this.#blocked = true;
      this.#fail(
        e instanceof TransferError ? e : new TransferError(CurlCode.SEND_ERROR, String(e), { phase: 'send' }),
      );
      return false;
    } finally {
      if (this.#outHead === q.length) {
        this.#out = [];
        this.#outHead = 0;
      } else if (this.#outHead > 1024) {
        this.#out = q.slice(this.#outHead);
        this.#outHead = 0;
      }
    }
    return true;
  }

  // --- the streams' operations --------------------------------------------------------------

  /** @internal */
  sendHead(s: Http2Stream, head: RequestHead): HeadSent {
    this.#check(s);
    const list = requestHeaderList(
      {
        method: head.method,
        scheme: head.scheme,
        authority: `${this.conn.host}:${this.conn.port}`,
        path: head.path,
      },
      head.headers,
    );
    if (typeof list === 'string') {
      throw new TransferError(CurlCode.SEND_ERROR, `HTTP/2 cannot send this request: ${list}`, {
        phase: 'send',
      });
    }
    if (!this.codec.canOpenStream) {
      throw new StreamRefusedError(
        CurlCode.HTTP2_STREAM,
        'HTTP/2 connection going away before the request was sent',
        { phase: 'send' },
      );
    }
    s.id = this.codec.request(list, !head.body);
    s.sending = head.body;
    s.rawLines = head.rawLines !== false;
    this.#byId.set(s.id, s);
    this.#takeOutput();
    if (!s.rawLines) return { bytes: renderHead(head, list), framedBody: true };
    // What curl -v shows for an HTTP/2 request: each field sent, then the stream id (made only
    // when a debug or header callback is set).
    const debugText = list.map(([n, v]) => `h2h3 [${n}: ${v}]\n`);
    debugText.push(`Using Stream ID: ${s.id} (easy handle 0x${s.owner.id.toString(16)})\n`);
    return { bytes: renderHead(head, list), framedBody: true, debugText };
  }

  /** @internal */
  flush(s: Http2Stream): boolean {
    this.#check(s);
    // batchWrites: the frames are the session's to write at the end of the engine call; the
    // stream has nothing of its own waiting.
    if (this.#batch) {
      this.#takeOutput();
      return true;
    }
    return this.#flushOutput();
  }

  /** @internal */
  sendBody(s: Http2Stream, data: Uint8Array): number {
    this.#check(s);
    if (this.#outBytes > OUTPUT_HIGH_WATER && !this.#flushOutput()) return 0;
    if (!s.sending || data.length === 0) return 0;
    const n = this.codec.sendData(s.id, data, false);
    this.#flushOutput();
    return n;
  }

  /** @internal */
  endBody(s: Http2Stream): void {
    this.#check(s);
    if (!s.sending) return;
    s.sending = false;
    this.codec.sendData(s.id, EMPTY_BYTES, true);
    this.#takeOutput();
  }

  /** @internal */
  stopBody(s: Http2Stream, _reason: StopBodyReason): void {
    // The server answered before the body was all sent: end our side so the stream can close
    // (the connection carries on whatever the reason, unlike HTTP/1).
    this.endBody(s);
  }

  /** @internal */
  consumed(s: Http2Stream, n: number): void {
    this.codec.consume(s.id, n);
    this.#takeOutput();
    // Inside forEachReady the write waits for the other ready streams: one write for all.
    if (!this.#visiting && !this.#batch && this.#outBytes > 0) this.#flushOutput();
  }

  /** @internal */
  finish(s: Http2Stream, abandoned: boolean): void {
    if (!this.#active.delete(s)) return;
    this.#ready.delete(s);
    if (s.id !== 0) {
      this.#byId.delete(s.id);
      // A stream left before its end is reset (CANCEL); unread data goes back to the window.
      if (this.#failed === undefined) {
        this.codec.reset(s.id, abandoned ? H2ErrorCode.CANCEL : H2ErrorCode.NO_ERROR);
        if (this.#batch) this.#takeOutput();
        else this.#flushOutput();
      }
    }
  }

  #check(s: Http2Stream): void {
    if (!this.#active.has(s)) throw new Error('tscurl: HTTP/2 stream used after it finished');
  }
}

/** Frames this small or smaller are joined before writing: one write instead of one per frame. */
const COALESCE_MAX = 16 * 1024;

/**
 * Joins the small frames waiting from `head` on into one chunk (acknowledgements, WINDOW_UPDATEs,
 * HEADERS of many requests), so they cost one write; a large chunk (upload DATA) stays as it is.
 */
function coalesce(q: Uint8Array[], head: number): void {
  if (q.length - head < 2) return;
  let n = 0;
  let end = head;
  while (end < q.length && n + q[end]!.length <= COALESCE_MAX) n += q[end++]!.length;
  if (end - head < 2) return;
  const joined = new Uint8Array(n);
  let o = 0;
  for (let i = head; i < end; i++) {
    joined.set(q[i]!, o);
    o += q[i]!.length;
  }
  q.splice(head, end - head, joined);
}

/** The request as curl -v shows it for HTTP/2: "GET / HTTP/2", Host (the :authority), the fields sent. */
function renderHead(head: RequestHead, list: HeaderList): Uint8Array {
  // Written straight into the bytes (no string built first): this runs for every request.
  let size = head.method.length + head.path.length + 12; // 'M P HTTP/2\r\n' and the last CRLF
  for (const [n, v] of list) {
    if (n === ':authority') size += 8 + v.length;
    else if (n.charCodeAt(0) !== 0x3a) size += n.length + v.length + 4;
  }
  const out = pooledBytes(size);
  let pos = put(out, 0, head.method);
  out[pos++] = 0x20;
  pos = put(out, pos, head.path);
  pos = put(out, pos, ' HTTP/2\r\n');
  for (const [n, v] of list) {
    if (n === ':authority') pos = put(out, put(out, pos, 'Host: '), v);
    else if (n.charCodeAt(0) !== 0x3a) {
      pos = put(out, pos, n);
      out[pos++] = 0x3a;
      out[pos++] = 0x20;
      pos = put(out, pos, v);
    } else continue;
    out[pos++] = 0x0d;
    out[pos++] = 0x0a;
  }
  out[pos++] = 0x0d;
  out[pos] = 0x0a;
  return out;
}

/** Writes s's code units (latin1) at pos; returns the position after them. */
function put(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i) & 0xff;
  return pos;
}

/** Response head lines as libcurl hands HTTP/2 heads to the header callback. */
function rawLines(status: number, headers: HeaderList): string[] {
  const lines = [`HTTP/2 ${status} \r\n`];
  for (const [n, v] of headers) lines.push(`${n}: ${v}\r\n`);
  lines.push('\r\n');
  return lines;
}

/** One request/response exchange: an HTTP/2 stream id on the session's connection. */
class Http2Stream implements Stream {
  /** 0 until sendHead() opens the stream. */
  id = 0;
  wantRecv = false;
  wantSend = false;
  /** The request body is still being sent. */
  sending = false;
  /** Heads carry their raw lines (a header or debug callback wants them: RequestHead.rawLines). */
  rawLines = true;
  #events: StreamEvent[] = [];
  #ei = 0;
  #trailers: HeaderList = NO_TRAILERS;
  #endStream = false;
  /** Bytes received for this stream not yet reported by fill() (responseBytes, start time). */
  #unreported = 0;
  #error: TransferError | undefined;
  #sawBytes = false;
  #finished = false;

  constructor(
    readonly owner: StreamOwner,
    readonly session: Http2Session,
  ) {}

  /** @internal the session hands over a codec event of this stream. */
  receive(ev: H2Event): void {
    switch (ev.type) {
      case 'head': {
        this.#sawBytes = true;
        this.#unreported += ev.headerBytes;
        const cl = ev.contentLength;
        const head: StreamHead = {
          type: 'head',
          interim: ev.interim,
          status: ev.status,
          reason: '',
          version: 20,
          headers: ev.headers,
          rawLines: this.rawLines ? rawLines(ev.status, ev.headers) : NO_RAW_LINES,
          headerBytes: ev.headerBytes,
          // HTTP/2 frames its own end: a known length, or read until END_STREAM (never 'close').
          framing: cl >= 0 ? 'length' : 'chunked',
          contentLength: cl >= 0 ? cl : undefined,
        };
        this.#events.push(head);
        return;
      }
      case 'data':
        this.#sawBytes = true;
        this.#unreported += ev.data.length;
        this.#events.push({ type: 'data', data: ev.data } satisfies ResponseData);
        return;
      case 'trailers':
        this.#trailers = ev.headers;
        return;
      case 'end': {
        const end: ResponseEnd = {
          type: 'end',
          trailers: this.#trailers,
          rawTrailerLines:
            this.#trailers === NO_TRAILERS ? NO_RAW_LINES : this.#trailers.map(([n, v]) => `${n}: ${v}\r\n`),
          keepAlive: true,
        };
        this.#events.push(end);
        this.#endStream = true;
        return;
      }
      case 'reset': {
        const ErrorClass = ev.retryable && !this.#sawBytes ? StreamRefusedError : TransferError;
        this.#error = new ErrorClass(CurlCode.HTTP2_STREAM, ev.message, {
          side: ev.remote ? 'remote' : 'local',
          phase: 'recv',
        });
        return;
      }
      default:
        return;
    }
  }

  /** @internal the connection is over (err undefined: the server closed it). */
  connectionEnded(err: TransferError | undefined): void {
    if (this.#endStream || this.#error !== undefined) return;
    if (err !== undefined) this.#error = err;
    else if (!this.#sawBytes)
      this.#error = new TransferError(CurlCode.GOT_NOTHING, 'Empty reply from server', {
        side: 'remote',
        phase: 'recv',
      });
    else {
      this.#error = new TransferError(
        CurlCode.HTTP2_STREAM,
        `HTTP/2 stream ${this.id} was not closed cleanly before end of the underlying stream`,
        { side: 'remote', phase: 'recv' },
      );
    }
  }

  sendHead(head: RequestHead): HeadSent {
    return this.session.sendHead(this, head);
  }
  sendBody(data: Uint8Array): number {
    return this.session.sendBody(this, data);
  }
  endBody(): void {
    this.session.endBody(this);
  }
  stopBody(reason: StopBodyReason): void {
    this.session.stopBody(this, reason);
  }
  flush(): boolean {
    return this.session.flush(this);
  }

  nextEvent(): StreamEvent | typeof NEED_DATA {
    // Bytes are reported through fill() before their events, as an HTTP/1 read would be.
    if (this.#unreported > 0) return NEED_DATA;
    if (this.#ei < this.#events.length) {
      const ev = this.#events[this.#ei++]!;
      if (this.#ei === this.#events.length) {
        this.#events = [];
        this.#ei = 0;
      }
      // Taken by the transfer: the peer may send that much more.
      if (ev.type === 'data') this.session.consumed(this, ev.data.length);
      return ev;
    }
    if (this.#error !== undefined) throw this.#error;
    return NEED_DATA;
  }

  fill(_maxBytes: number): FillResult {
    // The session reads the socket for every stream (onSocketReady); here only what arrived for
    // this one is reported. Rate limits act through flow control: data not taken is not re-granted.
    if (this.#unreported > 0) {
      const n = this.#unreported;
      this.#unreported = 0;
      return n;
    }
    if (this.#error !== undefined) throw this.#error;
    return null;
  }

  setInterest(recv: boolean, send: boolean): void {
    this.wantRecv = recv;
    this.wantSend = send;
  }
  done(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.session.finish(this, false);
  }
  abandon(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.session.finish(this, true);
  }
}
