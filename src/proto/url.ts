// URLs as libcurl's URL API (lib/urlapi.c, curl_url_set / curl_url_get) takes them: the scheme
// guessed from the host name when there is none, one to three slashes after a scheme, credentials
// up to the first '@', IPv4 numbers in any base normalised to a dotted quad, IPv6 literals
// normalised with their zone id apart, percent-decoded host names checked for curl's bad
// characters, ports 0-65535, dot-segments removed (unless path-as-is), and relative references
// (a redirect's Location) resolved the way curl resolves them, spaces and bytes beyond ASCII
// percent-encoded.
//
// Strings here are byte strings: one char per byte (0-255), as libcurl's char *. Callers turn a
// JavaScript string with characters beyond ASCII into its UTF-8 bytes first (`utf8Bytes`).
// Nothing from Node: the host stays as decoded bytes; turning a non-ASCII name into punycode is
// the engine's job (libcurl does it at connect time too, with libidn2).
import { CurlCode } from '../core/codes.js';
import { isDigit } from './h1/syntax.js';
import { formatIPv6, parseIPv6 } from './ip.js';
import { utf8Encode } from './utf8.js';

/** CURLUcode numbers. */
export const UrlCode = {
  OK: 0,
  MALFORMED_INPUT: 3,
  BAD_PORT_NUMBER: 4,
  UNSUPPORTED_SCHEME: 5,
  NO_HOST: 14,
  BAD_FILE_URL: 19,
  BAD_HOSTNAME: 21,
  BAD_IPV6: 22,
  BAD_LOGIN: 23,
  BAD_SCHEME: 27,
  BAD_SLASHES: 28,
} as const;
export type UrlCode = (typeof UrlCode)[keyof typeof UrlCode];

const STRERROR: Record<number, string> = {
  0: 'No error',
  3: 'Malformed input to a URL function',
  4: 'Port number was not a decimal number between 0 and 65535',
  5: 'Unsupported URL scheme',
  14: 'No host part in the URL',
  19: 'Bad file:// URL',
  21: 'Bad hostname',
  22: 'Bad IPv6 address',
  23: 'Bad login part',
  27: 'Bad scheme',
  28: 'Unsupported number of slashes following scheme',
};

/** curl_url_strerror(). */
export function urlStrerror(code: UrlCode): string {
  return STRERROR[code] ?? 'CURLUcode unknown';
}

/** A URL the parser refused: the CURLUcode, and the CurlCode a transfer ends with (Curl_uc_to_curlcode). */
export class UrlError extends Error {
  override readonly name = 'UrlError';
  readonly code: UrlCode;
  readonly curlCode: CurlCode;
  constructor(code: UrlCode) {
    super(urlStrerror(code));
    this.code = code;
    this.curlCode =
      code === UrlCode.UNSUPPORTED_SCHEME ? CurlCode.UNSUPPORTED_PROTOCOL : CurlCode.URL_MALFORMAT;
  }
}

/** CURL_MAX_INPUT_LENGTH: no URL (or part) longer than this is parsed. */
export const MAX_URL_LENGTH = 8_000_000;
/** MAX_SCHEME_LEN in urlapi.c. */
const MAX_SCHEME_LENGTH = 40;

/**
 * The schemes libcurl knows, with their default ports (its scheme table). Which of them a build
 * transfers is another matter: the engine says which ones it speaks.
 */
export const KNOWN_SCHEMES: ReadonlyMap<string, number> = new Map([
  ['dict', 2628],
  ['file', 0],
  ['ftp', 21],
  ['ftps', 990],
  ['gopher', 70],
  ['gophers', 70],
  ['http', 80],
  ['https', 443],
  ['imap', 143],
  ['imaps', 993],
  ['ldap', 389],
  ['ldaps', 636],
  ['mqtt', 1883],
  ['pop3', 110],
  ['pop3s', 995],
  ['rtmp', 1935],
  ['rtmpe', 1935],
  ['rtmps', 443],
  ['rtmpt', 80],
  ['rtmpte', 80],
  ['rtmpts', 443],
  ['rtsp', 554],
  ['scp', 22],
  ['sftp', 22],
  ['smb', 445],
  ['smbs', 445],
  ['smtp', 25],
  ['smtps', 465],
  ['telnet', 23],
  ['tftp', 69],
  ['ws', 80],
  ['wss', 443],
]);

