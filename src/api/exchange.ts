// One request/response exchange of the promise API: one Easy on the Client's Multi. It turns the
// engine's callbacks into what the API needs: the parsed response heads into the final head (a
// promise), body chunks into a sink with backpressure (a full sink pauses the transfer, demand
// resumes it), the done message into the end of the body or a TscurlError, and an AbortSignal into
// removeHandle.
import { CurlCode } from '../core/codes.js';
import { EasyError, MultiError } from '../core/errors.js';
import { PAUSE, Pause } from '../multi/constants.js';
import { Easy, type StreamHead } from '../multi/easy.js';
import type { DoneMessage } from '../multi/multi.js';
import type { EasyOptions } from '../multi/options.js';
import type { NodeDriver } from './driver.js';
import { badArgument, TscurlError, transferFailure } from './errors.js';
import type { DecodedLimit } from './transfer-options.js';
import type { UploadFeeder } from './upload.js';

export interface ResponseHead {
  status: number;
  statusText: string;
  /** '1.0', '1.1' or '2' as on the status line. */
  httpVersion: string;
  /** Field lines in order, flat: name, value, name, value, ... (names as received, values trimmed). */
  readonly fields: string[];
}

/** Where body bytes go. */
export interface BodySink {
  /** Take a chunk (it is the sink's from now on); false when the sink is full: the transfer pauses. */
  push(chunk: Buffer): boolean;
  /**
   * The look Exchange.pauseLater queued, once the engine's callback returned: true when the sink
   * is still full (it takes that as a push that returned false would), and receiving pauses.
   * Needed only by a sink that calls pauseLater.
   */
  stillFull?(): boolean;
  end(): void;
  fail(error: unknown): void;
}

/** What an exchange needs from its Client. */
export interface ExchangeHost {
  readonly driver: NodeDriver;
  /** Why no transfer may start now (the client was destroyed or closed), or undefined. */
  refusal(): unknown;
  started(x: Exchange<unknown>): void;
  ended(x: Exchange<unknown>): void;
  /**
   * Receiving paused because nobody reads the body (true) or resumed (false): a transfer that
   * only waits for its reader does not keep the process alive, as with Node's own fetch.
   */
  waitingForReader?(x: Exchange<unknown>, waiting: boolean): void;
}

export interface ExchangeInit<R = ResponseHead> {
  /** Easy options for this transfer (url included); writeFunction/headerFunction are the exchange's. */
  options: EasyOptions;
  sink: BodySink;
  signal?: AbortSignal | undefined;
  /** The streamed request body whose readFunction is in `options`: the exchange resumes and stops it. */
  upload?: UploadFeeder | undefined;
  /**
   * What `head` resolves with, made from the final head when it is settled (must not throw): the
   * call's result directly, without a second promise after the head's. `x` is the exchange.
   */
  result?: (head: ResponseHead, x: ExchangeParts) => R;
  /**
   * Instead of `result`: what `head` resolves with, made from the engine's head itself (no
   * ResponseHead object in between; headFields() gives its fields). Must not throw.
   */
  resultOfEngineHead?: (head: StreamHead, x: ExchangeParts) => R;
}

/** What `result` may read of its exchange (a function shared by every call needs no closure). */
export interface ExchangeParts {
  readonly easy: Easy;
  readonly sink: BodySink;
}

// The exchange's state bits (`flags`).
/** followLocation: a 3xx with a Location is not the final head. */
const FOLLOWS_REDIRECTS = 1;
/** failOnError: a head of 400 or more ends the call with 22. */
const FAIL_ON_ERROR = 2;
/** The final head was seen: later heads are not the response's. */
const HEAD_PARSED = 4;
/** The head promise was settled. */
const HEAD_SETTLED = 8;
/** The transfer ended (or never started): nothing more is taken. */
const ENDED = 16;
/** The sink is full: receiving is paused. */
const RECV_PAUSED = 32;
/** In the Client's list of running exchanges (`_running`). */
const RUNNING = 64;
/** The transfer waits only for its reader (`_idle`). */
const IDLE = 128;
/** `result` takes the engine's head (ExchangeInit.resultOfEngineHead), not a ResponseHead. */
const RESULT_OF_ENGINE_HEAD = 256;
/** A look at whether the sink is still full is queued (`pauseLater`). */
const FULL_LOOK = 512;

