// Turning Easy options into an HTTP request: the URL (parsed by proto/url.ts as libcurl does), method, header list (curl's defaults and
// CURLOPT_HTTPHEADER's replace / remove / empty rules), body bytes.
import { domainToASCII } from 'node:url';
import { hostKeyOf, type Route, reuseKeyOf } from '../conn/factory.js';
import { CurlCode } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import { type HeaderList, sharedPairOf } from '../proto/h1/types.js';
import {
  type CurlUrl,
  KNOWN_SCHEMES,
  parseCurlUrl,
  percentDecode,
  requestTarget,
  UrlError,
  urlToString,
  utf8Bytes,
} from '../proto/url.js';
import { acceptEncodingHeader } from './features/decode/index.js';
import { rangeHeader } from './features/range.js';
import { type BodySource, bodyLength } from './features/upload.js';
import { type EasyOptions, HttpVersion } from './options.js';
import { splitResolve } from './resolve-entries.js';

export interface Target {
  /** The URL as libcurl's URL API stored it (byte strings). */
  url: CurlUrl;
  /** The normalised URL (CURLINFO_EFFECTIVE_URL), written when first asked for. */
  readonly href: string;
  scheme: 'http' | 'https';
  /** Host name for connecting and the cache: punycode for an IDN, IPv6 without brackets. */
  host: string;
  /** Host header value (IPv6 with brackets, port when not the scheme's default). */
  authority: string;
  port: number;
  /** Request target: path and query, percent-encoding as in the URL; never the fragment. */
  path: string;
  /** The path alone ('/' at least), for cookie matching. */
  pathname: string;
  /** The URL's credentials, percent-decoded (UTF-8); undefined when the URL has none. */
  user: string | undefined;
  password: string | undefined;
  /** hostKeyOf(this): 'host:port'. */
  readonly hostKey: string;
  /** reuseKeyOf(this) for a connection no option of CONNECTION_REUSE_OPTIONS and no TLS set apart. */
  plainReuseKey(): string;
  /**
   * The route of a connection straight to this target (no proxy, no connectTo), shared by every
   * transfer to it: nothing writes to such a route.
   */
  directRoute(): Route;
}

/** The URL schemes the engine transfers (curl -V's Protocols line is made from this). */
export const SUPPORTED_SCHEMES: readonly Target['scheme'][] = ['http', 'https'];

/**
 * libcurl's message for a scheme it will not transfer: one it knows but this build does not
 * speak is disabled, any other is not supported (lib/url.c findprotocol).
 */
export function unsupportedSchemeMessage(scheme: string, inRedirect: boolean): string {
  const what = KNOWN_SCHEMES.has(scheme) ? 'is disabled' : 'not supported';
  return `Protocol "${scheme}" ${what}${inRedirect ? ' (in redirect)' : ''}`;
}

/** A byte string (one char per byte) as the JavaScript string of its UTF-8 text. */
export function fromBytes(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}

export interface TargetFlags {
  /** CURLOPT_PATH_AS_IS. */
  pathAsIs?: boolean;
  /** The URL came from a followed Location (already encoded by the redirect; error texts say so). */
  follow?: boolean;
}

/**
 * Parse the URL as libcurl does (CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME, then the
 * scheme checked against what the engine speaks). Throws TransferError: 3 with "URL rejected:
 * <curl_url_strerror>", 1 for a scheme the engine does not transfer.
 */
export function parseTarget(
  raw: string | undefined,
  portOverride: number | undefined,
  flags: TargetFlags = {},
): Target {
  if (raw === undefined || raw === '') {
    throw new TransferError(CurlCode.URL_MALFORMAT, 'No URL set', { phase: 'setup' });
  }
  let url: CurlUrl;
  try {
    url = parseCurlUrl(utf8Bytes(raw), {
      guessScheme: true,
      nonSupportScheme: true,
      pathAsIs: flags.pathAsIs === true,
      allowSpace: flags.follow === true,
    });
  } catch (e) {
    if (!(e instanceof UrlError)) throw e;
    throw new TransferError(e.curlCode, `URL rejected: ${e.message}`, { phase: 'setup', cause: e });
  }
  const scheme = url.scheme as Target['scheme'];
  if (!SUPPORTED_SCHEMES.includes(scheme)) {
    throw new TransferError(
      CurlCode.UNSUPPORTED_PROTOCOL,
      unsupportedSchemeMessage(url.scheme, flags.follow === true),
      { phase: 'setup' },
    );
  }
  const defaultPort = scheme === 'https' ? 443 : 80;
  const port = portOverride ?? url.port ?? defaultPort;
  const v6 = url.host.charCodeAt(0) === 0x5b;
  const host = v6 ? hostForConnect(url) : asciiHost(url.host);
  const hostHeader = v6 ? url.host : host;
  const authority = port === defaultPort ? hostHeader : `${hostHeader}:${port}`;
  return new ParsedTarget(url, scheme, host, authority, port);
}

