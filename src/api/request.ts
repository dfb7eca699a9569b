// request(): the lean call (undici's request() shape): status, headers as a plain object, a Node
// Readable body with the body mixins, and the transfer's getInfo(). Redirects are not followed
// unless the Easy option followLocation is set (as with curl).
import { CurlCode } from '../core/codes.js';
import type { Easy, StreamHead } from '../multi/easy.js';
import type { EasyInfo } from '../multi/info.js';
import { BodyReadable, type BodySource, type ExtractedBody, extractBody, type RequestBody } from './body.js';
import { type Client, getDefaultClient } from './client.js';
import { badArgument, TscurlError } from './errors.js';
import { type BodySink, Exchange, type ExchangeHost, type ExchangeParts, headFields } from './exchange.js';
import { BODY_HIGH_WATER_MARK } from './fetch.js';
import {
  checkedSignal,
  easyOptionsFor,
  type HeadersInput,
  headerPairs,
  normalizeMethod,
  type TransferOptions,
} from './transfer-options.js';
import { UploadFeeder } from './upload.js';

export interface RequestOptions extends TransferOptions {
  method?: string;
  headers?: HeadersInput;
  body?: RequestBody;
  signal?: AbortSignal;
  /** The transfer pauses once more than this many bytes wait unread in the body (default 64 KiB). */
  highWaterMark?: number;
}

/** Response header fields, lower-cased names; repeated fields as arrays (set-cookie always one). */
export type ResponseHeaders = Record<string, string | string[]>;

export interface RequestResult {
  statusCode: number;
  statusText: string;
  headers: ResponseHeaders;
  /** The body: a Readable (async-iterable) with text()/json()/arrayBuffer()/bytes()/blob(). */
  body: BodyReadable;
  /** easy.getInfo() of this transfer; read it after the body ended for the complete figures. */
  readonly info: EasyInfo;
}

/** request() over the default client (created lazily; it does not keep the process alive when idle). */
export function request(url: string | URL, options?: RequestOptions): Promise<RequestResult> {
  return getDefaultClient().request(url, options);
}

/**
 * The sink of request()'s body. The BodyReadable is made when it is first needed (the final head
 * is settled, or a byte or the end comes), not when the call starts: a call waiting for its
 * response holds no stream state, so the young-generation collections that run while 100 calls
 * wait have a Readable less per call to copy (and promote).
 */
class ReadableSink implements BodySink, BodySource {
  x!: Exchange<RequestResult>;
  private readable: BodyReadable | undefined;
  constructor(private readonly highWaterMark: number) {}

  body(): BodyReadable {
    this.readable ??= new BodyReadable(this, this.highWaterMark);
    return this.readable;
  }

  push(chunk: Buffer): boolean {
    return this.body()._deliver(chunk);
  }
  end(): void {
    this.body()._end();
  }
  fail(error: unknown): void {
    this.body()._fail(error);
  }

  /** The body is over its highWaterMark before anyone reads it: the exchange looks again later. */
  pauseLater(): void {
    this.x.pauseLater();
  }

  /**
   * The exchange's look (the body exists: a push made it): a body still full pauses the transfer
   * until demand().
   */
  stillFull(): boolean {
    return this.readable!._stillFull();
  }

  /** The body's reader wants more: a paused transfer resumes. */
  demand(): void {
    this.x.resume();
  }

  /** The body was destroyed before its end: the transfer ends. */
  destroyed(error: Error | null): void {
    this.x.abort(
      error ??
        new TscurlError(CurlCode.ABORTED_BY_CALLBACK, 'The response body was destroyed before its end'),
    );
  }
}

/** The fields of RequestOptions that are the call's own, not Easy options. */
const callFields: ReadonlySet<string> = new Set(['method', 'headers', 'body', 'signal', 'highWaterMark']);

