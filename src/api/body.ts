// Request bodies in (string, bytes, Blob, URLSearchParams, FormData, streams) and response bodies
// out (a Node Readable with text()/json()/arrayBuffer()/bytes()/blob() for request()).
//
// Small bodies of known size become one Uint8Array (CURLOPT_POSTFIELDS: sent with the head in one
// write). Streams, and Blobs / FormData above STREAM_THRESHOLD, are streamed through the engine's
// read callback (upload.ts): a known size is sent with Content-Length, an unknown one chunked.
import { Readable } from 'node:stream';
import { concatBytes } from '../proto/bytes.js';
import { badArgument } from './errors.js';
import { type BodyOpener, chunkBytes } from './upload.js';

/** What fetch()/request() accept as a request body. */
export type RequestBody =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | URLSearchParams
  | FormData
  | ReadableStream<Uint8Array>
  | AsyncIterable<BodyChunk>
  | null;

/** What a streamed body may yield: bytes (any view, a Buffer), an ArrayBuffer, or text (sent as UTF-8). */
export type BodyChunk = Uint8Array | ArrayBufferView | ArrayBuffer | string;

/**
 * A Blob or FormData up to this size is read into memory and sent with the head; a bigger one is
 * streamed. 64 KiB: libcurl's MAX_INITIAL_POST_SIZE, the most it sends together with the head.
 */
export const STREAM_THRESHOLD = 64 * 1024;

export type ExtractedBody =
  | {
      kind: 'bytes';
      bytes: Uint8Array;
      /** The Content-Type the body implies (fetch's "extract a body"), when it implies one. */
      contentType: string | undefined;
      replayable: true;
    }
  | {
      kind: 'stream';
      /** Opens the bytes from the start (once only for a one-shot source). */
      open: BodyOpener;
      /** Bytes, or -1 when unknown (sent chunked). */
      size: number;
      contentType: string | undefined;
      /** False for streams: they can be sent once, so a 307/308 redirect cannot resend them. */
      replayable: boolean;
    };

const encoder = new TextEncoder();

/** True for bodies that fetch() requires `duplex: 'half'` for. */
export function isStreamBody(body: unknown): body is ReadableStream<Uint8Array> | AsyncIterable<BodyChunk> {
  if (typeof body !== 'object' || body === null) return false;
  if (body instanceof ReadableStream) return true;
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer || body instanceof Blob) return false;
  return typeof (body as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

const bytesBody = (bytes: Uint8Array, contentType: string | undefined): ExtractedBody => ({
  kind: 'bytes',
  bytes,
  contentType,
  replayable: true,
});

/** fetch's "extract a body": bytes for small bodies of known size, an opener for the others. */
export async function extractBody(body: RequestBody): Promise<ExtractedBody | undefined> {
  if (body === null) return undefined;
  if (typeof body === 'string') return bytesBody(encoder.encode(body), 'text/plain;charset=UTF-8');
  if (body instanceof URLSearchParams) {
    return bytesBody(encoder.encode(body.toString()), 'application/x-www-form-urlencoded;charset=UTF-8');
  }
  // Bytes are sent from the caller's memory, not copied (as undici): a 100 MiB Buffer costs no
  // second 100 MiB. The caller must not change them until the call settled.
  if (body instanceof ArrayBuffer) return bytesBody(new Uint8Array(body), undefined);
  if (ArrayBuffer.isView(body)) {
    return bytesBody(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), undefined);
  }
  if (body instanceof Blob) {
    const type = body.type === '' ? undefined : body.type;
    if (body.size <= STREAM_THRESHOLD) return bytesBody(new Uint8Array(await body.arrayBuffer()), type);
    return {
      kind: 'stream',
      open: () => iterate(body.stream()),
      size: body.size,
      contentType: type,
      replayable: true,
    };
  }
  if (body instanceof FormData) {
    const { parts, size, boundary } = multipartParts(body);
    const contentType = `multipart/form-data; boundary=${boundary}`;
    if (size <= STREAM_THRESHOLD) return bytesBody(await readParts(parts, size), contentType);
    return { kind: 'stream', open: () => streamParts(parts), size, contentType, replayable: true };
  }
  if (body instanceof ReadableStream) {
    if (body.locked) throw badArgument('Request body stream is locked or disturbed');
    return {
      kind: 'stream',
      open: once(() => iterate(body)),
      size: -1,
      contentType: undefined,
      replayable: false,
    };
  }
  if (isStreamBody(body)) {
    const iterable = body as AsyncIterable<unknown>;
    return {
      kind: 'stream',
      open: once(() => iterable[Symbol.asyncIterator]()),
      size: -1,
      contentType: undefined,
      replayable: false,
    };
  }
  throw badArgument(`Unsupported body type: ${Object.prototype.toString.call(body)}`);
}

