// From a method, URL, header list and buffered body to the Easy options of one transfer.
import type { EasyOptions } from '../multi/options.js';
import { badArgument } from './errors.js';
import { UploadFeeder } from './upload.js';

/**
 * The Easy options a caller may set per call or as Client defaults: every option except the ones
 * the API itself drives (URL, callbacks it owns, method and body, header list, private data).
 * Options added to EasyOptions later become available here without a change.
 */
export type TransferOptions = Omit<
  EasyOptions,
  | 'url'
  | 'writeFunction'
  | 'reuseReceiveBuffer'
  | 'headerFunction'
  | 'postFields'
  | 'customRequest'
  | 'nobody'
  | 'httpGet'
  | 'httpHeader'
  | 'private'
  | 'readFunction'
  | 'seekFunction'
  | 'upload'
  | 'inFileSize'
  | 'post'
  | 'postFieldSize'
> &
  DecodedLimit;

/** Limits of the promise API that have no libcurl option. */
export interface DecodedLimit {
  /**
   * The most body bytes the call accepts after content decoding (gzip, deflate, br, zstd): past it
   * the transfer ends with FILESIZE_EXCEEDED (63), however small the encoded body was. Unlike
   * `maxFileSize` it never looks at Content-Length (the encoded size). 0 or unset: no limit.
   */
  maxDecodedSize?: number;
}

/** Header input accepted everywhere: the fetch HeadersInit forms. */
export type HeadersInput = NonNullable<RequestInit['headers']>;

export const USER_AGENT = 'tscurl/0.1';

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const normalizedMethods = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']);

/** fetch's method normalization: a token; the standard ones upper-cased; CONNECT/TRACE/TRACK refused. */
export function normalizeMethod(method: string | undefined): string {
  if (method === undefined) return 'GET';
  if (typeof method !== 'string') throw badArgument(`method must be a string, got ${typeof method}`);
  if (!tokenRe.test(method)) throw badArgument(`'${method}' is not a valid HTTP method.`);
  const upper = method.toUpperCase();
  if (upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK') {
    throw badArgument(`'${method}' HTTP method is unsupported.`);
  }
  return normalizedMethods.has(upper) ? upper : method;
}

/** The call's signal, checked: an AbortSignal or nothing. */
export function checkedSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal === null) return undefined;
  if (!(signal instanceof AbortSignal))
    throw badArgument(`signal must be an AbortSignal, got ${typeof signal}`);
  return signal;
}