export interface UrlFlags {
  /** CURLU_GUESS_SCHEME: no scheme is http (or ftp, dict, ldap, imap, smtp, pop3 by the host's first label). */
  guessScheme?: boolean;
  /** CURLU_NON_SUPPORT_SCHEME: any syntactically fine scheme parses. */
  nonSupportScheme?: boolean;
  /** CURLU_URLENCODE: spaces and bytes beyond ASCII percent-encoded in path, query and fragment. */
  urlEncode?: boolean;
  /** CURLU_ALLOW_SPACE. */
  allowSpace?: boolean;
  /** CURLU_PATH_AS_IS: no dot-segment removal. */
  pathAsIs?: boolean;
}

/** A parsed URL (struct Curl_URL): every part as stored, still percent-encoded except the host. */
export interface CurlUrl {
  /** Lower case. */
  scheme: string;
  guessedScheme: boolean;
  user: string | undefined;
  password: string | undefined;
  /** Decoded; an IPv4 address as a dotted quad, an IPv6 one in brackets (without its zone id). */
  host: string;
  zoneId: string | undefined;
  /** The port as given (leading zeros dropped), undefined when the URL has none. */
  port: number | undefined;
  /** '' when the URL has no path beyond '/'. */
  path: string;
  /** undefined: no '?'; '' for a '?' with nothing after it. */
  query: string | undefined;
  /** undefined: no '#' or nothing after it. */
  fragment: string | undefined;
}

const C_SLASH = 0x2f;

/**
 * Curl_is_absolute_url: the scheme's length when `url` starts with one ('' when not). Guessing,
 * the colon must be followed by a slash ('host:80' is a host and a port).
 */
export function schemeLength(url: string, guess: boolean): number {
  const c0 = url.charCodeAt(0);
  if (!isAlpha(c0)) return 0;
  let i = 1;
  for (; i < MAX_SCHEME_LENGTH; i++) {
    const c = url.charCodeAt(i);
    if (!(isAlnum(c) || c === 0x2b || c === 0x2d || c === 0x2e)) break;
  }
  if (url.charCodeAt(i) === 0x3a && (!guess || url.charCodeAt(i + 1) === C_SLASH)) return i;
  return 0;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** junkscan(): control bytes never, spaces only when allowed, nothing over the length limit. */
function junkscan(url: string, flags: UrlFlags): void {
  if (url.length > MAX_URL_LENGTH) throw new UrlError(UrlCode.MALFORMED_INPUT);
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw new UrlError(UrlCode.MALFORMED_INPUT);
    if (c === 0x20 && flags.allowSpace !== true) throw new UrlError(UrlCode.MALFORMED_INPUT);
  }
}