/**
 * An exchange's rarely set fields: a signal and its listener, a streamed upload, the size limits,
 * a head held back, the host label of a message, the `finished` promise. A plain call sets none of
 * them and reads the shared NO_EXTRAS (never written: it is frozen), which takes 88 bytes off
 * every call in flight.
 */
class ExchangeExtras {
  signal: AbortSignal | undefined = undefined;
  /** The signal's listener. */
  onAbort: (() => void) | undefined = undefined;
  upload: UploadFeeder | undefined = undefined;
  /** A parsed head the engine is about to fail (failOnError, maxFileSize): settled by what comes next. */
  held: StreamHead | undefined = undefined;
  maxFileSize = 0;
  /** maxDecodedSize (0: none) and the decoded body bytes taken so far. */
  maxDecoded = 0;
  decoded = 0;
  label: string | undefined = undefined;
  finishedPromise: Promise<number> | undefined = undefined;
  resolveFinished: ((code: number) => void) | undefined = undefined;
}

const NO_EXTRAS: ExchangeExtras = Object.freeze(new ExchangeExtras());

/** The settled promise pauseLater's look is queued on. */
const SETTLED: Promise<void> = Promise.resolve();

const SP = 32;
const HTAB = 9;
const CR = 13;

export class Exchange<R = ResponseHead> {
  readonly easy: Easy;
  /**
   * Resolves with the final response head (or what `init.result` made of it); rejects when the
   * transfer fails or aborts before it.
   */
  readonly head: Promise<R>;
  sink: BodySink;
  /**
   * @internal The Client's list of running exchanges runs through them (no Set entry per call,
   * whose table is re-made as entries come and go): neighbours, membership, and whether the
   * transfer waits only for its reader (see ExchangeHost.waitingForReader).
   */
  _prev: Exchange<unknown> | undefined;
  _next: Exchange<unknown> | undefined;

  private readonly host: ExchangeHost;
  /** The CurlCode the transfer ended with (-1 while it runs). */
  private code = -1;
  /**
   * The head promise's resolve function. Its reject function is not kept (a call waiting for its
   * response would hold one more function): rejectHead() resolves with a thenable that rejects.
   * Typed loosely so that any Exchange<R> is an Exchange<unknown> to the host.
   */
  private resolveHead!: (r: unknown) => void;
  private readonly result:
    | ((head: ResponseHead, x: ExchangeParts) => R)
    | ((head: StreamHead, x: ExchangeParts) => R)
    | undefined;
  /** FOLLOWS_REDIRECTS, HEAD_PARSED, ... (above): one field for eight booleans. */
  private flags = 0;
  /** What most calls never set (NO_EXTRAS until then; `extras` makes the exchange's own). */
  private ext: ExchangeExtras = NO_EXTRAS;

  constructor(host: ExchangeHost, init: ExchangeInit<R>) {
    this.host = host;
    this.sink = init.sink;
    const ofEngineHead = init.resultOfEngineHead;
    if (ofEngineHead !== undefined) {
      this.result = ofEngineHead;
      this.flags = RESULT_OF_ENGINE_HEAD;
    } else this.result = init.result;
    if (init.signal !== undefined) this.extras.signal = init.signal;
    const upload = init.upload;
    if (upload !== undefined) {
      this.extras.upload = upload;
      upload.onData = () => this.applyPause();
    }
    if (init.options.followLocation === true) this.flags |= FOLLOWS_REDIRECTS;
    if (init.options.failOnError === true) this.flags |= FAIL_ON_ERROR;
    const maxFileSize = init.options.maxFileSize ?? 0;
    if (maxFileSize !== 0) this.extras.maxFileSize = maxFileSize;
    const maxDecoded = takeDecodedLimit(init.options);
    if (maxDecoded !== 0) this.extras.maxDecoded = maxDecoded;
    this.head = new Promise<R>((resolve) => {
      this.resolveHead = resolve as (r: unknown) => void;
    });
    const options = init.options;
    options.writeFunction = Exchange.onWrite;
    // The body stream keeps the chunks it is given: their memory must stay theirs.
    options.reuseReceiveBuffer = false;
    try {
      this.easy = new Easy(options);
    } catch (e) {
      throw e instanceof EasyError ? new TscurlError(e.code, e.message, { cause: e, phase: 'setup' }) : e;
    }
    this.easy._owner = this;
    this.easy._onHead = Exchange.onHead;
  }