class ParsedTarget implements Target {
  readonly path: string;
  readonly pathname: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly hostKey: string;
  private written: string | undefined;
  private plainKey: string | undefined;
  private direct: Route | undefined;
  constructor(
    readonly url: CurlUrl,
    readonly scheme: Target['scheme'],
    readonly host: string,
    readonly authority: string,
    readonly port: number,
  ) {
    this.path = requestTarget(url);
    this.pathname = url.path || '/';
    this.user = url.user === undefined ? undefined : fromBytes(percentDecode(url.user));
    this.password = url.password === undefined ? undefined : fromBytes(percentDecode(url.password));
    this.hostKey = hostKeyOf(this);
  }
  get href(): string {
    this.written ??= fromBytes(urlToString(this.url));
    return this.written;
  }
  // The keys are made once per parsed URL (targets are cached by URL), not per request.
  plainReuseKey(): string {
    this.plainKey ??= reuseKeyOf(this, this.hostKey, {}, undefined);
    return this.plainKey;
  }
  directRoute(): Route {
    this.direct ??= {
      first: this,
      dest: this,
      plan: undefined,
      proxyContext: undefined,
      addresses: undefined,
      eyeballs: undefined,
      socksTarget: undefined,
    };
    return this.direct;
  }
}

/** An IPv6 literal without brackets, its zone id after '%' (the scope for connect). */
function hostForConnect(url: CurlUrl): string {
  const addr = url.host.slice(1, -1);
  return url.zoneId === undefined ? addr : `${addr}%${url.zoneId}`;
}

/**
 * A host name beyond ASCII as punycode (IDNA, where libcurl uses libidn2): node:url's
 * domainToASCII (UTS #46, non-transitional). A name it refuses ends the transfer with 3.
 */
function asciiHost(host: string): string {
  let ascii = true;
  for (let i = 0; i < host.length && ascii; i++) ascii = host.charCodeAt(i) < 0x80;
  if (ascii) return host;
  const name = fromBytes(host);
  const ace = domainToASCII(name);
  if (ace === '') {
    throw new TransferError(CurlCode.URL_MALFORMAT, `Failed to convert ${name} to ACE; invalid name`, {
      phase: 'setup',
    });
  }
  return ace;
}

/**
 * What a redirect changes about the next request (libcurl's state.httpreq, state.referer and
 * Curl_auth_allowed_to_host()).
 */
export interface RequestShape {
  /** A 301/302/303 turned the POST into a GET: no body (a custom method string is kept, as libcurl). */
  postToGet: boolean;
  /** autoReferer's value; wins over CURLOPT_REFERER. */
  referer: string | undefined;
  /**
   * Credentials and the custom Authorization / Cookie headers may go to this host: the first
   * request, a redirect back to the first scheme + host + port, or unrestrictedAuth.
   */
  credentialsAllowed: boolean;
  /** A custom Host header applies (not on a redirect to another host, as libcurl). */
  customHostAllowed: boolean;
  /** A 417 answered Expect: 100-continue: the retry goes without it. */
  disableExpect: boolean;
}

export const FIRST_REQUEST: RequestShape = {
  postToGet: false,
  referer: undefined,
  credentialsAllowed: true,
  customHostAllowed: true,
  disableExpect: false,
};

export function requestMethod(o: EasyOptions, s: RequestShape): string {
  if (o.customRequest !== undefined && o.customRequest !== '') return o.customRequest;
  if (o.nobody) return 'HEAD';
  if (o.httpGet || s.postToGet) return 'GET';
  if (o.upload) return 'PUT';
  if (o.postFields !== undefined || o.post || o.mimePost !== undefined) return 'POST';
  return 'GET';
}

