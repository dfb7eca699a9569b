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
  checkHeadLine,
  contentEnd,
  equalsLowerAsciiAt,
  fieldColon,
  fieldLineValue,
  hasToken,
  headBlockClean,
  notHttpError,
  parseChunkSize,
  parseContentLength,
  parseField,
  parseHeaderField,
  parseStatusLine,
  type StatusLine,
  type TransferCodings,
  transferCodings,
} from './parse.js';
import {
  H1_LIMITS,
  type HeaderList,
  NEED_DATA,
  type NotedFields,
  ProtocolError,
  type ResponseData,
  type ResponseEnd,
  type ResponseEvent,
  type ResponseHead,
} from './types.js';

/** The limits with plain number types (H1_LIMITS is `as const`, so its own type is literal). */
export type H1Limits = { -readonly [K in keyof typeof H1_LIMITS]: number };

/** The input queue when empty: never written (receiveData replaces it with a queue of one). */
const NO_CHUNKS: Uint8Array[] = [];

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
  /**
   * Keep each head line as received for the event's `rawLines` (default true). False: `rawLines`
   * is empty; nobody asked for them (no header or debug callback), and cutting them out is a
   * string per line of every response.
   */
  rawLines?: boolean;
}

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

const HTTP_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/", compared in any case
/** Shared empty lists: never pushed to (a list is made at its first element). */
const NO_HEADERS: HeaderList = [];
const NO_LINES: string[] = [];
/** The line buffer before a line first spans chunks (never written: appending grows it first). */
const NO_LINE = new Uint8Array(0);
/** The line buffer's first size. */
const LINE_MIN = 128;

// The fields a head's reader looks at (by the name's length, then its letters).
const F_OTHER = 0;
const F_CONNECTION = 1;
const F_CONTENT_LENGTH = 2;
const F_TRANSFER_ENCODING = 3;
const F_CONTENT_TYPE = 4;
const F_RETRY_AFTER = 5;
const F_LAST_MODIFIED = 6;
const F_CONTENT_ENCODING = 7;

/** The names of the fields above, by length (no two share one). */
const NOTED_NAMES: (readonly [lower: string, kind: number] | undefined)[] = [];
for (const entry of [
  ['connection', F_CONNECTION],
  ['retry-after', F_RETRY_AFTER],
  ['content-type', F_CONTENT_TYPE],
  ['last-modified', F_LAST_MODIFIED],
  ['content-length', F_CONTENT_LENGTH],
  ['content-encoding', F_CONTENT_ENCODING],
  ['transfer-encoding', F_TRANSFER_ENCODING],
] as const) {
  NOTED_NAMES[entry[0].length] = entry;
}

/** Which of the fields above the name text[start, start + length) is, in any case. */
function fieldKind(text: string, start: number, length: number): number {
  const entry = NOTED_NAMES[length];
  return entry !== undefined && equalsLowerAsciiAt(text, start, entry[0]) ? entry[1] : F_OTHER;
}

/**
 * The field lines text[from, to) (each a checked `name: value` line with its line ending) as
 * pairs, appended to `out`.
 */
function cutFields(text: string, from: number, to: number, out: HeaderList): void {
  for (let i = from; i < to; ) {
    const stop = text.indexOf('\n', i) + 1;
    const end = contentEnd(text, i, stop);
    const colon = text.indexOf(':', i);
    out.push([text.slice(i, colon), fieldLineValue(text, colon, end)]);
    i = stop;
  }
}

/** The same fields as cutFields, appended to `out` flat: name, value, name, value, ... */
function cutFieldsFlat(text: string, from: number, to: number, out: string[]): void {
  for (let i = from; i < to; ) {
    const stop = text.indexOf('\n', i) + 1;
    const end = contentEnd(text, i, stop);
    const colon = text.indexOf(':', i);
    out.push(text.slice(i, colon), fieldLineValue(text, colon, end));
    i = stop;
  }
}

/**
 * A head event whose name/value pairs are cut out of the head's text when `headers` is first
 * read: most heads are never asked for theirs (no header callback, no API reading them), and the
 * pairs were a kilobyte per response. The lines were checked as they were read.
 */