/** curl_url_set(CURLUPART_URL) on an empty handle. Throws UrlError. */
export function parseCurlUrl(url: string, flags: UrlFlags = {}): CurlUrl {
  junkscan(url, flags);
  if (url === '') throw new UrlError(UrlCode.MALFORMED_INPUT);
  const schemeLen = schemeLength(url, flags.guessScheme === true);
  const u: CurlUrl = {
    scheme: '',
    guessedScheme: false,
    user: undefined,
    password: undefined,
    host: '',
    zoneId: undefined,
    port: undefined,
    path: '',
    query: undefined,
    fragment: undefined,
  };
  let rest: string;
  const scheme = url.slice(0, schemeLen).toLowerCase();
  if (scheme === 'file') {
    rest = fileUrlPath(url);
    u.scheme = 'file';
  } else {
    let hostStart: number;
    if (schemeLen > 0) {
      let slashes = 0;
      let p = schemeLen + 1;
      while (url.charCodeAt(p) === C_SLASH && slashes < 4) {
        p++;
        slashes++;
      }
      if (!KNOWN_SCHEMES.has(scheme) && flags.nonSupportScheme !== true)
        throw new UrlError(UrlCode.UNSUPPORTED_SCHEME);
      if (slashes < 1 || slashes > 3) throw new UrlError(UrlCode.BAD_SLASHES);
      u.scheme = scheme;
      hostStart = p;
    } else {
      if (flags.guessScheme !== true) throw new UrlError(UrlCode.BAD_SCHEME);
      hostStart = 0;
    }
    let hostEnd = hostStart;
    while (hostEnd < url.length) {
      const c = url.charCodeAt(hostEnd);
      if (c === C_SLASH || c === 0x3f || c === 0x23) break;
      hostEnd++;
    }
    if (hostEnd === hostStart) throw new UrlError(UrlCode.NO_HOST);
    parseAuthority(u, url.slice(hostStart, hostEnd), schemeLen > 0);
    if (schemeLen === 0) {
      u.scheme = guessScheme(u.host);
      u.guessedScheme = true;
    }
    rest = url.slice(hostEnd);
  }
  splitPathQueryFragment(u, rest, flags);
  return u;
}

/** The legacy guess from the host name's first label. */
function guessScheme(host: string): string {
  const h = host.slice(0, 5).toLowerCase();
  if (h.startsWith('ftp.')) return 'ftp';
  if (h === 'dict.') return 'dict';
  if (h === 'ldap.') return 'ldap';
  if (h === 'imap.') return 'imap';
  if (h === 'smtp.') return 'smtp';
  if (h === 'pop3.') return 'pop3';
  return 'http';
}

/** A file: URL's path (no host but an empty one, localhost or 127.0.0.1). */
function fileUrlPath(url: string): string {
  if (url.length <= 6) throw new UrlError(UrlCode.BAD_FILE_URL);
  let path = url.slice(5);
  if (path.startsWith('//')) {
    const after = path.slice(2);
    if (after.startsWith('/')) path = after;
    else if (/^(localhost|127\.0\.0\.1)\//i.test(after)) path = after.slice(9);
    else throw new UrlError(UrlCode.BAD_FILE_URL);
  }
  if (/^\/?[A-Za-z][:|]([/\\]|$)/.test(path)) throw new UrlError(UrlCode.BAD_FILE_URL);
  if (!path.startsWith('/')) throw new UrlError(UrlCode.BAD_FILE_URL);
  return path;
}

/** parse_authority(): login, port, then the host (decoded, checked, normalised). */
function parseAuthority(u: CurlUrl, auth: string, hasScheme: boolean): void {
  let host = auth;
  const at = auth.indexOf('@');
  if (at >= 0) {
    // Curl_parse_login_details without options (http has no PROTOPT_URLOPTIONS): the password
    // is everything after the first ':', ';' included.
    const login = auth.slice(0, at);
    const colon = login.indexOf(':');
    u.user = colon < 0 ? login : login.slice(0, colon);
    u.password = colon < 0 ? undefined : login.slice(colon + 1);
    host = auth.slice(at + 1);
  }
  host = parsePort(u, host, hasScheme);
  if (host === '') throw new UrlError(UrlCode.NO_HOST);
  host = decodeHost(host);
  if (host.charCodeAt(0) === 0x5b) {
    parseIPv6Host(u, host);
    return;
  }
  const v4 = ipv4Normalize(host);
  if (v4 !== undefined) {
    u.host = v4;
    return;
  }
  checkHostname(host);
  u.host = host;
}

/** Curl_parse_port(): cuts ':port' off the host and stores the port. */
function parsePort(u: CurlUrl, host: string, hasScheme: boolean): string {
  let colon: number;
  if (host.charCodeAt(0) === 0x5b) {
    const close = host.indexOf(']');
    if (close < 0) throw new UrlError(UrlCode.BAD_IPV6);
    if (close + 1 === host.length) return host;
    if (host.charCodeAt(close + 1) !== 0x3a) throw new UrlError(UrlCode.BAD_PORT_NUMBER);
    colon = close + 1;
  } else {
    colon = host.indexOf(':');
    if (colon < 0) return host;
  }
  const text = host.slice(colon + 1);
  // An empty port after a scheme is the default one (as browsers); without a scheme it makes
  // "name:" no URL.
  if (text === '') {
    if (!hasScheme) throw new UrlError(UrlCode.BAD_PORT_NUMBER);
    return host.slice(0, colon);
  }
  let port = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) throw new UrlError(UrlCode.BAD_PORT_NUMBER);
    port = port * 10 + (c - 0x30);
    if (port > 0xffff) throw new UrlError(UrlCode.BAD_PORT_NUMBER);
  }
  u.port = port;
  return host.slice(0, colon);
}

