// Sans-I/O HTTP/1.1 response reader (RFC 9112, with libcurl's leniencies and error codes).
//
// Bytes go in with receiveData() (null = EOF), events come out of nextEvent(): one 'head' per
// interim (1xx) response, one 'head' for the final response, 'data' views of the body, one 'end'.
// Input chunks are queued as given; body 'data' events are subarrays of them (never copied).
// Only a head line or chunk-size line that spans chunks is copied, into a small pending buffer.
// The reader keeps references to the chunks it is given: a caller must not reuse a chunk's memory
// while the reader may still hold it (bufferedBytes > 0) or a data event viewing it is in use.

import { CurlCode } from '../../core/codes.js';
import { latin1Decode } from './latin1.js';
import {
  contentEnd,
  equalsLowerAscii,
  hasForbiddenChar,
  hasToken,
  isDigit,
  lastCodingIsChunked,
  parseChunkSize,
  parseContentLength,
  parseField,
  SHOWN_STATUS_BYTES,
  statusLineError,
} from './parse.js';
import { quoteForMessage } from './syntax.js';
import {
  H1_LIMITS,
  type HeaderList,
  NEED_DATA,
  ProtocolError,
  type ResponseData,
  type ResponseEnd,
  type ResponseEvent,
  type ResponseHead,
} from './types.js';

/** The limits with plain number types (H1_LIMITS is `as const`, so its own type is literal). */
export type H1Limits = { -readonly [K in keyof typeof H1_LIMITS]: number };

export interface StartResponseOptions {
  /** The request method; HEAD (and a 2xx to CONNECT) means no body whatever the headers say. */
  method: string;
  /** CURLOPT_IGNORE_CONTENT_LENGTH: read a non-chunked body to EOF. */
  ignoreContentLength?: boolean;
  /**
   * CURLOPT_HTTP_TRANSFER_DECODING off (curl --raw): a chunked body's data events carry the bytes
   * as received (size lines, chunk data, CRLFs, trailers and the final empty line); the framing is
   * still parsed to find the body's end, and trailers still come in the end event.
   */
  rawChunked?: boolean;
}

const RAW_CRLF = new Uint8Array([0x0d, 0x0a]);
const RAW_LF = new Uint8Array([0x0a]);

type State =
  | 'idle' // between responses: bytes are buffered for the next startResponse()
  | 'head' // status line and fields (also interim heads)
  | 'body-length'
  | 'body-close'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-crlf'
  | 'raw-end' // raw chunked: the final empty line was handed out; the end event is next
  | 'trailers'
  | 'end' // the next event is 'end'
  | 'error';

const HTTP1_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."
const NO_HEADERS: HeaderList = [];
const NO_LINES: string[] = [];

export class ResponseReader {
  readonly #limits: H1Limits;

  // Input queue: #queue[#qi] from #pos on, then the following chunks.
  #queue: Uint8Array[] = [];
  #qi = 0;
  #pos = 0;
  #buffered = 0;
  #eof = false;
  #bytesReceived = 0;
  #sawAny = false;

  // The current line when it spans chunks (bytes copied here), and the span of the line read last.
  #line = new Uint8Array(128);
  #lineLen = 0;
  #spanBuf: Uint8Array = this.#line;
  #spanStart = 0;
  #spanEnd = 0;

  #state: State = 'idle';
  #error: ProtocolError | undefined;

  // Request being answered.
  #isHead = false;
  #isConnect = false;
  #ignoreContentLength = false;
  #rawChunked = false;

  // Head being read.
  #statusSeen = false;
  #status = 0;
  #version: 10 | 11 = 11;
  #reason = '';
  #headers: HeaderList = [];
  #rawLines: string[] = [];
  #headBytes = 0;
  #interimCount = 0;
  #contentLengths: string[] | undefined;
  #transferEncoding: string | undefined;
  #connection: string | undefined;

  // Body.
  #remaining = 0;
  #keepAlive = true;
  #trailers: HeaderList = NO_HEADERS;
  #rawTrailerLines: string[] = NO_LINES;
  #trailerBytes = 0;

  constructor(limits: Partial<H1Limits> = {}) {
    this.#limits = { ...H1_LIMITS, ...limits };
  }