class Head implements ResponseHead {
  readonly type = 'head';
  declare contentLengthOverflow?: boolean;
  #headers: HeaderList;
  /** Field lines not cut yet: #text[#from, #to), after the ones in #headers. */
  #text: string | undefined;
  #from: number;
  #to: number;

  constructor(
    readonly interim: boolean,
    readonly status: number,
    readonly reason: string,
    readonly version: ResponseHead['version'],
    headers: HeaderList,
    text: string | undefined,
    from: number,
    to: number,
    readonly rawLines: string[],
    readonly headerBytes: number,
    readonly framing: ResponseHead['framing'],
    readonly contentLength: number | undefined,
    readonly noted: NotedFields,
  ) {
    this.#headers = headers;
    this.#text = text;
    this.#from = from;
    this.#to = to;
  }

  get headers(): HeaderList {
    const text = this.#text;
    if (text !== undefined) {
      this.#text = undefined;
      if (this.#headers === NO_HEADERS) this.#headers = [];
      cutFields(text, this.#from, this.#to, this.#headers);
    }
    return this.#headers;
  }

  set headers(headers: HeaderList) {
    this.#text = undefined;
    this.#headers = headers;
  }

  /** The fields flat, without making the pairs (the promise API keeps a head's fields so). */
  flatFields(): string[] {
    const pairs = this.#headers;
    const out: string[] = [];
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i]!;
      out.push(pair[0], pair[1]);
    }
    const text = this.#text;
    if (text !== undefined) cutFieldsFlat(text, this.#from, this.#to, out);
    return out;
  }
}

/**
 * A head read whole from one input chunk, kept so that the next head with the same bytes (a
 * server answering the same resource: nginx's heads differ only in Date, which changes once a
 * second) is taken without reading its lines again. Everything kept is what the lines' bytes alone
 * decide (the status line's parse, each field's kind and the values the reader notes); what
 * depends on the request or the reader (the method, the limits, the counts of the response so
 * far) is applied again for each head exactly as the line by line path applies it.
 */
class KeptHead {
  #lines: string[] | undefined = undefined;

  constructor(
    /** The head's bytes, status line to the empty line (its first), as latin1 text. */
    readonly text: string,
    readonly statusLine: StatusLine,
    /** Its field lines: how many, and where they are in `text`. */
    readonly fieldCount: number,
    readonly fieldsFrom: number,
    readonly fieldsTo: number,
    /** Its longest line, line ending included. */
    readonly longestLine: number,
    /** The Connection, Content-Length and Transfer-Encoding fields in order: kind, value, kind, ... */
    readonly framing: (number | string)[],
    /** The fields noted of it (its own head's record, shared by every head taken from it). */
    readonly noted: NotedFields,
  ) {}

  /** Its lines as received (the head event's rawLines), cut once. */
  lines(): string[] {
    if (this.#lines === undefined) {
      const lines: string[] = [];
      const text = this.text;
      for (let i = 0; i < text.length; ) {
        const stop = text.indexOf('\n', i) + 1;
        lines.push(text.slice(i, stop));
        i = stop;
      }
      this.#lines = lines;
    }
    return this.#lines;
  }
}

/** What is noted of a head being read whole, to keep it once it is read (see KeptHead). */
interface HeadRecord {
  /** False once a line was read that makes the head one not to keep. */
  keep: boolean;
  statusLine: StatusLine | undefined;
  fieldCount: number;
  fieldsFrom: number;
  fieldsTo: number;
  longestLine: number;
  framing: (number | string)[];
}

/**
 * The head kept last, shared by every reader (a memo of what the bytes decide, so one for the
 * process serves every connection to the same server and costs no memory per connection).
 */
let keptHead: KeptHead | undefined;

/**
 * Whether heads are kept (tests compare the reader with and without), and how many were taken
 * from a kept one.
 */
export const headKeeping = { enabled: true, uses: 0 };

/** Forgets the kept head (tests). */
export function forgetKeptHead(): void {
  keptHead = undefined;
}

export class ResponseReader {
  readonly #limits: H1Limits;