/** urldecode_host() with REJECT_CTRL: a decoded control byte is a bad host name. */
function decodeHost(host: string): string {
  if (!host.includes('%')) return host;
  const out = percentDecode(host);
  for (let i = 0; i < out.length; i++) {
    if (out.charCodeAt(i) < 0x20) throw new UrlError(UrlCode.BAD_HOSTNAME);
  }
  return out;
}

/** Curl_urldecode: '%' and two hex digits become that byte; any other '%' stays. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += s[i];
  }
  return out;
}

/** ipv6_parse(): '[addr]' or '[addr%zone]', normalised as curl's inet_ntop prints it. */
function parseIPv6Host(u: CurlUrl, host: string): void {
  if (host.length < 4 || !host.endsWith(']')) throw new UrlError(UrlCode.BAD_IPV6);
  const inner = host.slice(1, -1);
  let end = 0;
  while (end < inner.length && /[0-9a-fA-F:.]/.test(inner[end]!)) end++;
  if (end < inner.length) {
    if (inner[end] !== '%') throw new UrlError(UrlCode.BAD_IPV6);
    let zone = inner.slice(end + 1);
    // '%25' is an encoded '%' (RFC 6874); a bare '%' is taken too.
    if (zone.startsWith('25') && zone.length > 2) zone = zone.slice(2);
    if (zone === '' || zone.length > 15) throw new UrlError(UrlCode.BAD_IPV6);
    u.zoneId = zone;
  }
  const bytes = parseIPv6(inner.slice(0, end));
  if (bytes === undefined) throw new UrlError(UrlCode.BAD_IPV6);
  u.host = `[${formatIPv6(bytes, 0, true)}]`; // Curl_inet_ntop's form
}

/**
 * ipv4_normalize(): one to four numbers in C's strtoul base 0 (0x hex, 0 octal, decimal),
 * a.b.c.d / a.b.c (16 bits) / a.b (24 bits) / a (32 bits), one trailing dot allowed. Returns the
 * dotted quad, or undefined when the host is a name.
 */
function ipv4Normalize(host: string): string | undefined {
  const parts: number[] = [];
  let i = 0;
  for (;;) {
    if (!isDigit(host.charCodeAt(i))) return undefined;
    const [value, next] = strtoul0(host, i);
    if (value > 0xffffffff) return undefined;
    parts.push(value);
    i = next;
    if (i === host.length) break;
    if (host.charCodeAt(i) !== 0x2e) return undefined;
    if (i + 1 === host.length) break; // 'a.b.c.d.'
    if (parts.length === 4) return undefined;
    i++;
  }
  const [a, b, c, d] = parts as [number, number?, number?, number?];
  let n: number;
  switch (parts.length) {
    case 1:
      n = a;
      break;
    case 2:
      if (a > 0xff || b! > 0xffffff) return undefined;
      n = a * 0x1000000 + b!;
      break;
    case 3:
      if (a > 0xff || b! > 0xff || c! > 0xffff) return undefined;
      n = a * 0x1000000 + b! * 0x10000 + c!;
      break;
    default:
      if (a > 0xff || b! > 0xff || c! > 0xff || d! > 0xff) return undefined;
      n = a * 0x1000000 + b! * 0x10000 + c! * 0x100 + d!;
  }
  return `${Math.floor(n / 0x1000000)}.${Math.floor(n / 0x10000) & 0xff}.${Math.floor(n / 0x100) & 0xff}.${n & 0xff}`;
}