/** The header list to send, as [name, value] pairs (Headers iteration order, set-cookie kept apart). */
export function headerPairs(...inits: Array<HeadersInput | undefined>): Headers {
  const out = new Headers();
  for (const init of inits) {
    if (init === undefined) continue;
    let h: Headers;
    try {
      // Headers refuses what is not a header list, and names or values with CR, LF or NUL.
      h = init instanceof Headers ? init : new Headers(init);
    } catch (e) {
      throw badArgument(`Bad headers: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    for (const [name, value] of h) out.set(name, value);
  }
  return out;
}

export interface HttpRequest {
  url: string;
  method: string;
  /** undefined: no header given. */
  headers: Headers | undefined;
  /** Bytes sent with the head, or a streamed body fed to the engine's read callback. */
  body: Uint8Array | UploadFeeder | undefined;
  /** Content-Type implied by the body, used when headers name none. */
  bodyType: string | undefined;
}

/**
 * Copies `from`'s own enumerable properties into `to` (as a spread does), except the names `skip`
 * holds.
 */
export function copyOptions(to: object, from: object | undefined, skip?: ReadonlySet<string>): void {
  if (from === undefined) return;
  const t = to as Record<string, unknown>;
  const f = from as Record<string, unknown>;
  for (const k in f) {
    if (skip?.has(k) !== true && Object.hasOwn(f, k)) t[k] = f[k];
  }
}

const defaultsSkip: ReadonlySet<string> = new Set(['headers']);

/**
 * Easy options for one HTTP request: the Client defaults' options (all but `headers`), then the
 * call's (minus the names `callSkip` holds: the call's own fields), then the request's. A fresh
 * object the caller may add to.
 */
export function easyOptionsFor(
  req: HttpRequest,
  defaults: object | undefined,
  call?: object,
  callSkip?: ReadonlySet<string>,
): EasyOptions {
  const o: EasyOptions = {};
  copyOptions(o, defaults, defaultsSkip);
  copyOptions(o, call, callSkip);
  const userAgent = o.userAgent;
  o.url = req.url;
  const m = req.method;
  const body = req.body;
  if (m === 'HEAD') o.nobody = true;
  // A body makes the engine's request a POST: any other method (a GET with a body in request())
  // is named explicitly.
  else if (m !== 'POST' && (m !== 'GET' || body !== undefined)) o.customRequest = m;
  const sendsBody = body !== undefined || m === 'POST' || m === 'PUT' || m === 'PATCH';
  const lines: string[] = [];
  let hasType = false;
  let hasUa = false;
  let hasExpect = false;
  let declaredLength = -1;
  // Most calls give no header: no iterator over an empty list for them.
  const headers = req.headers;
  if (headers !== undefined) {
    for (const [name, value] of headers) {
      if (name === 'content-type') hasType = true;
      if (name === 'user-agent') hasUa = true;
      if (name === 'expect') hasExpect = true;
      // The engine owns framing; a caller's Content-Length would be a second one. For a stream of
      // unknown size it is the size to announce instead of chunked framing.
      if (name === 'content-length') {
        if (/^\d+$/.test(value)) declaredLength = Number(value);
        continue;
      }
      if (name === 'transfer-encoding') continue;
      lines.push(value === '' ? `${name};` : `${name}: ${value}`);
    }
  }
  if (body instanceof UploadFeeder) {
    o.post = true;
    o.postFieldSize = body.size >= 0 ? body.size : declaredLength;
    o.readFunction = body.readFunction;
    if (body.replayable) o.seekFunction = body.seekFunction;
  } else if (sendsBody) o.postFields = body ?? new Uint8Array(0);
  if (sendsBody && !hasType) {
    // curl adds 'application/x-www-form-urlencoded' to every POST body; fetch only the type the
    // body implies.
    lines.push(req.bodyType === undefined ? 'Content-Type:' : `content-type: ${req.bodyType}`);
  }
  // curl asks big or unknown-size bodies for 'Expect: 100-continue' first; fetch (and undici)
  // never do. Sending an 'expect' header asks for it.
  if (sendsBody && !hasExpect) lines.push('Expect:');
  if (!hasUa && userAgent === undefined) o.userAgent = USER_AGENT;
  if (lines.length > 0) o.httpHeader = lines;
  refuseLineBreaks(o);
  return o;
}

const lineBreak = /[\r\n]/;

/**
 * CR or LF in anything that becomes a header line would let a value end the line and start
 * another (header injection): refused at the call (43, phase 'setup'), before any connection.
 * Each option is read by its own name: a loop over the names read them through one keyed access
 * that saw nine names per call and went megamorphic.
 */
function refuseLineBreaks(o: EasyOptions): void {
  refuseInValue('userAgent', o.userAgent);
  refuseInValue('referer', o.referer);
  refuseInValue('cookie', o.cookie);
  refuseInValue('customRequest', o.customRequest);
  refuseInValue('xoauth2Bearer', o.xoauth2Bearer);
  refuseInValue('acceptEncoding', o.acceptEncoding);
  refuseInValue('range', o.range);
  refuseInLines(o.httpHeader);
  refuseInLines(o.proxyHeader);
}

/** An option whose value goes into a request header line. */
function refuseInValue(name: string, v: unknown): void {
  if (typeof v === 'string' && lineBreak.test(v)) throw badArgument(`Option '${name}' contains CR or LF`);
}

/** An option whose values are header lines. */
function refuseInLines(lines: readonly unknown[] | undefined): void {
  if (lines === undefined) return;
  for (const line of lines) {
    if (typeof line === 'string' && lineBreak.test(line)) {
      throw badArgument(
        `Header line '${line.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}' contains CR or LF`,
      );
    }
  }
}