  // Input queue: #queue[#qi] from #pos on, then the following chunks.
  #queue: Uint8Array[] = NO_CHUNKS;
  #qi = 0;
  #pos = 0;
  #buffered = 0;
  #eof = false;
  #bytesReceived = 0;
  #sawAny = false;
  /** A status line was parsed on this connection (libcurl: a version is known, or the connection is reused). */
  #seenHttp = false;

  // The current line when it spans chunks (bytes copied here), and the span of the line read last.
  // Made at the first line that spans chunks (most heads arrive whole): an eager 128-byte buffer
  // was 312 bytes of heap per open connection.
  #line: Uint8Array = NO_LINE;
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
  #version: ResponseHead['version'] = 11;
  #reason = '';
  /** Fields cut into pairs (before the lazy ones, if any). */
  #headers: HeaderList = NO_HEADERS;
  /** Plain field lines read in one block and not cut yet: #lazyText[#lazyFrom, #lazyTo). */
  #lazyText: string | undefined;
  #lazyFrom = 0;
  #lazyTo = 0;
  /** NotedFields of the head being read. */
  #contentType: string | undefined;
  #retryAfter = false;
  #contentEncoding = false;
  #lastModified = false;
  #rawLines: string[] = NO_LINES;
  #keepRawLines = true;
  #headBytes = 0;
  /** Head bytes of the whole response, interim heads included (libcurl's allheadercount). */
  #allHeadBytes = 0;
  /** Header fields of the whole response, interim heads and trailers included. */
  #fieldCount = 0;
  /** The fields of this head set framing (not an interim head, not a 204/304/tunnel). */
  #framingFields = false;
  #contentLength = -1;
  /** The head's Transfer-Encoding, made when it has one (most responses have none). */
  #codings: TransferCodings | undefined = undefined;
  #connection: string | undefined;
  #crCount = 0;

  // Body.
  #remaining = 0;
  #keepAlive = true;
  #trailers: HeaderList = NO_HEADERS;
  #rawTrailerLines: string[] = NO_LINES;
  #trailerBytes = 0;

  constructor(limits?: Partial<H1Limits>) {
    // The defaults are shared by every reader that takes them (one object less per connection).
    this.#limits = limits === undefined ? H1_LIMITS : { ...H1_LIMITS, ...limits };
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
    this.#keepRawLines = opts.rawLines !== false;
    this.#sawAny = this.#buffered > 0;
    this.#allHeadBytes = 0;
    this.#fieldCount = 0;
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
    // An empty queue is replaced, not pushed onto: a push onto an empty array reserves 17 slots.
    if (this.#queue.length === 0) this.#queue = [data];
    else this.#queue.push(data);
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
        this.#queue = NO_CHUNKS;
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
        this.#queue = NO_CHUNKS;
        this.#qi = 0;
      }
    }
  }

  #appendLine(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.#lineLen + n > this.#line.length) {
      let size = Math.max(LINE_MIN, this.#line.length * 2);
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

  // --- head -------------------------------------------------------------------------------

  #resetHead(): void {
    this.#statusSeen = false;
    this.#headers = NO_HEADERS;
    this.#lazyText = undefined;
    this.#contentType = undefined;
    this.#retryAfter = false;
    this.#contentEncoding = false;
    this.#lastModified = false;
    this.#rawLines = NO_LINES;
    this.#headBytes = 0;
    this.#framingFields = false;
    this.#contentLength = -1;
    this.#codings = undefined;
    this.#connection = undefined;
    this.#lineLen = 0;
  }