/** The method the response belongs to, for body framing (HEAD has none whatever it says). */
export function responseMethod(o: EasyOptions, method: string): string {
  return o.nobody ? 'HEAD' : method;
}

/** One CURLOPT_HTTPHEADER line as libcurl reads it. */
interface CustomHeader {
  name: string;
  lower: string;
  value: string;
  /** 'Name:' with nothing after it: only removes the internal header of that name. */
  remove: boolean;
}

/**
 * The header list in libcurl's order (lib/http.c, http_add_hd): Host, Authorization, Range,
 * User-Agent, Accept, Accept-Encoding, Referer, Transfer-Encoding, Cookie, then the custom
 * headers as given, then Content-Length, Content-Type and Expect. A custom header of an internal
 * header's name replaces it where the custom headers go (the first custom Host where Host goes);
 * 'Name:' removes it, 'Name;' sends it empty.
 */
export function requestHeaders(
  o: EasyOptions,
  t: Target,
  body: BodySource | undefined,
  s: RequestShape,
  expect100: boolean,
  /** Headers the features add: Authorization (after Host) and Cookie (before the custom ones). */
  extra: HeaderList | undefined = undefined,
): HeaderList {
  const custom = customHeaders(o, s);
  const given = custom.length === 0 ? noneGiven : givenIn(custom);
  const list: HeaderList = [];
  const host = custom.length === 0 ? undefined : custom.find(isHostHeader);
  if (host === undefined) list.push(hostField(t.authority));
  else if (!host.remove) list.push(['Host', host.value]);
  if (extra !== undefined) pushExtra(list, extra, false);
  const range = rangeHeader(o, body, bodyLength(body));
  if (range !== undefined && !given('range')) list.push(range);
  if (o.userAgent !== undefined && !given('user-agent')) list.push(userAgentField(o.userAgent));
  if (!given('accept')) list.push(ACCEPT_ANY);
  const acceptEncoding = acceptEncodingHeader(o.acceptEncoding);
  if (acceptEncoding !== undefined && !given('accept-encoding'))
    list.push(['Accept-Encoding', acceptEncoding]);
  const referer = s.referer ?? o.referer;
  if (referer !== undefined && !given('referer')) list.push(['Referer', referer]);
  const len = body === undefined ? 0 : bodyLength(body);
  if (len < 0 && !given('transfer-encoding')) list.push(['Transfer-Encoding', 'chunked']);
  if (extra !== undefined) pushExtra(list, extra, true);
  if (custom.length !== 0) pushCustom(list, custom);
  if (body !== undefined) bodyFields(list, o, body, len, expect100, given);
  return list;
}

// requestHeaders' loops over the fields some requests add, in functions of their own: it runs
// for every request, and small bytecode is optimized after fewer calls.

/** The features' fields: the Cookie field (`cookie`) or the others. */
function pushExtra(list: HeaderList, extra: HeaderList, cookie: boolean): void {
  for (const h of extra) if ((h[0] === 'Cookie') === cookie) list.push(h);
}

/** The custom headers sent as given (all but Host and those that only remove one). */
function pushCustom(list: HeaderList, custom: readonly CustomHeader[]): void {
  for (const c of custom) if (!c.remove && c.lower !== 'host') list.push([c.name, c.value]);
}

/** The fields of a request with a body: its length (when known), type and Expect. */
function bodyFields(
  list: HeaderList,
  o: EasyOptions,
  body: BodySource,
  len: number,
  expect100: boolean,
  given: (lower: string) => boolean,
): void {
  if (len >= 0 && !given('content-length')) list.push(['Content-Length', String(len)]);
  if (!o.upload && !given('content-type'))
    list.push([
      'Content-Type',
      body.kind === 'read' && body.mime !== undefined
        ? body.mime.contentType
        : 'application/x-www-form-urlencoded',
    ]);
  if (expect100 && !given('expect')) list.push(['Expect', '100-continue']);
}

