// A streamed request body as the engine's CURLOPT_READFUNCTION. The source (a ReadableStream, an
// async iterable, a Blob's stream, a FormData's parts) is asynchronous, the read callback is not:
// the callback hands out what was already read and returns PAUSE when nothing is there yet; the
// read that completes later resumes the transfer's sending through `onData` (the Exchange calls
// easy.pause() without Pause.SEND). At most one chunk of the source is held at a time (the one
// being handed out, or the one read ahead), so memory stays bounded whatever the body size.
import { PAUSE, type PauseReturn } from '../multi/constants.js';
import { SeekFunc } from '../multi/options.js';
import { badArgument } from './errors.js';

/** Opens the body's bytes from the start; a one-shot source (a stream) throws on the second call. */
export type BodyOpener = () => AsyncIterator<unknown>;

const chunkEncoder = new TextEncoder();

/** A chunk of a body source as bytes: Uint8Array / any ArrayBufferView / ArrayBuffer / string. */
export function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return chunkEncoder.encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw badArgument(
    `Request body stream yielded a chunk that is not bytes: ${Object.prototype.toString.call(chunk)}`,
  );
}

export class UploadFeeder {
  /** Set by the Exchange: called when bytes (or the end, or an error) arrive after a PAUSE. */
  onData: (() => void) | undefined;
  /** True between a PAUSE returned to the engine and the data that ends it. */
  waiting = false;
  private iterator: AsyncIterator<unknown> | undefined;
  private chunk: Uint8Array | undefined;
  private offset = 0;
  private reading = false;
  private ended = false;
  private error: unknown;
  private closed = false;
  /** Bumped by a rewind: a read of the previous pass that completes late is dropped. */
  private generation = 0;

  constructor(
    private readonly open: BodyOpener,
    /** Body size in bytes, or -1 when unknown (sent chunked). */
    readonly size: number,
    /** True when `open` can be called again (Blob, FormData): the engine may rewind. */
    readonly replayable: boolean,
  ) {}

  /** Start reading before the engine asks, so the first read callback finds bytes. */
  prime(): void {
    this.pull();
  }

  /** CURLOPT_READFUNCTION. */
  readonly readFunction = (buffer: Buffer): number | PauseReturn => {
    if (this.error !== undefined) throw this.error; // the engine fails with READ_ERROR, cause kept
    const chunk = this.chunk;
    if (chunk !== undefined) {
      const n = Math.min(buffer.length, chunk.length - this.offset);
      buffer.set(chunk.subarray(this.offset, this.offset + n));
      this.offset += n;
      if (this.offset === chunk.length) {
        this.chunk = undefined;
        this.pull(); // read ahead: the next call likely finds bytes instead of pausing
      }
      return n;
    }
    if (this.ended) return 0;
    this.pull();
    this.waiting = true;
    return PAUSE;
  };

  /** CURLOPT_SEEKFUNCTION: only a rewind to 0 of a replayable body. */
  readonly seekFunction = (offset: number, origin: number): number => {
    if (!this.replayable || offset !== 0 || origin !== 0) return SeekFunc.CANTSEEK;
    this.stopIterator();
    this.generation++;
    this.iterator = undefined;
    this.chunk = undefined;
    this.offset = 0;
    this.reading = false;
    this.ended = false;
    this.error = undefined;
    this.closed = false;
    this.pull();
    return SeekFunc.OK;
  };

  /** The transfer ended: stop the source (a ReadableStream is cancelled). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunk = undefined;
    this.onData = undefined;
    if (!this.ended) this.stopIterator();
  }

  private stopIterator(): void {
    const it = this.iterator;
    if (it?.return === undefined) return;
    try {
      it.return().catch(() => {});
    } catch {
      // a source that fails to stop has nothing more to give us
    }
  }

  private pull(): void {
    if (this.reading || this.ended || this.closed || this.chunk !== undefined || this.error !== undefined)
      return;
    this.reading = true;
    const generation = this.generation;
    let next: Promise<IteratorResult<unknown>>;
    try {
      this.iterator ??= this.open();
      next = this.iterator.next();
    } catch (e) {
      next = Promise.reject(e);
    }
    next.then(
      (r) => {
        if (generation !== this.generation || this.closed) return;
        this.reading = false;
        if (r.done === true) this.ended = true;
        else {
          let bytes: Uint8Array;
          try {
            bytes = chunkBytes(r.value);
          } catch (e) {
            this.error = e;
            this.wake();
            return;
          }
          if (bytes.length === 0) {
            this.pull(); // 0 from the read callback would mean the end
            return;
          }
          this.chunk = bytes;
          this.offset = 0;
        }
        this.wake();
      },
      (e: unknown) => {
        if (generation !== this.generation || this.closed) return;
        this.reading = false;
        this.error = e ?? new Error('The request body stream failed');
        this.wake();
      },
    );
  }

  private wake(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.onData?.();
  }
}