  #readHead(): ResponseHead | typeof NEED_DATA {
    // Nothing came since the last call (the engine asks once before the response arrives): the
    // bytes of a line pending were checked as they came.
    if (this.#buffered === 0 && !this.#eof) return NEED_DATA;
    const limits = this.#limits;
    for (;;) {
      if (!this.#statusSeen) {
        // A head that starts here with the bytes of the head kept last is taken from it.
        const kept = keptHead;
        if (
          kept !== undefined &&
          this.#lineLen === 0 &&
          this.#qi < this.#queue.length &&
          headKeeping.enabled
        ) {
          const head = this.#takeKeptHead(kept);
          if (head !== undefined) return head;
        }
        if (this.#statusPrefixPending()) return NEED_DATA;
      }
      if (this.#lineLen === 0 && this.#qi < this.#queue.length) {
        // Fast path: the rest of the head is in the current chunk: decode it with one call and
        // cut the lines out of the string.
        const end = this.#headBlockEnd();
        if (end !== -1) {
          const text = latin1Decode(this.#queue[this.#qi]!, this.#pos, end);
          this.#advance(text.length);
          // Checked once for the block; a block that fails is checked line by line, so the error
          // is the failing line's as when lines arrive one by one.
          const clean = headBlockClean(text);
          // A block that holds the whole head is kept for the heads after it, once read.
          const record: HeadRecord | undefined =
            !this.#statusSeen && headKeeping.enabled
              ? {
                  keep: true,
                  statusLine: undefined,
                  fieldCount: 0,
                  fieldsFrom: 0,
                  fieldsTo: 0,
                  longestLine: 0,
                  framing: [],
                }
              : undefined;
          for (let i = 0; ; ) {
            const lf = text.indexOf('\n', i) + 1;
            const head = this.#headLine(text, i, lf, true, clean, record);
            if (head !== undefined) {
              // The block ends with the head's empty line.
              if (record?.keep === true) keptHead = keepHead(text, record, head);
              return head;
            }
            i = lf;
          }
        }
      }
      const max = limits.maxHeaderLineBytes - 1;
      if (!this.#readLine(max)) {
        if (this.#lineLen > max) throw lineTooLarge();
        if (this.#eof) {
          // Nothing but interim heads (libcurl deducts their bytes) or not one whole line.
          if (this.#headBytes === 0) {
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
      const head = this.#headLine(line, 0, line.length, false, false, undefined);
      if (head !== undefined) return head;
    }
  }

  /**
   * The head that starts at the current chunk's position, taken from `kept` when its bytes are
   * kept's and no limit of this reader stops it (then the lines are read as usual, and fail
   * where they fail); undefined when it is not taken. Exactly what reading its lines one by one
   * does, with what the bytes decide taken from `kept`.
   */
  #takeKeptHead(kept: KeptHead): ResponseHead | undefined {
    const chunk = this.#queue[this.#qi]!;
    const pos = this.#pos;
    const text = kept.text;
    const n = text.length;
    const limits = this.#limits;
    if (
      chunk.length - pos < n ||
      chunk[pos + n - 1] !== 0x0a ||
      this.#allHeadBytes + n > limits.maxHeaderBytes ||
      kept.longestLine >= limits.maxHeaderLineBytes ||
      this.#fieldCount + kept.fieldCount > limits.maxHeaderCount ||
      latin1Decode(chunk, pos, pos + n) !== text
    ) {
      return undefined;
    }
    headKeeping.uses++;
    this.#advance(n);
    this.#headBytes += n;
    this.#allHeadBytes += n;
    if (this.#keepRawLines) this.#rawLines = kept.lines().slice();
    this.#acceptStatusLine(kept.statusLine);
    if (kept.fieldCount > 0) {
      this.#fieldCount += kept.fieldCount;
      this.#lazyText = text;
      this.#lazyFrom = kept.fieldsFrom;
      this.#lazyTo = kept.fieldsTo;
    }
    const framing = kept.framing;
    for (let i = 0; i < framing.length; i += 2) {
      this.#noteField(framing[i] as number, framing[i + 1] as string, true);
    }
    return this.#finishHead(kept.noted);
  }

  /**
   * Where the head being read ends (after its empty line) when that is inside the current chunk
   * and within the size limit; else -1 (then lines are read one by one).
   */
  #headBlockEnd(): number {
    const chunk = this.#queue[this.#qi]!;
    const start = this.#pos;
    const limit = start + this.#limits.maxHeaderBytes - this.#allHeadBytes;
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

  /**
   * One line of a head (with its line ending); returns the head event at its empty line. `inBlock`:
   * the line is part of a block read at once (then its field is cut into a pair only on demand);
   * `checked`: its characters passed checkHeadLine already (with the whole block); `record`: what
   * is noted of the head to keep it (a block that holds the whole head), else undefined.
   */
  #headLine(
    text: string,
    start: number,
    stop: number,
    inBlock: boolean,
    checked: boolean,
    record: HeadRecord | undefined,
  ): ResponseHead | undefined {
    const limits = this.#limits;
    if (stop - start >= limits.maxHeaderLineBytes) throw lineTooLarge();
    if (record !== undefined && stop - start > record.longestLine) record.longestLine = stop - start;
    this.#headBytes += stop - start;
    this.#allHeadBytes += stop - start;
    if (this.#allHeadBytes > limits.maxHeaderBytes) {
      throw new ProtocolError(
        CurlCode.RECV_ERROR,
        `Too large response headers: ${this.#allHeadBytes} > ${limits.maxHeaderBytes}`,
      );
    }
    if (this.#keepRawLines) {
      const raw = start === 0 && stop === text.length ? text : text.slice(start, stop);
      // The first line makes the list: an empty one per head would wait with every connection
      // for its response.
      if (this.#rawLines === NO_LINES) this.#rawLines = [raw];
      else this.#rawLines.push(raw);
    }
    const end = contentEnd(text, start, stop);
    if (!checked) checkHeadLine(text, start, end);
    if (!this.#statusSeen) {
      const statusLine = parseStatusLine(text.slice(start, end));
      if (record !== undefined) record.statusLine = statusLine;
      this.#acceptStatusLine(statusLine);
      return undefined;
    }
    if (end === start) return this.#finishHead();
    const c0 = text.charCodeAt(start);
    if (c0 === 0x20 || c0 === 0x09) {
      // Such a head is not kept: what its line does depends on the lines before it.
      if (record !== undefined) record.keep = false;
      this.#cutLazyFields();
      const headers = this.#headers;
      if (headers.length > 0) {
        // obs-fold: the line continues the previous field's value (libcurl unfolds it too);
        // framing fields are judged on their first line only, as libcurl does.
        const value = text.slice(start, end).replace(/^[ \t]+|[ \t]+$/g, '');
        const last = headers[headers.length - 1]!;
        if (value !== '') last[1] = last[1] === '' ? value : `${last[1]} ${value}`;
        if (fieldKind(last[0], 0, last[0].length) === F_CONTENT_TYPE) this.#contentType = last[1];
        return undefined;
      }
      // A first field line with leading blanks: the blanks are skipped; it sets no framing.
      let s = start;
      while (text.charCodeAt(s) === 0x20 || text.charCodeAt(s) === 0x09) s++;
      const field = parseHeaderField(text, s, end);
      this.#addField(field);
      this.#noteField(fieldKind(field[0], 0, field[0].length), field[1], false);
      return undefined;
    }
    if (inBlock) {
      const colon = fieldColon(text, start, end);
      this.#countField();
      if (this.#lazyText === undefined || this.#lazyText !== text || this.#lazyTo !== start) {
        this.#cutLazyFields();
        this.#lazyText = text;
        this.#lazyFrom = start;
      }
      this.#lazyTo = stop;
      const kind = fieldKind(text, start, colon - start);
      if (record !== undefined) {
        if (record.fieldCount++ === 0) record.fieldsFrom = start;
        record.fieldsTo = stop;
      }
      if (kind === F_RETRY_AFTER || kind === F_LAST_MODIFIED || kind === F_CONTENT_ENCODING)
        this.#noteField(kind, '', true);
      else if (kind !== F_OTHER) {
        const value = fieldLineValue(text, colon, end);
        if (record !== undefined && kind !== F_CONTENT_TYPE) record.framing.push(kind, value);
        this.#noteField(kind, value, true);
      }
      return undefined;
    }
    const field = parseHeaderField(text, start, end);
    this.#addField(field);
    this.#noteField(fieldKind(field[0], 0, field[0].length), field[1], true);
    return undefined;
  }

  #countField(): void {
    const max = this.#limits.maxHeaderCount;
    if (++this.#fieldCount > max) {
      throw new ProtocolError(CurlCode.TOO_LARGE, `Too many response headers, ${max} is max`);
    }
  }

  #addField(field: [string, string]): void {
    this.#countField();
    this.#cutLazyFields();
    if (this.#headers === NO_HEADERS) this.#headers = [];
    this.#headers.push(field);
  }

  /** The lazy field lines cut into pairs now (a line that changes the list comes next). */
  #cutLazyFields(): void {
    const text = this.#lazyText;
    if (text === undefined) return;
    this.#lazyText = undefined;
    if (this.#headers === NO_HEADERS) this.#headers = [];
    cutFields(text, this.#lazyFrom, this.#lazyTo, this.#headers);
  }

  /**
   * Fails early on input that cannot start "HTTP/" (HTTP/0.9, garbage, h2) instead of buffering
   * up to a line of it; libcurl compares the bytes it has as they arrive. Returns true when it
   * must wait (never: a partial prefix waits for the line like any other).
   */
  #statusPrefixPending(): boolean {
    for (let i = 0; i < HTTP_PREFIX.length; i++) {
      const b = this.#byteAt(i);
      if (b === -1) return false;
      if ((b & 0xdf) !== HTTP_PREFIX[i] && b !== HTTP_PREFIX[i]) throw notHttpError(this.#seenHttp);
    }
    return false;
  }

  /** A head's status line, parsed: what it sets for the head and the connection. */
  #acceptStatusLine(parsed: StatusLine): void {
    if (parsed.version >= 20 && this.#seenHttp) {
      throw new ProtocolError(
        CurlCode.WEIRD_SERVER_REPLY,
        `Version mismatch (from HTTP/1 to HTTP/${parsed.version / 10})`,
      );
    }
    this.#seenHttp = true;
    this.#statusSeen = true;
    this.#status = parsed.status;
    this.#version = parsed.version;
    this.#reason = parsed.reason;
    const status = parsed.status;
    const tunnel = status === 101 || (this.#isConnect && status >= 200 && status < 300);
    this.#framingFields = status >= 200 && status !== 204 && status !== 304 && !tunnel;
  }

  /** A field of `kind` with `value` (not needed for the dated ones); `framing`: it may set the framing. */
  #noteField(kind: number, value: string, framing: boolean): void {
    switch (kind) {
      case F_CONTENT_TYPE:
        this.#contentType = value;
        return;
      case F_RETRY_AFTER:
        this.#retryAfter = true;
        return;
      case F_LAST_MODIFIED:
        this.#lastModified = true;
        return;
      case F_CONTENT_ENCODING:
        this.#contentEncoding = true;
        return;
    }
    if (!framing) return;
    switch (kind) {
      case F_CONNECTION:
        this.#connection = this.#connection === undefined ? value : `${this.#connection},${value}`;
        break;
      case F_CONTENT_LENGTH:
        // libcurl reads every Content-Length field (even with chunked, even for HEAD) unless
        // told to ignore them.
        if (this.#framingFields && !this.#ignoreContentLength)
          this.#contentLength = parseContentLength(value, this.#contentLength);
        break;
      case F_TRANSFER_ENCODING:
        if (this.#framingFields && !this.#isHead)
          transferCodings(value, (this.#codings ??= { chunked: false }), this.#rawChunked);
        break;
    }
  }

  /**
   * At the empty line: the head event, with the framing and next state decided. `noted`: the
   * head's noted fields when they are a kept head's (else they are made of the fields read).
   */
  #finishHead(noted?: NotedFields): ResponseHead {
    const status = this.#status;
    const interim = status < 200 && status !== 101;
    if (interim) {
      // Interim heads are bounded by maxHeaderBytes, which counts them all (as libcurl does).
      const head = this.#headEvent(true, 'none', undefined, noted);
      this.#resetHead();
      return head;
    }

    const chunked = this.#codings?.chunked === true;
    const cl = this.#contentLength;
    const tunnel = status === 101 || (this.#isConnect && status >= 200 && status < 300);
    let framing: ResponseHead['framing'];
    let contentLength: number | undefined;
    if (this.#isHead || !this.#framingFields) {
      framing = 'none';
    } else if (chunked) {
      framing = 'chunked';
    } else if (cl !== -1 && cl !== Number.POSITIVE_INFINITY) {
      contentLength = cl;
      framing = 'length';
    } else {
      framing = 'close';
    }

    let keepAlive: boolean;
    const conn = this.#connection;
    if (this.#version === 11) keepAlive = conn === undefined || !hasToken(conn, 'close');
    else keepAlive = conn !== undefined && hasToken(conn, 'keep-alive') && !hasToken(conn, 'close');
    // RFC 9112 6.3: TE together with CL may be a smuggling attempt; do not reuse the connection.
    if (framing === 'close' || tunnel || (chunked && cl !== -1)) keepAlive = false;
    this.#keepAlive = keepAlive;

    const head = this.#headEvent(false, framing, contentLength, noted);
    if (cl === Number.POSITIVE_INFINITY && framing === 'close') head.contentLengthOverflow = true;
    // The next startResponse() allocates the next head's arrays; until then only references are
    // dropped (an idle pooled connection must not keep its last head alive: ~2 KB each).
    this.#headers = NO_HEADERS;
    this.#lazyText = undefined;
    this.#contentType = undefined;
    this.#rawLines = NO_LINES;
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
    noted: NotedFields | undefined,
  ): ResponseHead {
    return new Head(
      interim,
      this.#status,
      this.#reason,
      this.#version,
      this.#headers,
      this.#lazyText,
      this.#lazyFrom,
      this.#lazyTo,
      this.#rawLines,
      this.#headBytes,
      framing,
      contentLength,
      noted ?? {
        contentType: this.#contentType,
        retryAfter: this.#retryAfter,
        lastModified: this.#lastModified,
        contentEncoding: this.#contentEncoding,
      },
    );
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
        // curl 8's words (sendf.c, cw_download_write at the end of the stream); 7.88 said
        // "transfer closed with N bytes remaining to read".
        throw new ProtocolError(
          CurlCode.PARTIAL_FILE,
          `end of response with ${this.#remaining} bytes missing`,
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
          // libcurl skips any CRs after the chunk data, then wants the LF.
          let b0 = this.#byteAt(0);
          while (b0 === 0x0d) {
            this.#advance(1);
            this.#crCount++;
            b0 = this.#byteAt(0);
          }
          if (b0 === -1) return this.#chunkedNeedData();
          if (b0 !== 0x0a) {
            throw new ProtocolError(CurlCode.RECV_ERROR, 'Malformed encoding found in chunked-encoding');
          }
          this.#advance(1);
          const crs = this.#crCount;
          this.#crCount = 0;
          this.#state = 'chunk-size';
          if (this.#rawChunked) {
            if (crs === 0) return { type: 'data', data: RAW_LF };
            const raw = new Uint8Array(crs + 1).fill(0x0d);
            raw[crs] = 0x0a;
            return { type: 'data', data: raw };
          }
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
          if (++this.#fieldCount > limits.maxHeaderCount) {
            throw new ProtocolError(
              CurlCode.TOO_LARGE,
              `Too many response headers, ${limits.maxHeaderCount} is max`,
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

/** The head read whole from `text` (its record complete), to keep. */
function keepHead(text: string, record: HeadRecord, head: ResponseHead): KeptHead {
  return new KeptHead(
    text,
    record.statusLine!,
    record.fieldCount,
    record.fieldsFrom,
    record.fieldsTo,
    record.longestLine,
    record.framing,
    // The head's own record, shared: nothing writes one (NotedFields is read only). A frozen
    // copy cost about 1 us per head, paid by every head of a server whose heads never repeat.
    head.noted!,
  );
}

/** A head line of CURL_MAX_HTTP_HEADER bytes or more: libcurl's header buffer is full. */
function lineTooLarge(): ProtocolError {
  return new ProtocolError(CurlCode.TOO_LARGE, 'A value or data field grew larger than allowed');
}