/*
 * The fields most requests send the same from one request to the next: the same pair each time,
 * not a new one per request (the last Host and User-Agent made are kept). Nothing writes to a
 * request's header pairs: the HTTP/1 writer and the HTTP/2 field list only read them. These pairs
 * are frozen, and only these: the HTTP/1 session keeps the last head it encoded only when all of
 * its fields are such pairs (sharedPair), so a head that carried credentials or a cookie is
 * never kept after its request.
 */
const ACCEPT_ANY = sharedPairOf('Accept', '*/*');
let lastHost = sharedPairOf('Host', '');
let lastUserAgent = sharedPairOf('User-Agent', '');

function hostField(authority: string): [string, string] {
  if (lastHost[1] !== authority) lastHost = sharedPairOf('Host', authority);
  return lastHost;
}

function userAgentField(userAgent: string): [string, string] {
  if (lastUserAgent[1] !== userAgent) lastUserAgent = sharedPairOf('User-Agent', userAgent);
  return lastUserAgent;
}

const NO_CUSTOM_HEADERS: readonly CustomHeader[] = [];
const noneGiven = (_lower: string): boolean => false;
const isHostHeader = (c: CustomHeader): boolean => c.lower === 'host';

/** Whether a custom header of that (lower-case) name was given. */
function givenIn(custom: readonly CustomHeader[]): (lower: string) => boolean {
  return (lower) => custom.some((c) => c.lower === lower);
}

/** CURLOPT_HTTPHEADER's lines that apply to this request, parsed. */
function customHeaders(o: EasyOptions, s: RequestShape): readonly CustomHeader[] {
  if (o.httpHeader === undefined || o.httpHeader.length === 0) return NO_CUSTOM_HEADERS;
  const custom: CustomHeader[] = [];
  for (const line of o.httpHeader) {
    if (!s.credentialsAllowed && isSensitiveHeader(line)) continue;
    if (!s.customHostAllowed && headerNameIs(line, 'host')) continue;
    const c = parseCustomHeader(line);
    if (c !== undefined) custom.push(c);
  }
  return custom;
}

/** Custom headers libcurl keeps from other hosts on a redirect (http.c, Curl_add_custom_headers). */
function isSensitiveHeader(line: string): boolean {
  return headerNameIs(line, 'authorization') || headerNameIs(line, 'cookie');
}

function headerNameIs(line: string, lower: string): boolean {
  if (line.length <= lower.length) return false;
  const c = line.charCodeAt(lower.length);
  return (c === 0x3a || c === 0x3b || c === 0x20) && line.slice(0, lower.length).toLowerCase() === lower;
}

/** 'Name: value', 'Name:' (remove) or 'Name;' (empty); anything else is not a header (ignored). */
function parseCustomHeader(line: string): CustomHeader | undefined {
  const colon = line.indexOf(':');
  if (colon < 0) {
    const semi = line.indexOf(';');
    if (semi <= 0 || line.slice(semi + 1).trim() !== '') return undefined;
    const name = line.slice(0, semi).trim();
    return { name, lower: name.toLowerCase(), value: '', remove: false };
  }
  if (colon === 0) return undefined;
  const name = line.slice(0, colon).trim();
  const value = line.slice(colon + 1).trim();
  return { name, lower: name.toLowerCase(), value, remove: value === '' };
}

export function requestVersion(o: EasyOptions): 10 | 11 {
  return o.httpVersion === HttpVersion.V1_0 ? 10 : 11;
}

/** Parse CURLOPT_RESOLVE entries for host:port; undefined when none applies. */
export function resolveOverride(
  entries: readonly string[] | undefined,
  host: string,
  port: number,
): Array<{ address: string; family: 4 | 6 }> | undefined {
  if (entries === undefined) return undefined;
  let found: Array<{ address: string; family: 4 | 6 }> | undefined;
  for (const raw of entries) {
    let e = raw.trim();
    const remove = e.startsWith('-');
    if (remove || e.startsWith('+')) e = e.slice(1);
    const parts = splitResolve(e);
    if (parts === undefined) continue;
    const [h, p, addrs] = parts;
    if ((h.toLowerCase() !== host.toLowerCase() && h !== '*') || (p !== port && p !== 0)) continue;
    if (remove) {
      found = undefined;
      continue;
    }
    found = addrs.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 }));
  }
  return found;
}
