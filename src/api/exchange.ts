// One request/response exchange of the promise API: one Easy on the Client's Multi. It turns the
// engine's callbacks into what the API needs: header lines into a response head (a promise), body
// chunks into a sink with backpressure (a full sink pauses the transfer, demand resumes it), the
// done message into the end of the body or a TscurlError, and an AbortSignal into removeHandle.
import { CurlCode } from '../core/codes.js';
import { EasyError, MultiError } from '../core/errors.js';
import { Pause } from '../multi/constants.js';
import { Easy } from '../multi/easy.js';
import type { EasyOptions } from '../multi/options.js';
import type { NodeDriver } from './driver.js';
import { badArgument, TscurlError, transferFailure } from './errors.js';
import type { UploadFeeder } from './upload.js';

export interface ResponseHead {
  status: number;
  statusText: string;
  /** '1.0', '1.1' or '2' as on the status line. */
  httpVersion: string;
  /** Field lines in order, names as received. */
  headers: Array<[string, string]>;
}

/** Where body bytes go. */
export interface BodySink {
  /** Take a chunk (it is the sink's from now on); false when the sink is full: the transfer pauses. */
  push(chunk: Buffer): boolean;
  end(): void;
  fail(error: unknown): void;
}

/** What an exchange needs from its Client. */
export interface ExchangeHost {
  readonly driver: NodeDriver;
  /** Why no transfer may start now (the client was destroyed or closed), or undefined. */
  refusal(): unknown;
  started(x: Exchange): void;
  ended(x: Exchange): void;
}

export interface ExchangeInit {
  /** Easy options for this transfer (url included); writeFunction/headerFunction are the exchange's. */
  options: EasyOptions;
  sink: BodySink;
  signal?: AbortSignal | undefined;
  /**
   * Called synchronously with the final head, before any body byte reaches the sink: the place to
   * swap the sink (fetch discards a redirect's body this way).
   */
  onHead?: (head: ResponseHead) => void;
  /** The streamed request body whose readFunction is in `options`: the exchange resumes and stops it. */
  upload?: UploadFeeder | undefined;
}

const statusLineRe = /^HTTP\/(\d(?:\.\d)?) +(\d{3})(?: (.*))?$/;

export class Exchange {
  readonly easy: Easy;
  /** Resolves with the final response head; rejects when the transfer fails or aborts before it. */
  readonly head: Promise<ResponseHead>;
  /** Resolves with the transfer's CurlCode once it ended, however it ended (never rejects). */
  readonly finished: Promise<number>;
  sink: BodySink;
  /** 'host:port' for messages. */
  readonly hostLabel: string;

  private readonly host: ExchangeHost;
  private readonly signal: AbortSignal | undefined;
  private readonly onHead: ((head: ResponseHead) => void) | undefined;
  private readonly followsRedirects: boolean;
  private resolveHead!: (h: ResponseHead) => void;
  private rejectHead!: (e: unknown) => void;
  private resolveFinished!: (code: number) => void;
  /** The final head was parsed: later header lines are trailers. */
  private headParsed = false;
  /** The head promise was settled. */
  private headSettled = false;
  /** A parsed head the engine is about to fail (failOnError, maxFileSize): settled by what comes next. */
  private held: ResponseHead | undefined;
  private readonly failOnError: boolean;
  private readonly maxFileSize: number;
  private ended = false;
  /** The sink is full: receiving is paused. */
  private recvPaused = false;
  private readonly upload: UploadFeeder | undefined;
  private block: ResponseHead | undefined;
  private readonly onAbort = () => this.abort(this.signal?.reason);