  // The engine's callbacks, one function each for every exchange: `this` is the Easy (the
  // engine calls writeFunction and _onHead on it) or the done message names it; the Easy's
  // `_owner` is the exchange. Closures would be three functions and two contexts per call, held
  // while it waits (about 260 bytes).
  private static readonly onWrite = function (this: Easy, chunk: Buffer): number {
    return (this._owner as Exchange<unknown>).write(chunk);
  };
  private static readonly onHead = function (this: Easy, head: StreamHead): void {
    (this._owner as Exchange<unknown>).onEngineHead(head);
  };
  private static readonly onDone = (m: DoneMessage): void => {
    (m.easy._owner as Exchange<unknown>).complete(m.result);
  };

  /** The exchange's own record of rarely set fields, made on first write. */
  private get extras(): ExchangeExtras {
    if (this.ext === NO_EXTRAS) this.ext = new ExchangeExtras();
    return this.ext;
  }

  /** @internal The Client's: the exchange is in its list of running ones. */
  get _running(): boolean {
    return (this.flags & RUNNING) !== 0;
  }
  set _running(on: boolean) {
    this.flags = on ? this.flags | RUNNING : this.flags & ~RUNNING;
  }
  /** @internal The Client's: the transfer waits only for its reader. */
  get _idle(): boolean {
    return (this.flags & IDLE) !== 0;
  }
  set _idle(on: boolean) {
    this.flags = on ? this.flags | IDLE : this.flags & ~IDLE;
  }

  /** 'host:port' for messages. */
  get hostLabel(): string {
    let label = this.ext.label;
    if (label === undefined) {
      label = hostOf(this.easy.options.url);
      this.extras.label = label;
    }
    return label;
  }

  /** Resolves with the transfer's CurlCode once it ended, however it ended (never rejects). */
  get finished(): Promise<number> {
    const ext = this.extras;
    if (ext.finishedPromise === undefined) {
      ext.finishedPromise =
        this.code >= 0
          ? Promise.resolve(this.code)
          : new Promise((resolve) => {
              ext.resolveFinished = resolve;
            });
    }
    return ext.finishedPromise;
  }

  /** Start the transfer. */
  start(): void {
    const signal = this.ext.signal;
    const refused = signal?.aborted ? signal.reason : this.host.refusal();
    if (refused !== undefined) {
      this.flags |= ENDED;
      this.ext.upload?.close();
      this.rejectHead(refused);
      this.setCode(CurlCode.ABORTED_BY_CALLBACK);
      return;
    }
    this.host.started(this);
    if (signal !== undefined) {
      const onAbort = () => this.abort(signal.reason);
      this.extras.onAbort = onAbort;
      signal.addEventListener('abort', onAbort, { once: true });
    }
    this.ext.upload?.prime();
    try {
      this.host.driver.run(this.easy, Exchange.onDone);
    } catch (e) {
      this.fail(badArgument(`Could not start the transfer: ${String(e)}`, e), CurlCode.FAILED_INIT);
    }
  }