export function requestWith(
  client: Client,
  url: string | URL,
  options?: RequestOptions,
): Promise<RequestResult> {
  try {
    const host = client._host();
    const o = options ?? {};
    const method = normalizeMethod(o.method);
    const signal = checkedSignal(o.signal);
    const hwm = o.highWaterMark;
    if (hwm !== undefined && (typeof hwm !== 'number' || !Number.isSafeInteger(hwm) || hwm < 0)) {
      throw badArgument(`highWaterMark must be a non-negative integer (bytes), got ${String(hwm)}`);
    }
    if (signal?.aborted) throw signal.reason;
    const body = o.body;
    if (body === undefined || body === null) {
      return startRequest(client, host, url, o, method, undefined);
    }
    // Only a body to read makes the call wait before its transfer starts: Client.close() waits
    // for it then.
    return client._track(
      extractBody(body).then((extracted) => startRequest(client, host, url, o, method, extracted)),
    );
  } catch (e) {
    return Promise.reject(e);
  }
}

function startRequest(
  client: Client,
  host: ExchangeHost,
  url: string | URL,
  o: RequestOptions,
  method: string,
  extracted: ExtractedBody | undefined,
): Promise<RequestResult> {
  const href = url instanceof URL ? url.href : url;
  const sink = new ReadableSink(o.highWaterMark ?? BODY_HIGH_WATER_MARK);
  const upload =
    extracted?.kind === 'stream'
      ? new UploadFeeder(extracted.open, extracted.size, extracted.replayable)
      : undefined;
  const defaults = client.defaults;
  const headers =
    defaults.headers === undefined && o.headers === undefined
      ? undefined
      : headerPairs(defaults.headers, o.headers);
  const x: Exchange<RequestResult> = new Exchange(host, {
    options: easyOptionsFor(
      {
        url: href,
        method,
        headers,
        body: extracted?.kind === 'bytes' ? extracted.bytes : upload,
        bodyType: extracted?.contentType,
      },
      defaults,
      o,
      callFields,
    ),
    sink,
    signal: o.signal,
    upload,
    // The call resolves with the result itself, made from the engine's head when it is settled.
    resultOfEngineHead: requestResult,
  });
  sink.x = x;
  x.start();
  return x.head;
}

/** The call's result from its final head (one function for every call: a closure would be held while it waits). */
function requestResult(head: StreamHead, x: ExchangeParts): RequestResult {
  return new Result(head, (x.sink as ReadableSink).body(), x.easy);
}

/**
 * A RequestResult; `info` a getter on the prototype (an object literal's getter costs an own map).
 * `headers` is made from the head's fields on first read, as node:http's IncomingMessage makes
 * its own: a call that never looks at them (most read the status and the body) does not pay for
 * the object (about 2 us for nginx's 8 fields: a lower-cased name and a property each). The
 * engine's head is kept until then (immutable text), not a ResponseHead made of it: one object
 * less per response.
 */
class Result implements RequestResult {
  statusCode: number;
  statusText: string;
  body: BodyReadable;
  readonly #easy: Easy;
  readonly #head: StreamHead;
  #headers: ResponseHeaders | undefined;

  constructor(head: StreamHead, body: BodyReadable, easy: Easy) {
    this.statusCode = head.status;
    this.statusText = head.reason;
    this.#head = head;
    this.body = body;
    this.#easy = easy;
  }

  get headers(): ResponseHeaders {
    this.#headers ??= headerObject(headFields(this.#head));
    return this.#headers;
  }

  set headers(headers: ResponseHeaders) {
    this.#headers = headers;
  }

  get info(): EasyInfo {
    return this.#easy.getInfo();
  }
}

/** Lower-cased field names by name as received (bounded): most responses repeat the same few. */
const lowerNames = new Map<string, string>();
const LOWER_NAMES_MAX = 1024;

function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size < LOWER_NAMES_MAX) lowerNames.set(name, lower);
  }
  return lower;
}

export function headerObject(fields: readonly string[]): ResponseHeaders {
  // Null prototype set before the first field: V8 keeps such an object's properties fast (a
  // shared map per field sequence), where Object.create(null) makes a dictionary (~4x the bytes).
  const out: ResponseHeaders = {};
  Object.setPrototypeOf(out, null);
  for (let i = 0; i < fields.length; i += 2) {
    const name = lowerName(fields[i]!);
    const value = fields[i + 1]!;
    const prev = out[name];
    if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}