function iterate(stream: ReadableStream<Uint8Array>): AsyncIterator<unknown> {
  return (stream as unknown as AsyncIterable<unknown>)[Symbol.asyncIterator]();
}

function once(open: BodyOpener): BodyOpener {
  let used = false;
  return () => {
    if (used) throw badArgument('A streamed request body cannot be sent twice');
    used = true;
    return open();
  };
}

/** Reads a whole body (for a Request given as fetch input and for small multipart bodies). */
export async function readAll(iterator: AsyncIterator<unknown>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) {
    const bytes = chunkBytes(r.value);
    parts.push(bytes);
    total += bytes.length;
  }
  return concatBytes(parts, total);
}

// multipart/form-data as the HTML standard's "multipart/form-data encoding algorithm" (and undici)
// writes it: names and filenames escape CR, LF and '"'; string values get CRLF line breaks.
const escapeQuoted = (s: string) => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
const normalizeLinefeeds = (s: string) => s.replace(/\r?\n|\r/g, '\r\n');

type Part = Uint8Array | Blob;

/** The multipart/form-data encoding of a FormData as byte parts and Blobs (read later), and its size. */
export function multipartParts(form: FormData): { parts: Part[]; size: number; boundary: string } {
  const boundary = `----tscurl-formdata-${process.getBuiltinModule('node:crypto').randomBytes(12).toString('hex')}`;
  const parts: Part[] = [];
  let size = 0;
  const add = (p: Part) => {
    parts.push(p);
    size += p instanceof Blob ? p.size : p.length;
  };
  for (const [name, value] of form) {
    const n = escapeQuoted(normalizeLinefeeds(name));
    if (typeof value === 'string') {
      add(
        encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${normalizeLinefeeds(value)}\r\n`,
        ),
      );
    } else {
      const type = value.type === '' ? 'application/octet-stream' : value.type;
      add(
        encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${n}"; filename="${escapeQuoted(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`,
        ),
      );
      add(value);
      add(encoder.encode('\r\n'));
    }
  }
  add(encoder.encode(`--${boundary}--\r\n`));
  return { parts, size, boundary };
}

