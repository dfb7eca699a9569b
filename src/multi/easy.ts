// An Easy handle: one transfer's options (CURLOPT_*), its info (CURLINFO_*) and error buffer.
import type { StreamHead } from '../conn/types.js';
import { CurlCode } from '../core/codes.js';
import { EasyError } from '../core/errors.js';
import { nodeTransport } from '../transport/node/transport.js';
import { Pause } from './constants.js';
import { type CookieJar, writeJar } from './features/cookies.js';
import { type EasyInfo, infoField, NEEDS_CLOCK, timedField, transferInfo } from './info.js';
import type { DoneMessage, Multi, QueuedMessage } from './multi.js';
import { type EasyOptions, validateOptions } from './options.js';
import type { Transfer } from './transfer.js';

/** @internal A parsed response head as the engine hands it to `_onHead`. */
export type { StreamHead };

export class Easy {
  /** @internal The options (what `options` returns): the engine reads them here, without the getter's call. */
  _opts: EasyOptions;
  /** The failed transfer's message (CURLOPT_ERRORBUFFER); '' when it succeeded. */
  errorBuffer = '';
  // The handle's place in a Multi (fields of the handle itself rather than a record of their own:
  // 64 bytes less per handle).
  /** @internal The Multi running this handle. */
  _multi: Multi | undefined = undefined;
  /** @internal Its transfer in that Multi. */
  _run: Transfer | undefined = undefined;
  /** @internal Its done message, queued and not read yet. */
  _message: QueuedMessage | undefined = undefined;
  /** @internal Its neighbours in the Multi's list of handles (HandleList). */
  _prevHandle: Easy | undefined = undefined;
  /** @internal */
  _nextHandle: Easy | undefined = undefined;
  /** @internal The handle's cookies (libcurl keeps them per handle); made when the engine is on. */
  _cookies: CookieJar | undefined;
  /** @internal The last transfer run, for getInfo() after removal. */
  _last: Transfer | undefined;
  /**
   * @internal Called with every response head of the transfer as parsed (interim, redirect and
   * final heads; not a proxy's CONNECT answer, not trailers), right after its lines went to
   * headerFunction: the promise API reads heads here instead of parsing the lines again. The
   * head's arrays are the engine's: read them during the call only.
   */
  _onHead: ((head: StreamHead) => void) | undefined;
  /**
   * @internal The NodeDriver's completion callback for a handle it runs (set by NodeDriver.run):
   * kept on the handle rather than in a Map from handle to callback, whose table was re-made as
   * entries came and went (about 250 bytes per transfer).
   */
  _onDone: ((message: DoneMessage) => void) | undefined;
  /**
   * @internal The object that runs this handle for the promise API (its exchange), for callbacks
   * shared by every handle (`_onHead`, `_onDone`, writeFunction) to find it: one field here
   * instead of three closures and their contexts per call.
   */
  _owner: unknown;

  constructor(options: EasyOptions = {}) {
    validateOptions(options);
    this._opts = { ...options };
    if (options.share?.cookies !== undefined) this._cookies = options.share.cookies;
  }

  /** The options set (read-only view). */
  get options(): Readonly<EasyOptions> {
    return this._opts;
  }

  /** curl_easy_setopt for several options at once; `undefined` resets one to its default. */
  setOptions(options: { [K in keyof EasyOptions]?: EasyOptions[K] | undefined }): this {
    validateOptions(options);
    if ('share' in options && options.share !== this._opts.share) {
      // libcurl: the share's cookies replace the handle's; leaving a cookie share starts over.
      if (options.share?.cookies !== undefined) this._cookies = options.share.cookies;
      else if (this._opts.share?.cookies !== undefined) this._cookies = undefined;
    }
    const next: Record<string, unknown> = { ...this._opts };
    for (const [k, v] of Object.entries(options)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    this._opts = next as EasyOptions;
    return this;
  }

  /** curl_easy_reset: every option back to its default (not while the handle runs). */
  reset(): void {
    const t = this._run;
    if (t !== undefined && t.state !== 'msgsent') {
      throw new EasyError(CurlCode.BAD_FUNCTION_ARGUMENT, 'reset() while the transfer runs; remove it first');
    }
    if (this._opts.share?.cookies !== undefined) this._cookies = undefined;
    this._opts = {};
    this.errorBuffer = '';
  }

  /**
   * curl_easy_cleanup: a transfer still running stops (the handle leaves its Multi; not from inside
   * one of its callbacks) and the cookie jar (cookieJar) is written, as libcurl writes it at
   * cleanup. The handle may be used again afterwards.
   */
  close(): void {
    this._multi?.removeHandle(this);
    this._saveCookies();
  }

  /** @internal Write the cookie jar, when a cookieJar file is set and the handle has cookies. */
  _saveCookies(): void {
    if (this._cookies !== undefined) writeJar(this._cookies, this._opts);
  }

  /**
   * curl_easy_getinfo: the CURLINFO set of the current or last transfer; with a field name, that
   * field alone (libcurl's one-field call), read without building the whole set.
   */
  getInfo(): EasyInfo;
  getInfo<K extends keyof EasyInfo>(field: K): EasyInfo[K];
  getInfo(field?: keyof EasyInfo): EasyInfo | EasyInfo[keyof EasyInfo] {
    const t = this._last;
    if (field === undefined) return transferInfo(t, this._now(t), this._opts.private);
    const v = infoField(t, field, this._opts.private);
    // t is set here: a handle that never ran has every field without the clock.
    return (v === NEEDS_CLOCK ? timedField(t!, field, this._now(t)) : v) as EasyInfo[keyof EasyInfo];
  }

  /**
   * The time the info is computed at: an ended transfer's times (finished, or removed while it
   * ran, on its Multi's clock, which may be virtual) all end at its end, so the clock (a system
   * call on Node) is read only for one still running.
   */
  private _now(t: Transfer | undefined): number {
    const end = t?.tEnd ?? Number.NaN;
    return Number.isNaN(end) ? (this._multi?.transport ?? nodeTransport).now() : end;
  }

  /** CURLOPT_PRIVATE. */
  get private(): unknown {
    return this._opts.private;
  }

  /** The transfer's error with its cause, when it failed. */
  get error(): Error | undefined {
    return this._last?.error;
  }

  /**
   * curl_easy_pause: Pause.RECV / Pause.SEND / Pause.ALL to pause, Pause.CONT to resume.
   * Allowed from this transfer's own data callbacks and from outside the engine; not from the
   * socket or timer callback.
   */
  pause(bitmask: number): void {
    if (!Number.isInteger(bitmask) || (bitmask & ~Pause.ALL) !== 0) {
      throw new EasyError(CurlCode.BAD_FUNCTION_ARGUMENT, `pause(): bad bitmask ${bitmask}`);
    }
    const multi = this._multi;
    const t = this._run;
    if (multi === undefined || t === undefined) {
      throw new EasyError(CurlCode.BAD_FUNCTION_ARGUMENT, 'pause(): the handle is not in a multi');
    }
    multi._pause(t, bitmask);
  }
}