  constructor(host: ExchangeHost, init: ExchangeInit) {
    this.host = host;
    this.sink = init.sink;
    this.signal = init.signal;
    this.onHead = init.onHead;
    this.upload = init.upload;
    if (this.upload !== undefined) this.upload.onData = () => this.applyPause();
    this.followsRedirects = init.options.followLocation === true;
    this.failOnError = init.options.failOnError === true;
    this.maxFileSize = init.options.maxFileSize ?? 0;
    this.hostLabel = hostOf(init.options.url);
    this.head = new Promise((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    try {
      this.easy = new Easy({
        ...init.options,
        headerFunction: (line) => this.headerLine(line),
        writeFunction: (chunk) => this.write(chunk),
      });
    } catch (e) {
      throw e instanceof EasyError ? new TscurlError(e.code, e.message, { cause: e, phase: 'setup' }) : e;
    }
  }

  /** Start the transfer. */
  start(): void {
    const signal = this.signal;
    const refused = signal?.aborted ? signal.reason : this.host.refusal();
    if (refused !== undefined) {
      this.ended = true;
      this.upload?.close();
      this.rejectHead(refused);
      this.resolveFinished(CurlCode.ABORTED_BY_CALLBACK);
      return;
    }
    this.host.started(this);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.upload?.prime();
    this.host.driver.add(this.easy).then(
      (m) => this.complete(m.result),
      (e: unknown) =>
        this.fail(badArgument(`Could not start the transfer: ${String(e)}`, e), CurlCode.FAILED_INIT),
    );
  }

  /** The consumer wants more: resume a paused transfer. */
  resume(): void {
    if (!this.recvPaused || this.ended) return;
    this.recvPaused = false;
    this.applyPause();
  }

  /**
   * easy.pause() sets both directions at once: receiving is paused while the sink is full, sending
   * while the upload source has nothing yet (its read callback returned PAUSE).
   */
  private applyPause(): void {
    if (this.ended) return;
    const send = this.upload?.waiting === true ? Pause.SEND : 0;
    try {
      this.easy.pause((this.recvPaused ? Pause.RECV : 0) | send);
    } catch (e) {
      // The engine already completed and the driver removed the handle; complete() is on its way.
      if (!(e instanceof EasyError)) throw e;
    }
  }

  /** End the transfer now (removeHandle: its connection slot is free at once). */
  abort(reason: unknown): void {
    if (this.ended) return;
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

  private headerLine(line: string): void {
    if (this.headParsed) return; // trailers
    const text = line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : line;
    if (text === '') {
      const block = this.block;
      this.block = undefined;
      if (block === undefined || !this.isFinal(block)) return;
      this.headParsed = true;
      this.onHead?.(block);
      if (this.failsAfterHead(block)) this.held = block;
      else this.settleHead(block);
      return;
    }
    const m = statusLineRe.exec(text);
    if (m !== null) {
      this.block = { status: Number(m[2]), statusText: m[3] ?? '', httpVersion: m[1]!, headers: [] };
      return;
    }
    const block = this.block;
    if (block === undefined) return;
    if ((text[0] === ' ' || text[0] === '\t') && block.headers.length > 0) {
      const last = block.headers[block.headers.length - 1]!;
      last[1] = `${last[1]} ${text.trim()}`.trim(); // obs-fold
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) return;
    block.headers.push([text.slice(0, colon).trim(), text.slice(colon + 1).trim()]);
  }

  private settleHead(block: ResponseHead): void {
    this.headSettled = true;
    this.resolveHead(block);
  }

  /**
   * True when the engine will end the transfer with an error right after this head (curl's 22 for
   * failOnError, 63 for a Content-Length over maxFileSize): the call then rejects with that error
   * instead of resolving with a body that fails at once. If body bytes come after all (curl's
   * exceptions to 22), the head is settled then.
   */
  private failsAfterHead(block: ResponseHead): boolean {
    if (this.failOnError && block.status >= 400) return true;
    if (this.maxFileSize <= 0) return false;
    const length = block.headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1];
    return length !== undefined && Number(length) > this.maxFileSize;
  }

  private isFinal(block: ResponseHead): boolean {
    if (block.status >= 100 && block.status < 200 && block.status !== 101) return false;
    // With followLocation the engine goes on to the Location; the final head comes later.
    if (this.followsRedirects && block.status >= 300 && block.status < 400 && block.status !== 304) {
      return !block.headers.some(([n]) => n.toLowerCase() === 'location');
    }
    return true;
  }

  private write(chunk: Buffer): number {
    if (this.held !== undefined) this.releaseHeld();
    if (!this.sink.push(chunk) && !this.recvPaused) {
      this.recvPaused = true;
      this.applyPause();
    }
    return chunk.length;
  }

  private releaseHeld(): void {
    const block = this.held!;
    this.held = undefined;
    this.settleHead(block);
  }

  private complete(result: number): void {
    if (this.ended) return;
    if (result !== CurlCode.OK) {
      this.fail(transferFailure(this.easy, result, this.hostLabel), result);
      return;
    }
    this.finish(result);
    if (this.held !== undefined) this.releaseHeld();
    if (!this.headSettled) {
      this.headSettled = true;
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
    if (this.ended) return;
    this.finish(code);
    this.held = undefined;
    if (!this.headSettled) {
      this.headSettled = true;
      this.rejectHead(error);
    } else this.sink.fail(error);
  }

  private finish(code: number): void {
    this.ended = true;
    this.upload?.close();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.host.ended(this);
    this.resolveFinished(code);
  }
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
