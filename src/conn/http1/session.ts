// The HTTP/1.1 session: one stream at a time over the connection's filter chain. Everything
// HTTP/1-specific lives here: the request head encoding, chunked body framing, the response
// reader (which keeps bytes a server sent past one response), and the keep-alive decision
// (libcurl's "close after use": Connection: close, a response that ended before the request body
// was all sent, bytes past the end of a response, an abandoned exchange). Our side and their side
// are tracked together, reuse is derived from both being done (h11's _state.py).
import { CurlCode } from '../../core/codes.js';
import { TransferError } from '../../core/errors.js';
import { CRLF, encodeChunk, encodeLastChunk, encodeRequestHead } from '../../proto/h1/request-writer.js';
import { ResponseReader, type StartResponseOptions } from '../../proto/h1/response-reader.js';
import { type HeaderList, NEED_DATA, sharedPair } from '../../proto/h1/types.js';
import { EOF } from '../../transport/types.js';
import type { Connection } from '../connection.js';
import { pooledBytes } from '../pooled-bytes.js';
import type {
  FillResult,
  HeadSent,
  RequestHead,
  Session,
  StopBodyReason,
  Stream,
  StreamEvent,
  StreamOwner,
} from '../types.js';

/*
 * The last request head encoded and what it was made from. A request with the same method,
 * target and version and the very same header pairs in the same order (the engine hands the same
 * Host, User-Agent and Accept pairs from one request to the next, and nothing writes to a pair) is
 * sent the same bytes: they are not encoded and checked again. Nothing writes to a head's bytes
 * once made either (the filters and the socket only read what they send), so any number of
 * connections may send them. A head is kept only when every field is one of the engine's shared
 * pairs (Host, User-Agent, Accept): a head with any field of its own (credentials, a cookie, a
 * custom header) could not match the next request's fresh pairs anyway, and is not held after
 * its request.
 */
let lastMethod = '';
let lastPath = '';
let lastVersion = 0;
let lastFields: HeaderList = [];
let lastBytes: Uint8Array | undefined;

function encodedHead(head: RequestHead): Uint8Array {
  const fields = head.headers;
  if (
    lastBytes !== undefined &&
    head.path === lastPath &&
    head.method === lastMethod &&
    head.version === lastVersion &&
    samePairs(fields, lastFields)
  ) {
    return lastBytes;
  }
  const bytes = encodeRequestHead(head.method, head.path, fields, head.version, pooledBytes);
  if (allShared(fields)) {
    lastMethod = head.method;
    lastPath = head.path;
    lastVersion = head.version;
    // A copy: the list is the request's own.
    lastFields = fields.slice();
    lastBytes = bytes;
  } else if (lastBytes !== undefined) {
    forgetEncodedHead();
  }
  return bytes;
}

function allShared(fields: HeaderList): boolean {
  for (let i = 0; i < fields.length; i++) if (!sharedPair(fields[i]!)) return false;
  return true;
}

function forgetEncodedHead(): void {
  lastMethod = '';
  lastPath = '';
  lastVersion = 0;
  lastFields = [];
  lastBytes = undefined;
}

/** @internal For tests: the bytes of the head kept for the next request, if any. */
export function keptEncodedHead(): Uint8Array | undefined {
  return lastBytes;
}

/** The same pair objects in the same order. */
function samePairs(a: HeaderList, b: HeaderList): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The last field named `lower` (case-insensitive), or undefined. */
function lastHeaderValue(list: HeaderList, lower: string): string | undefined {
  let found: string | undefined;
  for (const [n, v] of list) if (n.length === lower.length && n.toLowerCase() === lower) found = v;
  return found;
}

/** Transfer-Encoding ends in chunked (after custom headers were applied). */
function isChunked(list: HeaderList): boolean {
  const te = lastHeaderValue(list, 'transfer-encoding');
  return te !== undefined && /(^|,)\s*chunked\s*$/i.test(te);
}

/**
 * How most responses are read (a GET's, framing decoded; with the head's raw lines or without):
 * one record each for all of them, as a connection waiting for its first response keeps it until
 * the reader is made (56 bytes each). The reader only reads it.
 */
const PLAIN_GET: StartResponseOptions = Object.freeze({
  method: 'GET',
  ignoreContentLength: false,
  rawChunked: false,
  rawLines: false,
});
const PLAIN_GET_LINES: StartResponseOptions = Object.freeze({ ...PLAIN_GET, rawLines: true });