async function readParts(parts: readonly Part[], size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    const bytes = p instanceof Blob ? new Uint8Array(await p.arrayBuffer()) : p;
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

async function* streamParts(parts: readonly Part[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) {
    if (!(p instanceof Blob)) yield p;
    else for await (const chunk of p.stream() as unknown as AsyncIterable<Uint8Array>) yield chunk;
  }
}

const utf8 = new TextDecoder();

type StreamIterator = ReturnType<Readable[typeof Symbol.asyncIterator]>;

/**
 * Where a BodyReadable's bytes come from: told when the reader wants more (a paused transfer
 * resumes) and when the body was destroyed before its end (the transfer ends). An object the
 * caller already has, not two closures per body.
 */
export interface BodySource {
  /**
   * The body is over its highWaterMark but nobody reads it yet (see BodyReadable._deliver): look
   * again once the callback that filled it returned (BodyReadable._stillFull), and pause then if
   * it is still full. A source without it is told at once, by _deliver's false.
   */
  pauseLater?(): void;
  demand(): void;
  destroyed(error: Error | null): void;
}

/**
 * The response body of request(): a Readable (async-iterable, pipeable) with the body mixins.
 * Reading it is what lets the transfer go on: when its buffer is full the transfer pauses.
 *
 * Until something reads it as a stream, the body's chunks are held aside, not pushed
 * through the Readable's buffer (the first _read() pushes them): a body that arrived whole before
 * it is read (a small response) is handed to text()/json()/bytes()/arrayBuffer()/blob(), or to a
 * `for await`, without the stream machinery (per-chunk ticks, the async generator, its listeners).
 */
export class BodyReadable extends Readable {
  private readonly source: BodySource;
  private consumed = false;
  /** Chunks are held (not pushed yet); false once the stream machinery took over. */
  private holding = true;
  /**
   * The held chunks: the first, then the others in an array made only for a second one (most
   * bodies a `for await` or text() finds whole are one chunk).
   */
  private heldFirst: Buffer | undefined;
  private heldMore: Buffer[] | undefined;
  private heldBytes = 0;
  /** The whole body is held. */
  private heldEnd = false;
  /** The source ended or failed: destroying the body no longer ends a transfer. */
  private sourceDone = false;
  /** A `for await` that takes the chunks straight from the transfer (see ChunkIterator). */
  private direct: ChunkIterator | undefined;

  constructor(source: BodySource, highWaterMark: number) {
    super({ highWaterMark });
    this.source = source;
  }

  /**
   * @internal A chunk from the transfer (the body's from now on); false when the body is full:
   * more than highWaterMark bytes wait in it. Not "at least" (Readable.push's rule): a 64 KiB read
   * alone would fill a 64 KiB body, and every chunk of a bulk body would pause and resume the
   * transfer however fast it is read.
   *
   * A body nobody reads yet is not full at once: its source looks again once the engine's
   * callback returned (BodySource.pauseLater, _stillFull). A response that arrives whole in one
   * burst is then usually read before that look, and its transfer neither paused nor resumed.
   */
  _deliver(chunk: Buffer): boolean {
    const direct = this.direct;
    if (direct !== undefined) return direct.deliver(chunk, this.readableHighWaterMark);
    if (!this.holding) {
      this.push(chunk);
      return this.readableLength <= this.readableHighWaterMark;
    }
    if (this.heldFirst === undefined) this.heldFirst = chunk;
    else (this.heldMore ??= []).push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes <= this.readableHighWaterMark) return true;
    const source = this.source;
    if (source.pauseLater === undefined) return false;
    source.pauseLater();
    return true;
  }

  /**
   * @internal The look BodySource.pauseLater queued: true when more than highWaterMark bytes
   * still wait to be read (the transfer pauses until demand()).
   */
  _stillFull(): boolean {
    if (this.sourceDone || this.destroyed) return false;
    const direct = this.direct;
    const waiting = this.holding
      ? this.heldBytes
      : direct !== undefined
        ? direct.waitingBytes
        : this.readableLength;
    return waiting > this.readableHighWaterMark;
  }

  /** @internal The transfer's body ended. */
  _end(): void {
    this.sourceDone = true;
    if (this.direct !== undefined) this.direct.end();
    else if (this.holding) this.heldEnd = true;
    else this.push(null);
  }

  /** @internal The transfer failed: the body errors (an unread body raises no uncaught 'error'). */
  _fail(error: unknown): void {
    this.sourceDone = true;
    this.dropHeld();
    const e = error instanceof Error ? error : new Error(String(error));
    this.direct?.fail(e);
    // A body nobody reads (or listens to) must not turn a failed transfer into an uncaught
    // 'error' event; whoever reads it later still gets the error.
    if (this.listenerCount('error') === 0) this.on('error', noop);
    this.destroy(e);
  }

  // Synchronous with destroy(): the transfer (and its connection slot) ends at once.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.dropHeld();
    // A `for await` still reading ends as the stream's own iterator would: with the error, or
    // with a premature close.
    if (this.direct !== undefined && !this.readableEnded) this.direct.destroyed(error);
    if (!this.readableEnded && !this.sourceDone) this.source.destroyed(error);
    callback(error);
  }

  override _read(): void {
    if (this.holding) {
      // Something reads the stream: the held chunks go into its buffer, and from now on every one.
      const first = this.heldFirst;
      const more = this.heldMore;
      this.dropHeld();
      if (first !== undefined) this.push(first);
      if (more !== undefined) for (let i = 0; i < more.length; i++) this.push(more[i]);
      if (this.heldEnd) {
        this.push(null);
        return;
      }
      if (this.readableLength > this.readableHighWaterMark) return;
    }
    this.source.demand();
  }

  private dropHeld(): void {
    this.holding = false;
    this.heldFirst = undefined;
    this.heldMore = undefined;
  }

  /** The whole body when it is held, as one Buffer (taken: the body is used), else undefined. */
  private takeWhole(): Buffer | undefined {
    if (!this.holding || !this.heldEnd || this.destroyed) return undefined;
    this.consumed = true;
    const first = this.heldFirst;
    const more = this.heldMore;
    this.dropHeld();
    const whole =
      more !== undefined ? Buffer.concat([first!, ...more], this.heldBytes) : (first ?? Buffer.alloc(0));
    this.endAsRead();
    return whole;
  }

  /**
   * Ends the stream as a read to the end does: 'end' on the next tick, then autoDestroy destroys
   * it and 'close' follows. The empty read() first takes the stream out of its synchronous state,
   * so push(null) emits its 'readable' (nobody listens) at once instead of on a tick of its own:
   * two ticks per body, not three. For a small body this end was most of what the body cost a
   * fresh process (about 12 us per body in the first 20,000, against 7 then).
   *
   * When nothing could see the events (the usual `for await` or text() with no listener), the
   * stream is put straight into the state that end leaves (endQuietly): no Node stream end code,
   * no tick, no destroy. A fresh process's body then costs 3.4-4.1 us instead of 9.3-10.2 (W1's
   * 20,000 whole bodies, `bench/body-cost.mjs request 20000 3 w1`), and the in-memory cold round
   * of `bench/api-cost.ts --only request` runs 6.0% fewer instructions on W1 and 8.1% on W2.
   */
  private endAsRead(): void {
    if (this.unobserved()) {
      endQuietly(this);
      return;
    }
    this.read();
    this.push(null);
    this.read();
  }

  /**
   * Nothing could see the end's events: no listener for any event the end emits (or 'error' or
   * 'data'), no pipe, not flowing. Whoever asks or listens later only sees the state the end left.
   */
  private unobserved(): boolean {
    const state = (this as unknown as Internal)._readableState;
    return (
      state.flowing !== true &&
      state.pipes.length === 0 &&
      this.listenerCount('end') === 0 &&
      this.listenerCount('close') === 0 &&
      this.listenerCount('readable') === 0 &&
      this.listenerCount('data') === 0 &&
      this.listenerCount('error') === 0
    );
  }

  override [Symbol.asyncIterator](): StreamIterator {
    if (!this.holding || this.destroyed) return super[Symbol.asyncIterator]();
    // A whole body of one chunk: that chunk.
    if (this.heldEnd && this.heldMore === undefined)
      return new WholeBodyIterator(this) as unknown as StreamIterator;
    // A body still arriving: the iterator takes its chunks from the transfer directly. A whole
    // body of several chunks (reads of one burst, all there before the caller began) is read
    // the same way, chunk by chunk: not copied into one Buffer as text() or bytes() need it.
    const it = new ChunkIterator(this);
    const first = this.heldFirst;
    const more = this.heldMore;
    this.dropHeld();
    if (first !== undefined) it.deliver(first, Number.POSITIVE_INFINITY);
    if (more !== undefined)
      for (let i = 0; i < more.length; i++) it.deliver(more[i]!, Number.POSITIVE_INFINITY);
    this.direct = it;
    this.consumed = true;
    if (this.heldEnd) it.end();
    return it as unknown as StreamIterator;
  }

  /** @internal For ChunkIterator: the reader wants more (a paused transfer resumes). */
  _demand(): void {
    this.source.demand();
  }

  /** @internal For ChunkIterator: every chunk was read; the body ends as a read to the end would. */
  _iterated(): void {
    this.endAsRead();
  }

  /** @internal For WholeBodyIterator: like a stream read, an empty body does not count as used. */
  _takeWhole(iterating: boolean): Buffer | undefined {
    const whole = this.takeWhole();
    if (iterating && whole?.length === 0) this.consumed = false;
    return whole;
  }

  /** True once text()/json()/arrayBuffer()/bytes()/blob() started reading. */
  get bodyUsed(): boolean {
    return this.consumed || this.readableDidRead;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.bodyUsed) throw new TypeError('Body already used');
    const whole = this.takeWhole();
    if (whole !== undefined) return new Uint8Array(whole);
    this.consumed = true;
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this as AsyncIterable<Uint8Array>) {
      parts.push(chunk);
      total += chunk.length;
    }
    const all = concatBytes(parts, total);
    return parts.length === 1 ? new Uint8Array(all) : all;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.bytes();
    return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
      ? (b.buffer as ArrayBuffer)
      : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }

  async text(): Promise<string> {
    if (!this.bodyUsed) {
      const whole = this.takeWhole();
      if (whole !== undefined) return utf8.decode(whole);
    }
    return utf8.decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()]);
  }

  /** Read and discard the rest, so the connection can be reused. */
  async dump(): Promise<void> {
    if (this.takeWhole() !== undefined) return;
    this.consumed = true;
    for await (const _ of this as AsyncIterable<Uint8Array>) {
      // discard
    }
  }
}