  /**
   * The sink is over its high-water mark but nobody reads it yet (its push returned true anyway):
   * it is not full at once. The exchange looks again once the engine's callback returned (a
   * microtask) and pauses receiving only if the sink is still full then (BodySink.stillFull).
   * A response that arrives whole in one burst (a TLS read of several records) fills the body
   * before its caller's continuation, queued when the head was settled, could start reading it;
   * the caller usually takes the chunks in the microtasks before that look, and the transfer is
   * neither paused nor resumed. A body still unread then pauses its transfer as before: what it
   * holds is bounded by its high-water mark and one callback's reads. One look per burst.
   */
  pauseLater(): void {
    if ((this.flags & (FULL_LOOK | ENDED)) !== 0) return;
    this.flags |= FULL_LOOK;
    // A reaction on a settled promise, not queueMicrotask(): Node's queueMicrotask makes an
    // AsyncResource per call and runs the callback through runInAsyncScope (async ids, the
    // context stack, a bound function), which a fresh process compiled and ran per W2s response.
    // The look runs at the same point of the microtask queue either way.
    void SETTLED.then(() => this.lookFull());
  }

  private lookFull(): void {
    this.flags &= ~FULL_LOOK;
    if ((this.flags & ENDED) === 0 && this.sink.stillFull!()) this.pauseReceiving();
  }

  /** The sink is full after a push: receiving pauses until the consumer wants more (resume). */
  private pauseReceiving(): void {
    if ((this.flags & (RECV_PAUSED | ENDED)) !== 0) return;
    this.flags |= RECV_PAUSED;
    this.host.waitingForReader?.(this, true);
    this.applyPause();
  }

  /** The consumer wants more: resume a paused transfer. */
  resume(): void {
    if ((this.flags & RECV_PAUSED) === 0 || (this.flags & ENDED) !== 0) return;
    this.flags &= ~RECV_PAUSED;
    this.host.waitingForReader?.(this, false);
    this.applyPause();
  }

  /**
   * easy.pause() sets both directions at once: receiving is paused while the sink is full, sending
   * while the upload source has nothing yet (its read callback returned PAUSE).
   */
  private applyPause(): void {
    if ((this.flags & ENDED) !== 0) return;
    const send = this.ext.upload?.waiting === true ? Pause.SEND : 0;
    try {
      this.easy.pause(((this.flags & RECV_PAUSED) !== 0 ? Pause.RECV : 0) | send);
    } catch (e) {
      // The engine already completed and the driver removed the handle; complete() is on its way.
      if (!(e instanceof EasyError)) throw e;
    }
  }

  /** End the transfer now (removeHandle: its connection slot is free at once). */
  abort(reason: unknown): void {
    if ((this.flags & ENDED) !== 0) return;
    this.removeNow();
    this.fail(reason, CurlCode.ABORTED_BY_CALLBACK);
  }

  private removeNow(): void {
    try {
      this.host.driver.remove(this.easy);
    } catch (e) {
      // Called from inside an engine callback: remove once the engine returned.
      if (!(e instanceof MultiError)) throw e;
      setImmediate(() => this.host.driver.remove(this.easy));
    }
  }

  /** A response head from the engine (interim, redirect or final); heads after the final one are ignored. */
  private onEngineHead(h: StreamHead): void {
    if ((this.flags & HEAD_PARSED) !== 0) return;
    if (!this.isFinal(h)) return;
    this.flags |= HEAD_PARSED;
    if (this.failsAfterHead(h)) this.extras.held = h;
    else this.settleHead(h);
  }

  private settleHead(h: StreamHead): void {
    this.flags |= HEAD_SETTLED;
    const result = this.result;
    if ((this.flags & RESULT_OF_ENGINE_HEAD) !== 0) {
      this.resolveHead((result as (head: StreamHead, x: ExchangeParts) => R)(h, this));
      return;
    }
    const block = new EngineHead(h);
    this.resolveHead(
      result === undefined ? block : (result as (head: ResponseHead, x: ExchangeParts) => R)(block, this),
    );
  }

  /**
   * True when the engine will end the transfer with an error right after this head (curl's 22 for
   * failOnError, 63 for a Content-Length over maxFileSize): the call then rejects with that error
   * instead of resolving with a body that fails at once. If body bytes come after all (curl's
   * exceptions to 22), the head is settled then.
   */
  private failsAfterHead(h: StreamHead): boolean {
    if ((this.flags & FAIL_ON_ERROR) !== 0 && h.status >= 400) return true;
    const maxFileSize = this.ext.maxFileSize;
    if (maxFileSize <= 0) return false;
    const length = fieldValue(headFields(h), 'content-length');
    return length !== undefined && Number(length) > maxFileSize;
  }