export class Http1Session implements Session {
  readonly protocol = 'http/1.1';
  readonly multiplexed = false;
  /**
   * Keeps bytes a server sent past one response for the next (or to tell the connection is dead).
   * Made when the first response's first byte (or EOF) arrives: a connection waiting for its first
   * answer holds no parser (400 bytes each, with thousands of requests started at once).
   */
  private madeReader: ResponseReader | undefined = undefined;
  /** How to read the response awaited before the reader is made (what startResponse() takes). */
  private awaiting: StartResponseOptions | undefined = undefined;
  private active: Http1Stream | undefined;
  /** Both sides allow another exchange (cleared for good once not). */
  private keepAlive = true;
  /**
   * Protocol bytes (head, chunk framing) that must go out before anything else. Emptied to the
   * shared NO_OUTPUT (never written: queueOut replaces it), so a connection waiting for its
   * response keeps no array for the head it sent (56 bytes each).
   */
  private out: Uint8Array[] = NO_OUTPUT;
  /** Part of a read held back by the rate limit (Stream.fill's maxBytes) for the next fill. */
  private held: Uint8Array | undefined;
  /** The server answered HTTP/1.0: later requests go as HTTP/1.0 (libcurl's httpversion_seen). */
  http10 = false;

  constructor(private readonly conn: Connection) {}

  get activeStreams(): number {
    return this.active === undefined ? 0 : 1;
  }

  get reusable(): boolean {
    return this.keepAlive;
  }

  canOpenStream(): boolean {
    return this.active === undefined && this.keepAlive && this.conn.state === 'connected';
  }

  openStream(owner: StreamOwner): Stream | undefined {
    if (!this.canOpenStream()) return undefined;
    this.out = NO_OUTPUT;
    const s = new Http1Stream(owner, this);
    this.active = s;
    return s;
  }

  onSocketReady(_now: number): void {
    // With a stream, its transfer reads in fill() (one reader: the rate limit and the write
    // callback's pace decide how much is taken from the socket). Without one, anything the server
    // sends (a close, stray bytes) ends the connection's usefulness.
    if (this.active !== undefined || !this.keepAlive) return;
    const r = this.conn.top.recv();
    if (r !== null) this.keepAlive = false;
  }

  forEachReady(visit: (stream: Stream) => void): void {
    if (this.active !== undefined) visit(this.active);
  }

  pollset(): number {
    const s = this.active;
    if (s === undefined) return this.conn.top.pollset(false, false);
    return this.conn.top.pollset(s.wantRecv, s.wantSend);
  }

  isAlive(): boolean {
    const reader = this.madeReader;
    return (
      !this.conn.top.hasPendingData() &&
      this.held === undefined &&
      (reader === undefined || (reader.bufferedBytes === 0 && !reader.eof))
    );
  }

  /** The reader, made (and started on the awaited response) when the first input arrives. */
  private get reader(): ResponseReader {
    let reader = this.madeReader;
    if (reader === undefined) {
      reader = this.madeReader = new ResponseReader();
      if (this.awaiting !== undefined) reader.startResponse(this.awaiting);
      this.awaiting = undefined;
    }
    return reader;
  }

  // ------------------------------------------------------------ the stream's operations

  /** @internal */
  sendHead(s: Http1Stream, head: RequestHead): HeadSent {
    this.check(s);
    const chunked = head.body && isChunked(head.headers);
    if (chunked && head.version === 10) {
      throw new TransferError(CurlCode.UPLOAD_FAILED, 'Chunky upload is not supported by HTTP 1.0', {
        phase: 'send',
      });
    }
    const bytes = encodedHead(head);
    s.chunked = chunked;
    s.bodyPending = head.body;
    this.queueOut(bytes);
    this.conn.requests++;
    const how: StartResponseOptions =
      head.responseMethod === 'GET' && head.ignoreContentLength !== true && head.rawChunked !== true
        ? head.rawLines !== false
          ? PLAIN_GET_LINES
          : PLAIN_GET
        : {
            method: head.responseMethod,
            ignoreContentLength: head.ignoreContentLength,
            rawChunked: head.rawChunked,
            rawLines: head.rawLines !== false,
          };
    if (this.madeReader !== undefined) this.madeReader.startResponse(how);
    else this.awaiting = how;
    return { bytes, framedBody: chunked };
  }

  /**
   * Bytes into the out queue. Into an empty one they make a queue of one: a push onto an empty
   * array reserves 17 slots (152 bytes).
   */
  private queueOut(bytes: Uint8Array): void {
    if (this.out.length === 0) this.out = [bytes];
    else this.out.push(bytes);
  }

  /** @internal */
  flush(s: Http1Stream): boolean {
    this.check(s);
    const q = this.out;
    while (q.length > 0) {
      const chunk = q[0]!;
      const n = this.conn.top.send(chunk);
      if (n < chunk.length) {
        q[0] = chunk.subarray(n);
        return false;
      }
      if (q.length === 1) {
        this.out = NO_OUTPUT;
        return true;
      }
      q.shift();
    }
    return true;
  }

