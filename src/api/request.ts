// request(): the lean call (undici's request() shape): status, headers as a plain object, a Node
// Readable body with the body mixins, and the transfer's getInfo(). Redirects are not followed
// unless the Easy option followLocation is set (as with curl).
import { CurlCode } from '../core/codes.js';
import type { EasyInfo } from '../multi/info.js';
import { BodyReadable, extractBody, type RequestBody } from './body.js';
import { type Client, getDefaultClient } from './client.js';
import { TscurlError } from './errors.js';
import { type BodySink, Exchange } from './exchange.js';
import { BODY_HIGH_WATER_MARK } from './fetch.js';
import {
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
  /** Bytes buffered in the body before the transfer pauses (default 64 KiB). */
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

const noop = () => {};

class ReadableSink implements BodySink {
  readable!: BodyReadable;
  push(chunk: Buffer): boolean {
    return this.readable.push(chunk);
  }
  end(): void {
    this.readable.push(null);
  }
  fail(error: unknown): void {
    // A body nobody reads (or listens to) must not turn a failed transfer into an uncaught
    // 'error' event; whoever reads it later still gets the error.
    if (this.readable.listenerCount('error') === 0) this.readable.on('error', noop);
    this.readable.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

export async function requestWith(
  client: Client,
  url: string | URL,
  options: RequestOptions = {},
): Promise<RequestResult> {
  const host = client._host();
  const { method: rawMethod, headers, body, signal, highWaterMark, ...callOptions } = options;
  const { headers: defaultHeaders, ...defaultOptions } = client.defaults;
  const method = normalizeMethod(rawMethod);
  const href = url instanceof URL ? url.href : url;
  if (signal?.aborted) throw signal.reason;
  const extracted = await extractBody(body ?? null);
  const sink = new ReadableSink();
  const upload =
    extracted?.kind === 'stream'
      ? new UploadFeeder(extracted.open, extracted.size, extracted.replayable)
      : undefined;
  const x = new Exchange(host, {
    options: easyOptionsFor(
      {
        url: href,
        method,
        headers: headerPairs(defaultHeaders, headers),
        body: extracted?.kind === 'bytes' ? extracted.bytes : upload,
        bodyType: extracted?.contentType,
      },
      { ...defaultOptions, ...callOptions },
    ),
    sink,
    signal,
    upload,
  });
  sink.readable = new BodyReadable(
    () => x.resume(),
    (error) =>
      x.abort(
        error ??
          new TscurlError(CurlCode.ABORTED_BY_CALLBACK, 'The response body was destroyed before its end'),
      ),
    highWaterMark ?? BODY_HIGH_WATER_MARK,
  );
  x.start();
  const head = await x.head;
  const easy = x.easy;
  return {
    statusCode: head.status,
    statusText: head.statusText,
    headers: headerObject(head.headers),
    body: sink.readable,
    get info() {
      return easy.getInfo();
    },
  };
}

function headerObject(pairs: Array<[string, string]>): ResponseHeaders {
  const out: ResponseHeaders = Object.create(null);
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    const prev = out[name];
    if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}