  private isFinal(h: StreamHead): boolean {
    const status = h.status;
    if (status >= 100 && status < 200 && status !== 101) return false;
    // With followLocation the engine goes on to the Location; the final head comes later.
    if ((this.flags & FOLLOWS_REDIRECTS) !== 0 && status >= 300 && status < 400 && status !== 304) {
      return fieldValue(headFields(h), 'location') === undefined;
    }
    return true;
  }

  private write(chunk: Buffer): number {
    // Ended by the API (maxDecodedSize) while the engine still runs it: nothing more is taken.
    if ((this.flags & ENDED) !== 0) return PAUSE;
    const ext = this.ext;
    if (ext.maxDecoded > 0) {
      ext.decoded += chunk.length;
      if (ext.decoded > ext.maxDecoded) {
        this.abort(
          new TscurlError(
            CurlCode.FILESIZE_EXCEEDED,
            `Exceeded the maximum allowed decoded size (${ext.maxDecoded}) with ${ext.decoded} bytes (host ${this.hostLabel}, phase recv)`,
            { side: 'remote', phase: 'recv', host: this.hostLabel },
          ),
        );
        return PAUSE;
      }
    }
    if (ext.held !== undefined) this.releaseHeld();
    if (!this.sink.push(chunk)) this.pauseReceiving();
    return chunk.length;
  }

  /** Rejects the head promise with `error` (through a thenable: see `resolveHead`). */
  private rejectHead(error: unknown): void {
    this.resolveHead(new Rejection(error));
  }

  private releaseHeld(): void {
    const h = this.ext.held!;
    this.ext.held = undefined;
    this.settleHead(h);
  }

  private complete(result: number): void {
    if ((this.flags & ENDED) !== 0) return;
    if (result !== CurlCode.OK) {
      this.fail(transferFailure(this.easy, result, this.hostLabel), result);
      return;
    }
    this.finish(result);
    if (this.ext.held !== undefined) this.releaseHeld();
    if ((this.flags & HEAD_SETTLED) === 0) {
      this.flags |= HEAD_SETTLED;
      this.rejectHead(
        new TscurlError(
          CurlCode.WEIRD_SERVER_REPLY,
          `No final response head (host ${this.hostLabel}, phase recv)`,
          {
            side: 'remote',
            phase: 'recv',
            host: this.hostLabel,
          },
        ),
      );
      return;
    }
    this.sink.end();
  }

  private fail(error: unknown, code: number): void {
    if ((this.flags & ENDED) !== 0) return;
    this.finish(code);

    if (this.ext.held !== undefined) this.ext.held = undefined;
    if ((this.flags & HEAD_SETTLED) === 0) {
      this.flags |= HEAD_SETTLED;
      this.rejectHead(error);
    } else this.sink.fail(error);
  }

  private finish(code: number): void {
    this.flags |= ENDED;
    // The exchange's handle is done with: its cookie jar is written now (curl_easy_cleanup's part),
    // never by the engine while transfers run. A jar that cannot be written is skipped, as libcurl
    // only warns.
    try {
      this.easy._saveCookies();
    } catch {}
    if ((this.flags & RECV_PAUSED) !== 0) this.host.waitingForReader?.(this, false);
    const ext = this.ext;
    ext.upload?.close();
    if (ext.onAbort !== undefined) ext.signal?.removeEventListener('abort', ext.onAbort);
    this.host.ended(this);
    this.setCode(code);
  }

  private setCode(code: number): void {
    this.code = code;
    this.ext.resolveFinished?.(code);
  }
}

/**
 * What the head promise is resolved with to reject it: a thenable whose `then` rejects with the
 * error (the promise takes its state one microtask later, as with any thenable).
 */