  /** @internal */
  sendBody(s: Http1Stream, data: Uint8Array): number {
    if (!this.flush(s) || data.length === 0) return 0;
    if (s.chunked) {
      if (s.chunkLeft === 0) {
        // A new chunk: its size line first. The caller offers the rest of this chunk until it is
        // all out, so `data` is at least the chunk's remainder.
        const [sizeLine] = encodeChunk(data);
        s.chunkLeft = data.length;
        this.queueOut(sizeLine!);
        if (!this.flush(s)) return 0;
      }
      const n = this.conn.top.send(s.chunkLeft < data.length ? data.subarray(0, s.chunkLeft) : data);
      s.chunkLeft -= n;
      s.bodySent += n;
      if (s.chunkLeft === 0) {
        this.queueOut(CRLF);
        this.flush(s);
      }
      return n;
    }
    const n = this.conn.top.send(data);
    s.bodySent += n;
    return n;
  }

  /** @internal */
  endBody(s: Http1Stream): void {
    this.check(s);
    if (!s.bodyPending) return;
    s.bodyPending = false;
    if (s.chunked) this.queueOut(encodeLastChunk());
  }

  /** @internal */
  stopBody(s: Http1Stream, reason: StopBodyReason): void {
    if (!s.bodyPending) return;
    s.bodyPending = false;
    // The server still expects the rest of the body: only a 417 that came before any of it went
    // out leaves the connection usable (libcurl's 417 retry on the same connection).
    if (reason !== 'expectation-failed' || s.bodySent > 0) this.keepAlive = false;
  }

  /** @internal */
  nextEvent(s: Http1Stream): StreamEvent | typeof NEED_DATA {
    this.check(s);
    // No reader yet: nothing of the response has arrived.
    if (this.madeReader === undefined) return NEED_DATA;
    const ev = this.madeReader.nextEvent();
    if (ev !== NEED_DATA && ev.type === 'head' && ev.version === 10) this.http10 = true;
    if (ev !== NEED_DATA && ev.type === 'end') {
      // Nothing may follow a response unasked (bytes held by a rate limit), and a request whose
      // body was not all sent leaves the server reading it.
      if (!ev.keepAlive || this.held !== undefined || s.bodyPending || this.out.length > 0)
        this.keepAlive = false;
      this.held = undefined;
    }
    return ev;
  }

  /** @internal */
  fill(s: Http1Stream, maxBytes: number): FillResult {
    this.check(s);
    let chunk = this.held;
    if (chunk !== undefined) this.held = undefined;
    else {
      const r = this.conn.top.recv();
      if (r === null) return null;
      if (r === EOF) {
        this.reader.receiveData(null);
        return EOF;
      }
      chunk = r;
    }
    if (chunk.length > maxBytes) {
      this.held = chunk.subarray(maxBytes);
      chunk = chunk.subarray(0, maxBytes);
    }
    this.reader.receiveData(chunk);
    return chunk.length;
  }

  /** @internal */
  releaseInput(s: Http1Stream): void {
    // Bytes past the response wait in the reader, a rate-limited read's rest in `held`: views of
    // the same memory, so it is not given back then.
    if (this.active !== s || (this.madeReader?.bufferedBytes ?? 0) > 0 || this.held !== undefined) return;
    this.conn.top.recycle?.();
  }

  /** @internal */
  finish(s: Http1Stream, abandoned: boolean): void {
    if (this.active !== s) return;
    this.active = undefined;
    // An exchange given up half-way leaves bytes in flight one way or the other.
    if (abandoned) this.keepAlive = false;
  }

  private check(s: Http1Stream): void {
    if (this.active !== s) throw new Error('tscurl: HTTP/1 stream used after it finished');
  }
}

/** The empty out queue (shared: never pushed onto). */
const NO_OUTPUT: Uint8Array[] = [];

/** The one exchange in flight on an HTTP/1 connection. */
class Http1Stream implements Stream {
  wantRecv = false;
  wantSend = false;
  /** The request announced a body that is not all sent (endBody/stopBody not called yet). */
  bodyPending = false;
  chunked = false;
  /** Payload bytes of the current chunk still to write. */
  chunkLeft = 0;
  /** Body payload bytes written. */
  bodySent = 0;
  private finished = false;

  constructor(
    readonly owner: StreamOwner,
    readonly session: Http1Session,
  ) {}

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
    return this.session.nextEvent(this);
  }
  fill(maxBytes: number): FillResult {
    return this.session.fill(this, maxBytes);
  }
  releaseInput(): void {
    this.session.releaseInput(this);
  }
  setInterest(recv: boolean, send: boolean): void {
    this.wantRecv = recv;
    this.wantSend = send;
  }
  done(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.finish(this, false);
  }
  abandon(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.finish(this, true);
  }
}