  /** Total bytes given to receiveData() over the reader's life. */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Bytes received and not yet consumed (input beyond the current/last response included). */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Whether any byte of the current response has arrived (bytes left over from the previous
   * response count). The engine uses it like libcurl: a reused connection that closes before
   * sending anything is retried.
   */
  get sawAnyBytes(): boolean {
    return this.#sawAny;
  }

  /** Whether EOF has been received. */
  get eof(): boolean {
    return this.#eof;
  }

  startResponse(opts: StartResponseOptions): void {
    if (this.#state === 'error') throw this.#error!;
    if (this.#state !== 'idle')
      throw new Error(`startResponse() while a response is being read (${this.#state})`);
    this.#isHead = opts.method === 'HEAD';
    this.#isConnect = opts.method === 'CONNECT';
    this.#ignoreContentLength = opts.ignoreContentLength === true;
    this.#rawChunked = opts.rawChunked === true;
    this.#interimCount = 0;
    this.#sawAny = this.#buffered > 0;
    this.#resetHead();
    this.#state = 'head';
  }

  /**
   * Between responses: the bytes received past the last one, handed over and forgotten (what a
   * server sent after a CONNECT's 2xx belongs to the tunnel, not to a next response).
   */
  takeBuffered(): Uint8Array {
    if (this.#state !== 'idle')
      throw new Error(`takeBuffered() while a response is being read (${this.#state})`);
    const out = new Uint8Array(this.#buffered);
    let o = 0;
    while (this.#buffered > 0) {
      const part = this.#take(this.#buffered);
      out.set(part, o);
      o += part.length;
    }
    return out;
  }

  receiveData(data: Uint8Array | null): void {
    if (this.#eof) throw new Error('receiveData() after EOF');
    if (data === null) {
      this.#eof = true;
      return;
    }
    if (data.length === 0) return;
    this.#bytesReceived += data.length;
    this.#sawAny = true;
    if (this.#state === 'error') return;
    this.#queue.push(data);
    this.#buffered += data.length;
  }

  nextEvent(): ResponseEvent | typeof NEED_DATA {
    try {
      switch (this.#state) {
        case 'idle':
          return NEED_DATA;
        case 'head':
          return this.#readHead();
        case 'body-length':
          return this.#readLengthBody();
        case 'body-close':
          return this.#readCloseBody();
        case 'chunk-size':
        case 'chunk-data':
        case 'chunk-crlf':
        case 'trailers':
          return this.#readChunked();
        case 'raw-end':
          return this.#end();
        case 'end':
          return this.#end();
        case 'error':
          throw this.#error!;
      }
    } catch (e) {
      if (e instanceof ProtocolError) {
        this.#state = 'error';
        this.#error = e;
        this.#queue = [];
        this.#qi = 0;
        this.#pos = 0;
        this.#buffered = 0;
      }
      throw e;
    }
  }

  // --- input queue ------------------------------------------------------------------------

  #advance(n: number): void {
    this.#buffered -= n;
    this.#pos += n;
    if (this.#pos === this.#queue[this.#qi]!.length) {
      this.#pos = 0;
      if (++this.#qi === this.#queue.length) {
        this.#queue = [];
        this.#qi = 0;
      }
    }
  }

  #appendLine(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.#lineLen + n > this.#line.length) {
      let size = this.#line.length * 2;
      while (size < this.#lineLen + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#line.subarray(0, this.#lineLen));
      this.#line = grown;
    }
    this.#line.set(src.subarray(start, end), this.#lineLen);
    this.#lineLen += n;
  }

  /**
   * Reads one line (up to and including LF) into the span fields and returns true; returns false
   * when no LF is buffered yet (the partial line is kept in #line) or the line would be longer
   * than max (then #lineLen > max; the bytes beyond max are counted, not kept).
   */
  #readLine(max: number): boolean {
    while (this.#qi < this.#queue.length) {
      const chunk = this.#queue[this.#qi]!;
      const start = this.#pos;
      const lf = chunk.indexOf(0x0a, start);
      const end = lf === -1 ? chunk.length : lf + 1;
      const n = end - start;
      if (this.#lineLen + n > max) {
        this.#lineLen += n;
        return false;
      }
      if (lf !== -1 && this.#lineLen === 0) {
        this.#spanBuf = chunk;
        this.#spanStart = start;
        this.#spanEnd = end;
        this.#advance(n);
        return true;
      }
      this.#appendLine(chunk, start, end);
      this.#advance(n);
      if (lf !== -1) {
        this.#spanBuf = this.#line;
        this.#spanStart = 0;
        this.#spanEnd = this.#lineLen;
        this.#lineLen = 0;
        return true;
      }
    }
    return false;
  }

  /** The k-th byte from the pending line then the queue, or -1 when not received yet. */
  #byteAt(k: number): number {
    if (k < this.#lineLen) return this.#line[k]!;
    k -= this.#lineLen;
    let pos = this.#pos;
    for (let qi = this.#qi; qi < this.#queue.length; qi++) {
      const chunk = this.#queue[qi]!;
      if (pos + k < chunk.length) return chunk[pos + k]!;
      k -= chunk.length - pos;
      pos = 0;
    }
    return -1;
  }

  /** Up to n bytes from the pending line then the queue, without consuming them. */
  #peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let len = Math.min(this.#lineLen, n);
    out.set(this.#line.subarray(0, len));
    let qi = this.#qi;
    let pos = this.#pos;
    while (len < n && qi < this.#queue.length) {
      const chunk = this.#queue[qi]!;
      const take = Math.min(n - len, chunk.length - pos);
      out.set(chunk.subarray(pos, pos + take), len);
      len += take;
      qi++;
      pos = 0;
    }
    return out.subarray(0, len);
  }

  // --- head -------------------------------------------------------------------------------

  #resetHead(): void {
    this.#statusSeen = false;
    this.#headers = [];
    this.#rawLines = [];
    this.#headBytes = 0;
    this.#contentLengths = undefined;
    this.#transferEncoding = undefined;
    this.#connection = undefined;
    this.#lineLen = 0;
  }

  #readHead(): ResponseHead | typeof NEED_DATA {
    const limits = this.#limits;
    for (;;) {
      if (!this.#statusSeen && this.#statusPrefixPending()) return NEED_DATA;
      if (this.#lineLen === 0 && this.#qi < this.#queue.length) {
        // Fast path: the rest of the head is in the current chunk: decode it with one call and
        // cut the lines out of the string.
        const end = this.#headBlockEnd();
        if (end !== -1) {
          const text = latin1Decode(this.#queue[this.#qi]!, this.#pos, end);
          this.#advance(text.length);
          for (let i = 0; ; ) {
            const lf = text.indexOf('\n', i) + 1;
            const head = this.#headLine(text, i, lf);
            if (head !== undefined) return head; // the block ends with the head's empty line
            i = lf;
          }
        }
      }
      const max = limits.maxHeaderBytes - this.#headBytes;
      if (!this.#readLine(max)) {
        if (this.#lineLen > max) {
          throw new ProtocolError(
            CurlCode.RECV_ERROR,
            `Too large response headers: ${this.#headBytes + this.#lineLen} > ${limits.maxHeaderBytes}`,
          );
        }
        if (this.#eof) {
          if (this.#interimCount === 0 && this.#headBytes === 0 && this.#lineLen === 0) {
            throw new ProtocolError(CurlCode.GOT_NOTHING, 'Empty reply from server');
          }
          throw new ProtocolError(
            CurlCode.RECV_ERROR,
            'Connection closed in the middle of the response headers',
          );
        }
        return NEED_DATA;
      }
      const line = latin1Decode(this.#spanBuf, this.#spanStart, this.#spanEnd);
      const head = this.#headLine(line, 0, line.length);
      if (head !== undefined) return head;
    }
  }

  /**
   * Where the head being read ends (after its empty line) when that is inside the current chunk
   * and within the size limit; else -1 (then lines are read one by one).
   */
  #headBlockEnd(): number {
    const chunk = this.#queue[this.#qi]!;
    const start = this.#pos;
    const limit = start + this.#limits.maxHeaderBytes - this.#headBytes;
    // An empty line right here ends a head whose other lines were read already.
    let e = start;
    for (;;) {
      const c = chunk[e];
      if (c === 0x0a) return e + 1 <= limit ? e + 1 : -1;
      if (c === 0x0d && chunk[e + 1] === 0x0a) return e + 2 <= limit ? e + 2 : -1;
      const lf = chunk.indexOf(0x0a, e);
      if (lf === -1 || lf >= limit) return -1;
      e = lf + 1;
    }
  }

  /** One line of a head (with its line ending); returns the head event at its empty line. */
  #headLine(text: string, start: number, stop: number): ResponseHead | undefined {
    this.#headBytes += stop - start;
    this.#rawLines.push(start === 0 && stop === text.length ? text : text.slice(start, stop));
    const end = contentEnd(text, start, stop);
    if (!this.#statusSeen) {
      this.#parseStatusLine(text.slice(start, end));
      return undefined;
    }
    if (end === start) return this.#finishHead();
    if (this.#headers.length >= this.#limits.maxHeaderCount) {
      throw new ProtocolError(
        CurlCode.RECV_ERROR,
        `Too many response header fields: more than ${this.#limits.maxHeaderCount}`,
      );
    }
    const field = parseField(text, start, end, 'header');
    this.#headers.push(field);
    this.#noteField(field[0], field[1]);
    return undefined;
  }

  /**
   * Fails early on input that cannot become an HTTP/1.x status line (HTTP/0.9, garbage, h2)
   * instead of buffering up to maxHeaderBytes of it. The message shows the line up to
   * SHOWN_STATUS_BYTES; it waits for that much (or the line end, or EOF) so that the message does
   * not depend on how the bytes were split. Returns true when it must wait.
   */
  #statusPrefixPending(): boolean {
    for (let i = 0; i < HTTP1_PREFIX.length; i++) {
      const b = this.#byteAt(i);
      if (b === -1) return false;
      if (b === HTTP1_PREFIX[i]) continue;
      const shown = this.#peek(SHOWN_STATUS_BYTES + 1);
      let end = 0;
      while (end < shown.length && shown[end] !== 0x0a && shown[end] !== 0x0d) end++;
      if (end === shown.length && end <= SHOWN_STATUS_BYTES && !this.#eof) return true;
      throw statusLineError(latin1Decode(shown, 0, end));
    }
    return false;
  }

  #parseStatusLine(line: string): void {
    // HTTP/1.x SP 3DIGIT [SP reason]; the prefix "HTTP/1." was checked already.
    const minor = line.charCodeAt(7);
    const ok =
      line.length >= 12 &&
      isDigit(minor) &&
      line.charCodeAt(8) === 0x20 &&
      isDigit(line.charCodeAt(9)) &&
      isDigit(line.charCodeAt(10)) &&
      isDigit(line.charCodeAt(11)) &&
      (line.length === 12 || line.charCodeAt(12) === 0x20);
    if (!ok) throw statusLineError(line);
    if (minor !== 0x30 && minor !== 0x31) {
      throw new ProtocolError(
        CurlCode.WEIRD_SERVER_REPLY,
        `Unsupported HTTP/1 subversion in response: ${quoteForMessage(line)}`,
      );
    }
    const status =
      (line.charCodeAt(9) - 0x30) * 100 + (line.charCodeAt(10) - 0x30) * 10 + (line.charCodeAt(11) - 0x30);
    if (status < 100) {
      throw new ProtocolError(
        CurlCode.WEIRD_SERVER_REPLY,
        `Invalid status code in response: ${quoteForMessage(line)}`,
      );
    }
    const reason = line.length > 13 ? line.slice(13) : '';
    if (hasForbiddenChar(reason)) throw statusLineError(line);
    this.#statusSeen = true;
    this.#status = status;
    this.#version = minor === 0x31 ? 11 : 10;
    this.#reason = reason;
  }

  #noteField(name: string, value: string): void {
    switch (name.length) {
      case 10:
        if (equalsLowerAscii(name, 'connection')) {
          this.#connection = this.#connection === undefined ? value : `${this.#connection},${value}`;
        }
        break;
      case 14:
        if (equalsLowerAscii(name, 'content-length')) (this.#contentLengths ??= []).push(value);
        break;
      case 17:
        if (equalsLowerAscii(name, 'transfer-encoding')) {
          this.#transferEncoding =
            this.#transferEncoding === undefined ? value : `${this.#transferEncoding},${value}`;
        }
        break;
    }
  }

  /** At the empty line: the head event, with the framing and next state decided. */
  #finishHead(): ResponseHead {
    const status = this.#status;
    const interim = status < 200 && status !== 101;
    if (interim) {
      if (++this.#interimCount > this.#limits.maxInterimResponses) {
        throw new ProtocolError(
          CurlCode.WEIRD_SERVER_REPLY,
          `Too many interim (1xx) responses: more than ${this.#limits.maxInterimResponses}`,
        );
      }
      const head = this.#headEvent(true, 'none', undefined);
      this.#resetHead();
      return head;
    }

    const te = this.#transferEncoding;
    const cls = this.#contentLengths;
    const tunnel = status === 101 || (this.#isConnect && status >= 200 && status < 300);
    let framing: ResponseHead['framing'];
    let contentLength: number | undefined;
    if (this.#isHead || status === 204 || status === 304 || tunnel) {
      framing = 'none';
    } else if (te !== undefined) {
      framing = lastCodingIsChunked(te) ? 'chunked' : 'close';
    } else if (this.#ignoreContentLength) {
      framing = 'close';
    } else if (cls !== undefined) {
      contentLength = parseContentLength(cls);
      framing = 'length';
    } else {
      framing = 'close';
    }

    let keepAlive: boolean;
    const conn = this.#connection;
    if (this.#version === 11) keepAlive = conn === undefined || !hasToken(conn, 'close');
    else keepAlive = conn !== undefined && hasToken(conn, 'keep-alive') && !hasToken(conn, 'close');
    // RFC 9112 6.3: TE together with CL may be a smuggling attempt; do not reuse the connection.
    if (framing === 'close' || tunnel || (te !== undefined && cls !== undefined)) keepAlive = false;
    this.#keepAlive = keepAlive;

    const head = this.#headEvent(false, framing, contentLength);
    // The next startResponse() allocates the next head's arrays; until then only references are
    // dropped (an idle pooled connection must not keep its last head alive: ~2 KB each).
    this.#headers = NO_HEADERS;
    this.#rawLines = NO_LINES;
    this.#contentLengths = undefined;
    this.#transferEncoding = undefined;
    this.#connection = undefined;
    this.#reason = '';
    switch (framing) {
      case 'none':
        this.#state = 'end';
        break;
      case 'length':
        this.#remaining = contentLength!;
        this.#state = contentLength === 0 ? 'end' : 'body-length';
        break;
      case 'chunked':
        this.#trailers = NO_HEADERS;
        this.#rawTrailerLines = NO_LINES;
        this.#trailerBytes = 0;
        this.#state = 'chunk-size';
        break;
      case 'close':
        this.#state = 'body-close';
        break;
    }
    return head;
  }

  #headEvent(
    interim: boolean,
    framing: ResponseHead['framing'],
    contentLength: number | undefined,
  ): ResponseHead {
    return {
      type: 'head',
      interim,
      status: this.#status,
      reason: this.#reason,
      version: this.#version,
      headers: this.#headers,
      rawLines: this.#rawLines,
      headerBytes: this.#headBytes,
      framing,
      contentLength,
    };
  }

  // --- body -------------------------------------------------------------------------------

  #end(): ResponseEnd {
    const ev: ResponseEnd = {
      type: 'end',
      trailers: this.#trailers,
      rawTrailerLines: this.#rawTrailerLines,
      keepAlive: this.#keepAlive,
    };
    this.#trailers = NO_HEADERS;
    this.#rawTrailerLines = NO_LINES;
    this.#state = 'idle';
    this.#sawAny = this.#buffered > 0;
    return ev;
  }