/** strtoul(s + i, &end, 0) for a string starting with a digit: [value, end]. */
function strtoul0(s: string, i: number): [number, number] {
  let base = 10;
  let j = i;
  if (s.charCodeAt(j) === 0x30) {
    const x = s.charCodeAt(j + 1);
    if ((x === 0x78 || x === 0x58) && isHex(s.charCodeAt(j + 2))) {
      base = 16;
      j += 2;
    } else base = 8;
  }
  let v = 0;
  const start = j;
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    const d = isDigit(c) ? c - 0x30 : isHex(c) ? (c | 0x20) - 0x57 : 99;
    if (d >= base) break;
    v = v * base + d;
    if (v > 0xffffffff) v = 0x100000000; // saturate (strtoul's ERANGE): not an address
  }
  return [v, j === start ? i + 1 : j];
}

/** Bytes a host name may not contain (hostname_check). */
const BAD_HOST = new Uint8Array(128);
for (const c of ' \r\n\t/:#?!@{}[]\\$\'"^`*<>=;,+&()%|') BAD_HOST[c.charCodeAt(0)] = 1;

function checkHostname(host: string): void {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 0x80 && BAD_HOST[c] === 1) throw new UrlError(UrlCode.BAD_HOSTNAME);
  }
  // A name that is only dots, or ends with more than one.
  if (host === '.' || host.endsWith('..')) throw new UrlError(UrlCode.BAD_HOSTNAME);
}

/** Path, query and fragment: split at the first '#' and the first '?' before it. */
function splitPathQueryFragment(u: CurlUrl, rest: string, flags: UrlFlags): void {
  const encode = flags.urlEncode === true;
  let path = rest;
  const hash = path.indexOf('#');
  if (hash >= 0) {
    const frag = path.slice(hash + 1);
    if (frag !== '') u.fragment = encode ? urlEncodeString(frag, false) : frag;
    path = path.slice(0, hash);
  }
  const q = path.indexOf('?');
  if (q >= 0) {
    const query = path.slice(q + 1);
    u.query = encode ? urlEncodeString(query, true) : query;
    path = path.slice(0, q);
  }
  if (encode) path = urlEncodeString(path, false);
  if (path.length <= 1) return;
  u.path = flags.pathAsIs === true ? path : removeDotSegments(path);
  if (u.path === '/') u.path = ''; // the same URL as no path at all
}

/**
 * urlencode_str(): a space is %20 (before a '?') or '+' (in a query), a byte beyond ASCII %XX;
 * everything else, '%' included, stays.
 */
export function urlEncodeString(s: string, query: boolean): string {
  let needs = false;
  for (let i = 0; i < s.length && !needs; i++) {
    const c = s.charCodeAt(i);
    needs = c === 0x20 || c >= 0x80;
  }
  if (!needs) return s;
  let inQuery = query;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) out += inQuery ? '+' : '%20';
    else if (c >= 0x80) out += `%${c.toString(16).toUpperCase()}`;
    else {
      if (c === 0x3f) inQuery = true;
      out += s[i];
    }
  }
  return out;
}

function isDotSegment(seg: string): 0 | 1 | 2 {
  if (seg === '.') return 1;
  if (seg === '..') return 2;
  if (seg.length < 3 || seg.length > 6 || !seg.includes('%')) return 0;
  const s = seg.toLowerCase();
  if (s === '%2e') return 1;
  if (s === '.%2e' || s === '%2e.' || s === '%2e%2e') return 2;
  return 0;
}

