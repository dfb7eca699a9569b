// fetch(): the WHATWG fetch over the engine, returning Node's own Response. Each hop is one Easy on
// the Client's Multi. Redirects are followed here, in the API layer, with fetch's rules (method
// rewrite on 301/302/303, credentials dropped across origins, 20 hops at most), not with the
// engine's followLocation, so that 'manual' and 'error' and response.url/redirected behave as in
// Node's fetch.
import { CurlCode } from '../core/codes.js';
import { type ExtractedBody, extractBody, isStreamBody, type RequestBody, readAll } from './body.js';
import { type Client, getDefaultClient } from './client.js';
import { badArgument, TscurlError } from './errors.js';
import {
  type BodySink,
  Exchange,
  type ExchangeHost,
  type ExchangeParts,
  fieldValue,
  type ResponseHead,
} from './exchange.js';
import {
  checkedSignal,
  easyOptionsFor,
  headerPairs,
  normalizeMethod,
  type TransferOptions,
} from './transfer-options.js';

import { UploadFeeder } from './upload.js';

export type FetchInput = string | URL | Request;

export interface FetchInit extends RequestInit {
  /** tscurl: Easy options for this call (timeouts, httpVersion, ...), over the Client's defaults. */
  options?: TransferOptions;
}

/** fetch's redirect limit (Fetch standard, "HTTP-redirect fetch" step 5). */
export const MAX_REDIRECTS = 20;
/**
 * A response body's transfer pauses once more than this many bytes wait unread in it. 64 KiB: the
 * default read size of Node's net streams (and libcurl's CURL_MAX_WRITE_SIZE is 16 KiB).
 */
export const BODY_HIGH_WATER_MARK = 64 * 1024;
/** A redirect's own body is read and dropped up to this size (keeping the connection); beyond, the hop is cut. */
const REDIRECT_BODY_DRAIN_LIMIT = 64 * 1024;

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);
const bodyHeaderNames = ['content-encoding', 'content-language', 'content-location', 'content-type'];
const crossOriginDropped = ['authorization', 'proxy-authorization', 'cookie', 'host'];

/** fetch() over the default client (created lazily; it does not keep the process alive when idle). */
export function fetch(input: FetchInput, init?: FetchInit): Promise<Response> {
  return getDefaultClient().fetch(input, init);
}

/** The body streams' queuing strategy: bytes, one for all. */
const byteStrategy: QueuingStrategy<Uint8Array> = {
  highWaterMark: BODY_HIGH_WATER_MARK,
  size: (chunk) => chunk.byteLength,
};

/**
 * A ReadableStream fed by the write callback: a full queue pauses the transfer, a pull resumes it.
 * The sink is the stream's underlying source itself (start, pull and cancel are its methods, which
 * the stream calls with the sink as `this`): no source object and closures per response. The
 * stream is made with the Response (`open()`), not when the call starts: a call waiting for its
 * head holds no stream state, and a redirect's or a null-body response's body has none at all
 * (Node 20's ReadableStream costs about 12 us and 3 KB to make).
 *
 * While the body flows, the promise of the last pull stays pending: the stream does not call pull
 * again until it settles (it notes "pull again" instead), so a chunk costs no pull call with its
 * two promises and microtasks (twice a chunk otherwise: after the enqueue and after the read).
 * When the queue is full the transfer pauses and that promise is settled; the stream then calls
 * pull once the reader has taken enough, and pull resumes the transfer.
 *
 * A body nobody reads yet (its stream not locked to a reader) is not full at once: the exchange
 * looks again once the engine's callback returned (Exchange.pauseLater, stillFull), as for
 * request()'s body.
 */
class StreamSink implements BodySink {
  exchange: Exchange<unknown> | undefined;
  readonly call: Call;
  readonly hop: Hop;
  /** Redirects followed before this hop. */
  readonly redirects: number;
  /** Set for a redirect or a null-body response: bytes are dropped. */
  discard = false;
  private discarded = 0;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private done = false;
  /** Settles the pending pull (see above); undefined when no pull is pending. */
  private pulled: (() => void) | undefined;
  /** The body's stream, for whether a reader has it yet (see push). */
  private stream: ReadableStream<Uint8Array> | undefined;