class Rejection {
  constructor(private readonly error: unknown) {}
  // biome-ignore lint/suspicious/noThenProperty: a thenable by design (see Exchange.resolveHead).
  then(_resolve: unknown, reject: (e: unknown) => void): void {
    reject(this.error);
  }
}

/**
 * A response head as the API hands it on. Its fields are cut out of the engine's head when first
 * read, not when the head comes: most request() callers read the status and the body only, and a
 * fresh process spent about 2 us per response cutting and trimming nginx's eight fields for
 * nothing. The engine's head is immutable text, so cutting it later gives the same fields.
 */
class EngineHead implements ResponseHead {
  readonly status: number;
  readonly statusText: string;
  readonly httpVersion: string;
  private source: StreamHead | undefined;
  private cut: string[] | undefined;

  constructor(h: StreamHead) {
    this.status = h.status;
    this.statusText = h.reason;
    this.httpVersion = versionText(h.version);
    this.source = h;
    this.cut = undefined;
  }

  get fields(): string[] {
    let fields = this.cut;
    if (fields === undefined) {
      fields = headFields(this.source!);
      this.cut = fields;
      this.source = undefined;
    }
    return fields;
  }
}

/**
 * An engine head's fields flat (name, value, ...; names as received, values trimmed): a new
 * array each call. The engine's head is immutable text, so a head kept and cut later gives the
 * same fields.
 */
export function headFields(h: StreamHead): string[] {
  return h.flatFields !== undefined ? trimAll(h.flatFields()) : flatFields(h.headers);
}

/** maxDecodedSize out of the options (it is no Easy option), checked: a count of bytes. */
function takeDecodedLimit(options: EasyOptions & DecodedLimit): number {
  const v = options.maxDecodedSize;
  // Deleting a property the object does not have is still a call into the runtime per transfer.
  if (v === undefined && !('maxDecodedSize' in options)) return 0;
  delete options.maxDecodedSize;
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw badArgument(`maxDecodedSize must be a non-negative integer (bytes), got ${String(v)}`);
  }
  return v;
}

/** '1.0', '1.1', '2' or '3', as the status line names the version. */
function versionText(version: StreamHead['version']): string {
  return version === 11 ? '1.1' : version === 10 ? '1.0' : version === 20 ? '2' : '3';
}

/**
 * The head's fields flat (name, value, ...). The engine keeps names as received and trims values
 * of blanks; a name with white space around it, or a value with other white space at its ends (a
 * vertical tab, a no-break space), is trimmed as String.prototype.trim() would.
 */
function flatFields(headers: readonly (readonly [string, string])[]): string[] {
  const out = new Array<string>(headers.length * 2);
  for (let i = 0; i < headers.length; i++) {
    const field = headers[i]!;
    out[2 * i] = trimmed(field[0]);
    out[2 * i + 1] = trimmed(field[1]);
  }
  return out;
}

/** flatFields' trimming, in place, for fields the engine gave flat. */
function trimAll(fields: string[]): string[] {
  for (let i = 0; i < fields.length; i++) fields[i] = trimmed(fields[i]!);
  return fields;
}

function trimmed(s: string): string {
  const n = s.length;
  return n > 0 && (isSpace(s.charCodeAt(0)) || isSpace(s.charCodeAt(n - 1))) ? s.trim() : s;
}

/** What String.prototype.trim() removes, for the characters a header line can hold. */
function isSpace(c: number): boolean {
  if (c <= SP) return c === SP || (c >= HTAB && c <= CR);
  return c === 0xa0 || (c > 0xff && String.fromCharCode(c).trim() === '');
}

/** The first value of a field (name lower-case), or undefined. */
export function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) {
    const n = fields[i]!;
    if (n.length === name.length && n.toLowerCase() === name) return fields[i + 1];
  }
  return undefined;
}

function hostOf(url: string | undefined): string {
  if (url === undefined) return '(no URL)';
  try {
    const u = new URL(url);
    return u.port === '' ? `${u.hostname}:${u.protocol === 'https:' ? 443 : 80}` : u.host;
  } catch {
    return url;
  }
}