/** dedotdotify(): RFC 3986 5.2.4 on a path starting with '/'; '%2e' counts as a dot. */
export function removeDotSegments(path: string): string {
  if (!path.includes('.') && !(path.includes('%2') && /%2e/i.test(path))) return path;
  const segs = path.split('/');
  const out: string[] = [];
  // segs[0] is what comes before the first '/' ('' for an absolute path).
  for (let i = 1; i < segs.length; i++) {
    const kind = isDotSegment(segs[i]!);
    const last = i === segs.length - 1;
    if (kind === 0) out.push(segs[i]!);
    else {
      if (kind === 2) out.pop();
      if (last) out.push('');
    }
  }
  return `${segs[0]}/${out.join('/')}`;
}

/** The host as the URL writes it: an IPv6 zone id comes back as '%25zone'. */
export function hostForUrl(u: CurlUrl): string {
  return u.zoneId === undefined ? u.host : `${u.host.slice(0, -1)}%25${u.zoneId}]`;
}

/** curl_url_get(CURLUPART_URL) without flags: the normalised URL. */
export function urlToString(u: CurlUrl): string {
  if (u.scheme === 'file')
    return `file://${u.path || '/'}${u.fragment !== undefined ? `#${u.fragment}` : ''}`;
  let s = `${u.scheme}://`;
  if (u.user !== undefined || u.password !== undefined) {
    s += `${u.user ?? ''}${u.password !== undefined ? `:${u.password}` : ''}@`;
  }
  s += hostForUrl(u);
  if (u.port !== undefined) s += `:${u.port}`;
  s += u.path || '/';
  if (u.query !== undefined && u.query !== '') s += `?${u.query}`;
  if (u.fragment !== undefined) s += `#${u.fragment}`;
  return s;
}

/**
 * The request target as libcurl builds it (CURLUPART_PATH with CURLU_URLENCODE, then a non-empty
 * CURLUPART_QUERY as it is): bytes beyond ASCII in the path percent-encoded, the query sent as
 * given, never the fragment.
 */
export function requestTarget(u: CurlUrl): string {
  const path = urlEncodeString(u.path || '/', false);
  return u.query !== undefined && u.query !== '' ? `${path}?${u.query}` : path;
}

/**
 * curl_url_set(CURLUPART_URL) on a handle holding `base`: an absolute `ref` replaces it; a
 * relative one ('//host...', '/path', '?query', '#fragment', 'path') is resolved against it
 * (redirect_url()), spaces and bytes beyond ASCII encoded, dot-segments removed (always, as
 * curl does for a relative reference).
 */
export function resolveUrl(base: CurlUrl, ref: string, flags: UrlFlags = {}): CurlUrl {
  if (ref.length > MAX_URL_LENGTH) throw new UrlError(UrlCode.MALFORMED_INPUT);
  if (schemeLength(ref, flags.guessScheme === true) > 0) return parseCurlUrl(ref, flags);
  const relFlags: UrlFlags = { ...flags, pathAsIs: false };
  const origin = urlToString({ ...base, path: '', query: undefined, fragment: undefined }).slice(0, -1);
  if (ref.startsWith('//')) {
    // A new authority: only the scheme is kept, and the authority is not encoded.
    const sep = ref.slice(2).search(/[/?]/);
    const auth = sep < 0 ? ref.slice(2) : ref.slice(2, 2 + sep);
    const tail = sep < 0 ? '' : ref.slice(2 + sep);
    return parseCurlUrl(`${base.scheme}://${auth}${urlEncodeString(tail, false)}`, relFlags);
  }
  const rel = urlEncodeString(ref, false);
  let head: string;
  if (rel.startsWith('/')) head = origin;
  else if (rel.startsWith('#') || rel === '') {
    head = origin + (base.path || '/') + (base.query !== undefined ? `?${base.query}` : '');
  } else if (rel.startsWith('?')) head = origin + (base.path || '/');
  else {
    const path = base.path || '/';
    head = origin + path.slice(0, path.lastIndexOf('/') + 1);
  }
  return parseCurlUrl(head + rel, relFlags);
}

/** A JavaScript string as the byte string of its UTF-8 encoding (ASCII comes back unchanged). */
export function utf8Bytes(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
  if (ascii) return s;
  let out = '';
  for (const b of utf8Encode(s)) out += String.fromCharCode(b);
  return out;
}