  constructor(call: Call, hop: Hop, redirects: number) {
    this.call = call;
    this.hop = hop;
    this.redirects = redirects;
  }

  /** The Response's body stream (made once, before any body byte is pushed). */
  open(): ReadableStream<Uint8Array> {
    const stream = new ReadableStream<Uint8Array>(this, byteStrategy);
    this.stream = stream;
    return stream;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  pull(): Promise<void> {
    this.exchange?.resume();
    return new Promise((resolve) => {
      this.pulled = resolve;
    });
  }

  cancel(reason: unknown): void {
    this.done = true;
    this.exchange?.abort(reason);
  }

  push(chunk: Buffer): boolean {
    if (this.discard) {
      this.discarded += chunk.length;
      if (this.discarded > REDIRECT_BODY_DRAIN_LIMIT) {
        const x = this.exchange;
        if (x !== undefined) setImmediate(() => x.abort(undefined));
      }
      return true;
    }
    // No stream: bytes before any final head, which no Response will have (the call rejects).
    const controller = this.controller;
    if (this.done || controller === undefined) return true;
    // The chunk is the sink's (the engine hands each one over and never writes it again): a plain
    // Uint8Array view of its bytes, as web streams hand out, not a copy.
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    // Full once more than the high-water mark waits (see BodyReadable._deliver): a 64 KiB read
    // alone does not pause the transfer.
    if ((controller.desiredSize ?? 0) >= 0) return true;
    // Nobody reads yet: the exchange looks again once the engine's callback returned (see above).
    if (!this.stream!.locked) {
      this.exchange?.pauseLater();
      return true;
    }
    this.full();
    return false;
  }

  /** The exchange's look (see push): a queue still over the high-water mark pauses the transfer. */
  stillFull(): boolean {
    if (this.done || (this.controller!.desiredSize ?? 0) >= 0) return false;
    this.full();
    return true;
  }

  /** Full: the transfer pauses, and the next pull (once the reader took enough) resumes it. */
  private full(): void {
    const pulled = this.pulled;
    this.pulled = undefined;
    pulled?.();
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.controller?.close();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.controller?.error(error);
  }
}

interface Hop {
  /** The URL without its fragment. */
  href: string;
  origin: string;
  method: string;
  /** undefined: no header given. */
  headers: Headers | undefined;
  body: ExtractedBody | undefined;
}

/** What every hop of one call shares. */
interface Call {
  client: Client;
  host: ExchangeHost;
  /** The call's own Easy options (over the Client's defaults). */
  options: TransferOptions | undefined;
  /** No Accept-Encoding among the request headers: ask for every coding the engine decodes. */
  anyEncoding: boolean;
  signal: AbortSignal | undefined;
  redirect: NonNullable<RequestInit['redirect']>;
  /** The first URL's origin (a response from another origin has type 'cors'). */
  firstOrigin: string;
}

/**
 * fetch() over a given client. A call without a request body starts its transfer before it
 * returns and costs one promise until its head; only a body to read or a redirect to follow makes
 * it a tracked async call (Client.close() waits for those, as for a running transfer).
 */
export function fetchWith(client: Client, input: FetchInput, givenInit?: FetchInit): Promise<Response> {
  try {
    const init = givenInit ?? noInit;
    const host = client._host();
    const fromRequest = typeof input !== 'string' && input instanceof Request ? input : undefined;
    const rawUrl =
      fromRequest !== undefined ? fromRequest.url : input instanceof URL ? input.href : String(input);
    const url = parseUrl(rawUrl);
    const method = normalizeMethod(init.method ?? fromRequest?.method);
    const signal = init.signal !== undefined ? checkedSignal(init.signal) : fromRequest?.signal;
    const redirect = init.redirect ?? fromRequest?.redirect ?? 'follow';
    if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') {
      throw badArgument(`Invalid redirect mode '${String(redirect)}'`);
    }
    const defaults = client.defaults;
    const requestHeaders = fromRequest?.headers;
    const headers =
      defaults.headers === undefined && requestHeaders === undefined && init.headers === undefined
        ? undefined
        : headerPairs(defaults.headers, requestHeaders, init.headers);
    const call: Call = {
      client,
      host,
      options: init.options,
      anyEncoding: headers?.has('accept-encoding') !== true,
      signal,
      redirect,
      firstOrigin: url.origin,
    };
    const hop: Hop = { href: url.href, origin: url.origin, method, headers, body: undefined };
    const body = init.body;
    if ((body === undefined || body === null) && (body === null || fromRequest?.body == null)) {
      if (signal?.aborted) throw signal.reason;
      return runHop(call, hop, 0);
    }
    return client._track(withBody(call, hop, init, fromRequest));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The init of a call given none (read, never written). */
const noInit: FetchInit = {};

/** A call with a request body: the body is read (a Request's) and extracted before the first hop. */
async function withBody(
  call: Call,
  hop: Hop,
  init: FetchInit,
  fromRequest: Request | undefined,
): Promise<Response> {
  let body: RequestBody = null;
  if (init.body !== undefined && init.body !== null) body = init.body as RequestBody;
  else if (init.body === undefined && fromRequest?.body != null) {
    // Request keeps its body's source private: its stream is read to bytes here.
    body = await readAll((fromRequest.body as unknown as AsyncIterable<unknown>)[Symbol.asyncIterator]());
  }
  if (body !== null && (hop.method === 'GET' || hop.method === 'HEAD')) {
    throw badArgument('Request with GET/HEAD method cannot have body.');
  }
  if (isStreamBody(body) && (init as { duplex?: string }).duplex !== 'half') {
    throw badArgument('RequestInit: duplex option is required when sending a body.');
  }
  const signal = call.signal;
  if (signal?.aborted) throw signal.reason;
  if (body !== null) {
    hop.body = await extractBody(body);
    if (signal?.aborted) throw signal.reason;
  }
  return runHop(call, hop, 0);
}

/** One hop: its Response, or the next hop's once this one's body was drained. */
function runHop(call: Call, hop: Hop, redirects: number): Promise<Response> {
  // The call's promise is the exchange's own, resolved with what the head makes (the Response, or
  // the next hop's promise): no second promise and microtask after the head's.
  return startHop(new StreamSink(call, hop, redirects)).head as Promise<Response>;
}

/** What every hop's exchange resolves with: one function, the hop found through its sink. */
function hopResult(head: ResponseHead, x: ExchangeParts): Response | Promise<Response> {
  const sink = x.sink as StreamSink;
  try {
    return afterHead(sink, sink.exchange!, head);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** A hop's final head: its Response, or the next hop (a redirect to follow). */
function afterHead(sink: StreamSink, x: Exchange<unknown>, head: ResponseHead): Response | Promise<Response> {
  const { call, hop, redirects } = sink;
  const location = redirectStatuses.has(head.status) ? headerValue(head, 'location') : undefined;
  // The exchange settles the head before any body byte reaches the sink: a redirect's body (one
  // to follow) and a body that must be empty are dropped from the first byte.
  if (
    (call.redirect !== 'manual' && location) ||
    nullBodyStatuses.has(head.status) ||
    hop.method === 'HEAD'
  ) {
    sink.discard = true;
  }
  if (location === undefined || call.redirect === 'manual') {
    return toResponse(head, sink, hop, redirects > 0, call.firstOrigin);
  }
  if (call.redirect === 'error') {
    x.abort(undefined);
    throw new TscurlError(
      CurlCode.TOO_MANY_REDIRECTS,
      `Unexpected redirect to ${location} (redirect: 'error')`,
      {
        side: 'remote',
        phase: 'recv',
        host: x.hostLabel,
      },
    );
  }
  const next = nextHop(hop, head.status, location, redirects, x.hostLabel);
  return call.client._track(follow(call, x, next, redirects + 1));
}

/** Between two hops: the previous one ends (its body drained, the connection kept), then the next starts. */
async function follow(
  call: Call,
  previous: Exchange<unknown>,
  next: Hop,
  redirects: number,
): Promise<Response> {
  await previous.finished;
  if (call.signal?.aborted) throw call.signal.reason;
  return runHop(call, next, redirects);
}

/** A call's URL, checked; the parse of a URL string is kept (most programs fetch the same few). */
const parsedUrls = new Map<string, { href: string; origin: string }>();
const PARSED_URLS_MAX = 1024;

function parseUrl(rawUrl: string): { href: string; origin: string } {
  const known = parsedUrls.get(rawUrl);
  if (known !== undefined) return known;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch (cause) {
    throw new TscurlError(CurlCode.URL_MALFORMAT, `Failed to parse URL from ${rawUrl}`, {
      cause,
      phase: 'setup',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw badArgument(`Request cannot be constructed from a URL that includes credentials: ${rawUrl}`);
  }
  url.hash = '';
  const parsed = { href: url.href, origin: url.origin };
  if (parsedUrls.size < PARSED_URLS_MAX) parsedUrls.set(rawUrl, parsed);
  return parsed;
}

function startHop(sink: StreamSink): Exchange<Response | Promise<Response>> {
  const { call, hop } = sink;
  const b = hop.body;
  const upload = b?.kind === 'stream' ? new UploadFeeder(b.open, b.size, b.replayable) : undefined;
  const options = easyOptionsFor(
    {
      url: hop.href,
      method: hop.method,
      headers: hop.headers,
      body: b?.kind === 'bytes' ? b.bytes : upload,
      bodyType: b?.contentType,
    },
    call.client.defaults,
    call.options,
  );
  // Like Node's fetch: ask for compressed bodies and hand them out decoded (the engine decodes),
  // unless the headers name their own Accept-Encoding or the options set acceptEncoding (which is
  // then in `options`, copied from the defaults or the call, as an own property even if undefined).
  if (call.anyEncoding && !('acceptEncoding' in options)) options.acceptEncoding = '';
  const x = new Exchange<Response | Promise<Response>>(call.host, {
    options,
    sink,
    signal: call.signal,
    upload,
    result: hopResult,
  });
  sink.exchange = x;
  x.start();
  return x;
}

function nextHop(hop: Hop, status: number, location: string, redirects: number, hostLabel: string): Hop {
  if (redirects >= MAX_REDIRECTS) {
    throw new TscurlError(CurlCode.TOO_MANY_REDIRECTS, `Maximum (${MAX_REDIRECTS}) redirects followed`, {
      side: 'remote',
      phase: 'recv',
      host: hostLabel,
    });
  }
  let url: URL;
  try {
    url = new URL(location, hop.href);
  } catch (cause) {
    throw new TscurlError(CurlCode.URL_MALFORMAT, `Invalid redirect Location '${location}'`, {
      cause,
      side: 'remote',
      phase: 'recv',
      host: hostLabel,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TscurlError(CurlCode.UNSUPPORTED_PROTOCOL, `Redirect to unsupported scheme '${url.protocol}'`, {
      side: 'remote',
      phase: 'recv',
      host: hostLabel,
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw badArgument(`Redirect location includes credentials: ${location}`);
  }
  const headers = new Headers(hop.headers);
  let { method, body } = hop;
  if (
    (status === 303 && method !== 'GET' && method !== 'HEAD') ||
    ((status === 301 || status === 302) && method === 'POST')
  ) {
    method = 'GET';
    body = undefined;
    for (const name of bodyHeaderNames) headers.delete(name);
  } else if (body !== undefined && !body.replayable) {
    throw new TscurlError(
      CurlCode.SEND_FAIL_REWIND,
      'Cannot follow a 307/308 redirect with a streamed request body',
      {
        side: 'local',
        phase: 'send',
        host: hostLabel,
      },
    );
  }
  const origin = url.origin;
  if (origin !== hop.origin) for (const name of crossOriginDropped) headers.delete(name);
  return { href: url.href, origin, method, headers, body };
}

function headerValue(head: ResponseHead, name: string): string | undefined {
  return fieldValue(head.fields, name);
}

function toResponse(
  head: ResponseHead,
  sink: StreamSink,
  hop: Hop,
  redirected: boolean,
  firstOrigin: string,
): Response {
  if (head.status < 200 || head.status > 599) {
    sink.exchange?.abort(undefined);
    throw new TscurlError(CurlCode.WEIRD_SERVER_REPLY, `Unsupported response status ${head.status}`, {
      side: 'remote',
      phase: 'recv',
    });
  }
  // One init object for all (the constructor copies what it reads from it at once).
  responseInit.status = head.status;
  responseInit.statusText = head.statusText;
  const response = new Response(sink.discard ? null : sink.open(), responseInit);
  // Response's constructor cannot set url, redirected and type (Node's fetch sets them on its
  // responses), and the header fields go into the response's Headers when first asked for (see
  // fillHeaders): all of it in one defineProperties with shared descriptors, whose two per-call
  // values are set just before (defineProperties reads them at once).
  headDescriptor.value = head;
  urlDescriptor.value = hop.href;
  Object.defineProperties(
    response,
    redirected
      ? hop.origin === firstOrigin
        ? redirectedBasic
        : redirectedCors
      : hop.origin === firstOrigin
        ? directBasic
        : directCors,
  );
  headDescriptor.value = undefined;
  urlDescriptor.value = '';
  return response;
}

/**
 * A response's head whose fields are not in its Headers yet: an own non-enumerable slot, cleared
 * once they are. Appending a field to a Headers checks each character of its name and value, most
 * of the per-response work of a Response in code not yet optimized (about 4 us for nginx's eight
 * fields in a fresh process), and most callers read the status and the body, never the headers.
 */
const pendingHead = Symbol('tscurl.pendingHead');
type PendingResponse = Response & { [pendingHead]: ResponseHead | undefined };

/**
 * Response.prototype's headers getter, blob, formData and clone, taken at the first response:
 * `Response` is one of Node's lazy globals, whose first use loads its fetch implementation (about
 * 20 ms), which a program that never calls fetch() should not pay at import.
 */
interface ResponseMethods {
  headers: (this: Response) => Headers;
  blob: (this: Response) => Promise<Blob>;
  formData: (this: Response) => Promise<FormData>;
  clone: (this: Response) => Response;
}
let proto: ResponseMethods | undefined;

function responseMethods(): ResponseMethods {
  const p = Response.prototype;
  const headers = Object.getOwnPropertyDescriptor(p, 'headers')?.get as ResponseMethods['headers'];
  proto = { headers, blob: p.blob, formData: p.formData, clone: p.clone };
  return proto;
}

/**
 * The response's own Headers (Response.prototype's getter), with the head's fields appended the
 * first time. Node's blob(), formData() and clone() read the header list without that getter, so
 * the instance's own versions of those three fill it first.
 */
function fillHeaders(response: Response): Headers {
  const headers = (proto ?? responseMethods()).headers.call(response);
  const head = (response as PendingResponse)[pendingHead];
  if (head !== undefined) {
    (response as PendingResponse)[pendingHead] = undefined;
    const fields = head.fields;
    for (let i = 0; i < fields.length; i += 2) {
      try {
        headers.append(fields[i]!, fields[i + 1]!);
      } catch {
        // A field Headers refuses (invalid name or value bytes) is dropped, as undici does.
      }
    }
  }
  return headers;
}

const responseInit: { status: number; statusText: string } = { status: 200, statusText: '' };
const headDescriptor: PropertyDescriptor = { value: undefined, writable: true };
const urlDescriptor: PropertyDescriptor = { value: '' };
const lazyHeaders: PropertyDescriptorMap = {
  headers: {
    get(this: Response): Headers {
      return fillHeaders(this);
    },
  },
  blob: {
    value(this: Response): Promise<Blob> {
      fillHeaders(this);
      return proto!.blob.call(this);
    },
    writable: true,
  },
  formData: {
    value(this: Response): Promise<FormData> {
      fillHeaders(this);
      return proto!.formData.call(this);
    },
    writable: true,
  },
  clone: {
    value(this: Response): Response {
      fillHeaders(this);
      return proto!.clone.call(this);
    },
    writable: true,
  },
};

/**
 * The descriptors of one response: where it was fetched from, whether redirected, its type. None
 * is enumerable: Node's responses have no own enumerable properties (`Object.keys()` is empty,
 * a spread copies nothing), and util.inspect() reads these through Response's own inspector.
 */
function responseDescriptors(redirected: boolean, type: 'basic' | 'cors'): PropertyDescriptorMap {
  return {
    [pendingHead]: headDescriptor,
    url: urlDescriptor,
    redirected: { value: redirected },
    // Node's fetch reports 'cors' once a redirect left the first URL's origin.
    type: { value: type },
    ...lazyHeaders,
  };
}

const directBasic = responseDescriptors(false, 'basic');
const directCors = responseDescriptors(false, 'cors');
const redirectedBasic = responseDescriptors(true, 'basic');
const redirectedCors = responseDescriptors(true, 'cors');