  /** A view of up to max buffered bytes from the current chunk, consumed. */
  #take(max: number): Uint8Array {
    const chunk = this.#queue[this.#qi]!;
    const start = this.#pos;
    const n = Math.min(max, chunk.length - start);
    this.#advance(n);
    return start === 0 && n === chunk.length ? chunk : chunk.subarray(start, start + n);
  }

  #readLengthBody(): ResponseEvent | typeof NEED_DATA {
    if (this.#buffered === 0) {
      if (this.#eof) {
        throw new ProtocolError(
          CurlCode.PARTIAL_FILE,
          `transfer closed with ${this.#remaining} bytes remaining to read`,
        );
      }
      return NEED_DATA;
    }
    const data = this.#take(this.#remaining);
    this.#remaining -= data.length;
    if (this.#remaining === 0) this.#state = 'end';
    return { type: 'data', data };
  }

  #readCloseBody(): ResponseEvent | typeof NEED_DATA {
    if (this.#buffered > 0) return { type: 'data', data: this.#take(this.#buffered) };
    if (this.#eof) return this.#end();
    return NEED_DATA;
  }

  #readChunked(): ResponseEvent | typeof NEED_DATA {
    for (;;) {
      switch (this.#state) {
        case 'chunk-size': {
          const max = this.#limits.maxChunkLineBytes;
          if (!this.#readLine(max)) {
            if (this.#lineLen > max) {
              throw new ProtocolError(
                CurlCode.WEIRD_SERVER_REPLY,
                `Bad chunk size line: longer than ${max} bytes`,
              );
            }
            return this.#chunkedNeedData();
          }
          const size = parseChunkSize(this.#spanBuf, this.#spanStart, this.#spanEnd);
          if (size === 0) {
            this.#state = 'trailers';
          } else {
            this.#remaining = size;
            this.#state = 'chunk-data';
          }
          if (this.#rawChunked) return this.#rawLine();
          break;
        }
        case 'chunk-data': {
          if (this.#buffered === 0) return this.#chunkedNeedData();
          const data = this.#take(this.#remaining);
          this.#remaining -= data.length;
          if (this.#remaining === 0) this.#state = 'chunk-crlf';
          return { type: 'data', data };
        }
        case 'chunk-crlf': {
          const b0 = this.#byteAt(0);
          const b1 = b0 === 0x0d ? this.#byteAt(1) : -1;
          if (b0 === -1) return this.#chunkedNeedData();
          if (b0 === 0x0a) {
            this.#advance(1);
          } else if (b0 === 0x0d && b1 === -1) {
            return this.#chunkedNeedData();
          } else if (b0 === 0x0d && b1 === 0x0a) {
            this.#advance(1);
            this.#advance(1);
          } else {
            throw new ProtocolError(CurlCode.WEIRD_SERVER_REPLY, 'Missing CRLF after chunk data');
          }
          this.#state = 'chunk-size';
          if (this.#rawChunked) return { type: 'data', data: b0 === 0x0a ? RAW_LF : RAW_CRLF };
          break;
        }
        case 'trailers': {
          const limits = this.#limits;
          const max = limits.maxHeaderBytes - this.#trailerBytes;
          if (!this.#readLine(max)) {
            if (this.#lineLen > max) {
              throw new ProtocolError(
                CurlCode.RECV_ERROR,
                `Too large response headers: ${this.#trailerBytes + this.#lineLen} > ${limits.maxHeaderBytes}`,
              );
            }
            return this.#chunkedNeedData();
          }
          const raw = latin1Decode(this.#spanBuf, this.#spanStart, this.#spanEnd);
          this.#trailerBytes += raw.length;
          const end = contentEnd(raw, 0, raw.length);
          // libcurl hands trailer lines to the header callback but not the terminating empty line.
          if (end === 0) {
            if (!this.#rawChunked) return this.#end();
            this.#state = 'raw-end';
            return this.#rawLine();
          }
          if (this.#rawTrailerLines === NO_LINES) {
            this.#rawTrailerLines = [];
            this.#trailers = [];
          }
          this.#rawTrailerLines.push(raw);
          if (this.#trailers.length >= limits.maxHeaderCount) {
            throw new ProtocolError(
              CurlCode.RECV_ERROR,
              `Too many response trailer fields: more than ${limits.maxHeaderCount}`,
            );
          }
          this.#trailers.push(parseField(raw, 0, end, 'trailer'));
          if (this.#rawChunked) return this.#rawLine();
          break;
        }
        default:
          throw new Error(`unreachable chunked state ${this.#state}`);
      }
    }
  }

  /** The line read last, as received (a copy: a line spanning input chunks lives in a reused buffer). */
  #rawLine(): ResponseData {
    return { type: 'data', data: this.#spanBuf.slice(this.#spanStart, this.#spanEnd) };
  }

  #chunkedNeedData(): typeof NEED_DATA {
    if (this.#eof) {
      throw new ProtocolError(CurlCode.PARTIAL_FILE, 'transfer closed with outstanding read data remaining');
    }
    return NEED_DATA;
  }
}