const noop = () => {};

/** The fields of Node's ReadableState that endQuietly() reads or sets. */
interface Internal {
  _readableState: {
    flowing: boolean | null;
    pipes: unknown[];
    ended: boolean;
    endEmitted: boolean;
    sync: boolean;
    destroyed: boolean;
    closed: boolean;
    closeEmitted: boolean;
  };
}

/**
 * Puts a body nothing observes in the state its read to the end leaves once its ticks ran (read(),
 * push(null), read(): 'end' on a tick, autoDestroy's destroy(), 'close' on another tick), without
 * running that code: these six flags are all it changes (Node 20.18 to 26; there they are
 * accessors over one bit field, which these setters write, and on older Node plain fields). What
 * a later finished(), read(), `for await`, pipeline() or destroy() does follows from the state,
 * as after the events (a test compares every field of the state both ways, on every Node the
 * suite runs on). The body's _destroy() would have nothing to do: the transfer already ended, so
 * its source is not told, and a later destroy() of the body is a no-op as after a real end.
 */
function endQuietly(body: BodyReadable): void {
  const state = (body as unknown as Internal)._readableState;
  state.ended = true;
  state.endEmitted = true;
  state.sync = false;
  state.destroyed = true;
  state.closed = true;
  state.closeEmitted = true;
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * `for await` over a body still arriving: chunks go from the transfer to the iterator without the
 * Readable's buffer in between (no push, 'readable' tick, read() and async generator per chunk,
 * which were about a third of request()'s CPU for a 100 MiB body). The transfer pauses once more
 * than highWaterMark bytes wait unread, as with the stream's buffer; a next() that finds the
 * queue at or under it resumes it. Ends as the stream's own iterator does: the body ended and
 * closed after the last chunk, the error thrown, a break destroys the body.
 */
class ChunkIterator implements AsyncIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  private ended = false;
  private error: Error | undefined;
  private done = false;
  private resolveNext: ((r: IteratorResult<Buffer>) => void) | undefined;
  private rejectNext: ((e: Error) => void) | undefined;

  constructor(private readonly body: BodyReadable) {}

  /** Bytes delivered and not read yet. */
  get waitingBytes(): number {
    return this.bytes;
  }

  /** A chunk from the transfer; false when more than `highWaterMark` bytes wait. */
  deliver(chunk: Buffer, highWaterMark: number): boolean {
    const resolve = this.resolveNext;
    if (resolve !== undefined) {
      this.resolveNext = this.rejectNext = undefined;
      resolve({ value: chunk, done: false });
      return true;
    }
    this.queue.push(chunk);
    this.bytes += chunk.length;
    return this.bytes <= highWaterMark;
  }

  end(): void {
    this.ended = true;
    if (this.resolveNext !== undefined) this.settle();
  }

  fail(error: Error): void {
    if (this.done || this.error !== undefined) return;
    this.error = error;
    if (this.rejectNext !== undefined) this.settle();
  }

  /**
   * The body was destroyed: an iteration still going ends with the error, or with a premature
   * close. The iterator's own end destroys the body too: no Error (a stack trace, tens of
   * microseconds) is made for that.
   */
  destroyed(error: Error | null): void {
    if (this.done || this.error !== undefined) return;
    this.fail(error ?? prematureClose());
  }

  /** Settles the waiting next() with the end or the error. */
  private settle(): void {
    const resolve = this.resolveNext!;
    const reject = this.rejectNext!;
    this.resolveNext = this.rejectNext = undefined;
    const r = this.finish();
    if (r instanceof Error) reject(r);
    else resolve(r);
  }

  /** The iteration's end: the error, or done (the body ended). */
  private finish(): IteratorResult<Buffer> | Error {
    this.done = true;
    if (this.error !== undefined) return this.error;
    this.body._iterated();
    return { value: undefined, done: true };
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    // An error is thrown at once, as the stream's iterator does (what was queued is dropped).
    if (this.error !== undefined) return Promise.reject(this.finish());
    const queue = this.queue;
    if (this.head < queue.length) {
      const chunk = queue[this.head]!;
      queue[this.head++] = undefined as unknown as Buffer;
      if (this.head === queue.length) {
        queue.length = 0;
        this.head = 0;
      }
      this.bytes -= chunk.length;
      if (this.bytes <= this.body.readableHighWaterMark) this.body._demand();
      return Promise.resolve({ value: chunk, done: false });
    }
    if (this.ended) return Promise.resolve(this.finish() as IteratorResult<Buffer>);
    this.body._demand();
    return new Promise((resolve, reject) => {
      this.resolveNext = resolve;
      this.rejectNext = reject;
    });
  }

  return(): Promise<IteratorResult<Buffer>> {
    if (!this.done) {
      this.done = true;
      this.body.destroy();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * `for await` over a body that arrived whole: one chunk, then the end; return() (a break)
 * destroys the body as the stream's own iterator does.
 */
class WholeBodyIterator implements AsyncIterator<Buffer> {
  private done = false;
  constructor(private readonly body: BodyReadable) {}

  next(): Promise<IteratorResult<Buffer>> {
    if (!this.done) {
      this.done = true;
      const whole = this.body._takeWhole(true);
      if (whole !== undefined && whole.length > 0) return Promise.resolve({ value: whole, done: false });
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.done = true;
    this.body.destroy();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
