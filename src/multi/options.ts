// Easy options: libcurl's CURLOPT_* names in camelCase, typed, checked at the call.
import { CurlCode } from '../core/codes.js';
import { EasyError } from '../core/errors.js';
import type { PauseReturn, READFUNC_ABORT } from './constants.js';
import { Mime } from './features/mime.js';
import { resolveEntryProblem } from './resolve-entries.js';
import { Share } from './share.js';

type ReadAbortReturn = typeof READFUNC_ABORT;

/** CURL_HTTP_VERSION_* numbers. */
export const HttpVersion = {
  NONE: 0,
  V1_0: 1,
  V1_1: 2,
  V2_0: 3,
  V2TLS: 4,
  V2_PRIOR_KNOWLEDGE: 5,
  V3: 30,
  V3ONLY: 31,
} as const;
export type HttpVersion = (typeof HttpVersion)[keyof typeof HttpVersion];

/** CURL_IPRESOLVE_* numbers. */
export const IpResolve = { WHATEVER: 0, V4: 1, V6: 2 } as const;
export type IpResolve = (typeof IpResolve)[keyof typeof IpResolve];

/** Fills buffer, returns the bytes filled (0 = EOF), PAUSE or READFUNC_ABORT (CURLOPT_READFUNCTION). */
export type ReadFunction = (buffer: Buffer) => number | PauseReturn | ReadAbortReturn;
export type WriteFunction = (chunk: Buffer) => number | PauseReturn | undefined | void;
/** Gets every header line (status line, fields, the empty line) with its CRLF, like libcurl. */
export type HeaderFunction = (line: string) => number | boolean | undefined | void;
/**
 * CURLOPT_SEEKFUNCTION: move the read callback's stream to `offset` (origin 0 = SEEK_SET; the
 * engine only rewinds to 0). Returns SeekFunc.OK, FAIL or CANTSEEK.
 */
export type SeekFunction = (offset: number, origin: number) => number;
/** CURL_SEEKFUNC_* return values. */
export const SeekFunc = { OK: 0, FAIL: 1, CANTSEEK: 2 } as const;
/** Non-zero (or true) aborts the transfer with ABORTED_BY_CALLBACK (42). */
export type XferInfoFunction = (
  dlTotal: number,
  dlNow: number,
  ulTotal: number,
  ulNow: number,
) => number | boolean | undefined | void;
/** Debug output (CURLOPT_DEBUGFUNCTION): type is 'text' | 'header-in' | 'header-out' | 'data-in' | 'data-out'. */
export type DebugFunction = (type: DebugInfoType, data: string | Uint8Array) => void;
export type DebugInfoType = 'text' | 'header-in' | 'header-out' | 'data-in' | 'data-out';

export interface EasyOptions {
  /** CURLOPT_URL. http:// (https:// arrives with TLS). */
  url?: string;
  writeFunction?: WriteFunction;
  /**
   * tscurl's own (default false): true makes a body chunk given to writeFunction (and to
   * debugFunction as 'data-in') valid only during that call, as in libcurl: once the call returned,
   * HTTP/1 (over TCP; over TLS where the socket reads in place) may receive later bytes into the
   * same memory instead of a new buffer per read. Copy what you keep. False: every chunk stays
   * yours.
   */
  reuseReceiveBuffer?: boolean;
  headerFunction?: HeaderFunction;
  xferInfoFunction?: XferInfoFunction;
  /** CURLOPT_NOPROGRESS: xferInfoFunction is only called when this is false (default true, as libcurl). */
  noProgress?: boolean;
  debugFunction?: DebugFunction;
  verbose?: boolean;
  /** CURLOPT_HTTPHEADER: 'Name: value'; 'Name:' removes an internal header; 'Name;' sends it empty. */
  httpHeader?: string[];
  customRequest?: string;
  /** CURLOPT_POSTFIELDS (string or bytes): makes the request a POST. */
  postFields?: string | Uint8Array;
  /** CURLOPT_NOBODY: HEAD request. */
  nobody?: boolean;
  /** CURLOPT_HTTPGET: back to GET. */
  httpGet?: boolean;
  userAgent?: string;
  referer?: string;
  httpVersion?: HttpVersion;
  /** CURLOPT_TIMEOUT_MS: the whole transfer (0 = none). */
  timeoutMs?: number;
  /** CURLOPT_CONNECTTIMEOUT_MS: resolve + connect (default 300 s, like libcurl). */
  connectTimeoutMs?: number;
  /** CURLOPT_RESOLVE: 'host:port:addr[,addr...]' entries; '-host:port' removes one. */
  resolve?: string[];
  ipResolve?: IpResolve;
  /** CURLOPT_PORT: overrides the URL's port. */
  port?: number;
  failOnError?: boolean;
  forbidReuse?: boolean;
  freshConnect?: boolean;
  /** CURLOPT_MAXFILESIZE_LARGE: fail with FILESIZE_EXCEEDED (63) beyond this many body bytes. */
  maxFileSize?: number;
  /** CURLOPT_LOW_SPEED_LIMIT / _TIME: below limit bytes/s for time seconds fails with 28. */
  lowSpeedLimit?: number;
  lowSpeedTime?: number;
  /** CURLOPT_MAX_RECV_SPEED_LARGE: average download bytes/s at most (0 = no limit). */
  maxRecvSpeed?: number;
  /** CURLOPT_MAX_SEND_SPEED_LARGE: average upload bytes/s at most (0 = no limit). */
  maxSendSpeed?: number;
  /** CURLOPT_FILETIME: getInfo().filetime from the response's Last-Modified (-1 without it). */
  filetime?: boolean;
  /** CURLOPT_IGNORE_CONTENT_LENGTH. */
  ignoreContentLength?: boolean;
  /** CURLOPT_PIPEWAIT: wait for a connecting connection to tell whether it multiplexes. */
  pipeWait?: boolean;
  /** CURLOPT_NETRC: Netrc.IGNORED (0, default), OPTIONAL (1: fill in what the URL lacks), REQUIRED (2: ignore the URL's credentials). */
  netrc?: 0 | 1 | 2;
  /** CURLOPT_NETRC_FILE (default $NETRC, else ~/.netrc). */
  netrcFile?: string;
  /** CURLOPT_HTTP_TRANSFER_DECODING (default true): false hands a chunked body over with its framing. */
  httpTransferDecoding?: boolean;
  /** CURLOPT_HTTP_CONTENT_DECODING (default true): false leaves Content-Encoding undone even with acceptEncoding. */
  httpContentDecoding?: boolean;
  /** CURLOPT_PATH_AS_IS: send the URL's path as written (no '/../' or '/./' squashing). */
  pathAsIs?: boolean;
  /** CURLOPT_INTERFACE: local address to bind. */
  interface?: string;
  /** CURLOPT_PRIVATE: anything of the application's. */
  private?: unknown;

  /**
   * CURLOPT_ACCEPT_ENCODING: send Accept-Encoding with this value ('' = every coding supported:
   * deflate, gzip, br, and zstd where Node has it) and decode the response body. Unset: no decoding.
   */
  acceptEncoding?: string;

  // ------------------------------------------------------------------ proxies
  /**
   * CURLOPT_PROXY: '[scheme://][user:password@]host[:port]' with scheme http, https, socks4,
   * socks4a, socks5 or socks5h. Unset: the environment decides (http_proxy, https_proxy,
   * all_proxy, no_proxy...); '' = no proxy, the environment not read.
   */
  proxy?: string;
  /** CURLOPT_PROXYTYPE: ProxyType for a proxy string without a scheme (default HTTP). */
  proxyType?: number;
  /** CURLOPT_PROXYPORT: the proxy's port when its string has none (default 1080; 443 for HTTPS). */
  proxyPort?: number;
  /** CURLOPT_PROXYUSERPWD: 'user:password' for the proxy (the proxy string's credentials win). */
  proxyUserPwd?: string;
  /** CURLOPT_PROXYUSERNAME (overrides proxyUserPwd's user). */
  proxyUsername?: string;
  /** CURLOPT_PROXYPASSWORD (overrides proxyUserPwd's password). */
  proxyPassword?: string;
  /** CURLOPT_PROXYAUTH: HttpAuth bits for the proxy (default BASIC). */
  proxyAuth?: number;
  /** CURLOPT_HTTPPROXYTUNNEL: CONNECT through an HTTP proxy for http:// too. */
  httpProxyTunnel?: boolean;
  /** CURLOPT_NOPROXY: hosts, domains, IPs and CIDR ranges reached directly ('*' = all); replaces no_proxy. */
  noProxy?: string;
  /** CURLOPT_PRE_PROXY: a SOCKS proxy the HTTP(S) proxy is reached through. */
  preProxy?: string;
  /** CURLOPT_PROXYHEADER: 'Name: value' lines sent to the proxy in the CONNECT request. */
  proxyHeader?: string[];
  /** CURLOPT_SUPPRESS_CONNECT_HEADERS: the CONNECT response's head is not passed to the header callback. */
  suppressConnectHeaders?: boolean;
  /** CURLOPT_PROXY_SSL_VERIFYPEER (default true): an HTTPS proxy's chain must lead to a trusted CA. */
  proxySslVerifyPeer?: boolean;
  /** CURLOPT_PROXY_SSL_VERIFYHOST (default 2): the HTTPS proxy's certificate must be for its name. */
  proxySslVerifyHost?: 0 | 1 | 2;
  /** CURLOPT_PROXY_CAINFO: trusted CAs (PEM file) for an HTTPS proxy. */
  proxyCaInfo?: string;
  /** CURLOPT_PROXY_CAPATH: a directory of PEM CA files for an HTTPS proxy. */
  proxyCaPath?: string;
  /** CURLOPT_PROXY_SSLCERT: client certificate for an HTTPS proxy. */
  proxySslCert?: string;
  /** CURLOPT_PROXY_SSLCERTTYPE: 'PEM' (default), 'DER' or 'P12'. */
  proxySslCertType?: 'PEM' | 'DER' | 'P12';
  /** CURLOPT_PROXY_SSLKEY: the client key for an HTTPS proxy. */
  proxySslKey?: string;
  /** CURLOPT_PROXY_SSLKEYTYPE: 'PEM' (default) or 'DER'. */
  proxySslKeyType?: 'PEM' | 'DER';
  /** CURLOPT_PROXY_KEYPASSWD: pass phrase of proxySslKey. */
  proxyKeyPasswd?: string;
  /** CURLOPT_PROXY_PINNEDPUBLICKEY: pinned public keys of an HTTPS proxy. */
  proxyPinnedPublicKey?: string;

  // ---------------------------------------------------------- name resolution
  /** CURLOPT_DNS_CACHE_TIMEOUT: seconds a resolved name is kept (60; 0 = no cache, -1 = forever). */
  dnsCacheTimeout?: number;
  /** CURLOPT_CONNECT_TO: 'host:port:connect-host:connect-port' (empty parts match or keep anything). */
  connectTo?: string[];
  /** CURLOPT_DNS_SERVERS: 'addr[:port],...' asked instead of the system's resolver configuration. */
  dnsServers?: string;
  /** CURLOPT_DNS_INTERFACE: the interface DNS queries go out of (with dnsServers' resolver). */
  dnsInterface?: string;
  /** CURLOPT_DNS_LOCAL_IP4: local IPv4 address DNS queries are sent from. */
  dnsLocalIp4?: string;
  /** CURLOPT_DNS_LOCAL_IP6: local IPv6 address DNS queries are sent from. */
  dnsLocalIp6?: string;
  /** CURLOPT_DOH_URL: resolve names with DNS-over-HTTPS at this URL (RFC 8484, POST). */
  dohUrl?: string;
  /** CURLOPT_DOH_SSL_VERIFYPEER (default true). */
  dohSslVerifyPeer?: boolean;
  /** CURLOPT_DOH_SSL_VERIFYHOST (default 2). */
  dohSslVerifyHost?: 0 | 1 | 2;
  /**
   * CURLOPT_DOH_SSL_VERIFYSTATUS: check the DoH server's stapled OCSP answer. The TLS layer has no
   * certificate status check, so `true` is refused with NOT_BUILT_IN (4), as libcurl refuses it on a
   * TLS backend without one; `false` (the default) is accepted.
   */
  dohSslVerifyStatus?: boolean;
  /** CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS: head start of IPv6 before IPv4 is tried too (200). */
  happyEyeballsTimeoutMs?: number;

  // -------------------------------------------------------------------- uploads
  /**
   * CURLOPT_READFUNCTION: fill `buffer` with upload bytes and return how many; 0 = end of the body,
   * PAUSE pauses sending, READFUNC_ABORT aborts (42).
   */
  readFunction?: ReadFunction;
  /**
   * CURLOPT_SEEKFUNCTION: lets a request whose body came from readFunction be sent again (a 307 /
   * 308 redirect, a 417 retry, a retry on a dead reused connection). Without it such a retry
   * fails with SEND_FAIL_REWIND (65), as libcurl.
   */
  seekFunction?: SeekFunction;
  /** CURLOPT_UPLOAD: send the read callback's bytes as a PUT. */
  upload?: boolean;
  /** CURLOPT_INFILESIZE_LARGE: size of the upload (-1 / unset: unknown, sent chunked). */
  inFileSize?: number;
  /** CURLOPT_POST: a POST whose body comes from readFunction (or postFields). */
  post?: boolean;
  /** CURLOPT_POSTFIELDSIZE_LARGE: size of the POST body (-1 / unset: postFields' length, or chunked). */
  postFieldSize?: number;
  /**
   * CURLOPT_MIMEPOST: a multipart/form-data POST (curl -F) built with `new Mime().addPart(...)`;
   * streamed, Content-Length when every part's size is known, chunked otherwise. `upload` wins
   * over it, it wins over postFields.
   */
  mimePost?: Mime;
  /** CURLOPT_EXPECT_100_TIMEOUT_MS: how long to wait for 100 Continue before sending anyway (1000). */
  expect100TimeoutMs?: number;

  // ------------------------------------------------------------- authentication
  /** CURLOPT_USERPWD: 'user:password' (the first colon splits). Overrides the URL's user:pass. */
  userPwd?: string;
  /** CURLOPT_USERNAME (overrides userPwd's user). */
  username?: string;
  /** CURLOPT_PASSWORD (overrides userPwd's password). */
  password?: string;
  /** CURLOPT_HTTPAUTH: HttpAuth bits (default BASIC); several = ask first, pick from the 401. */
  httpAuth?: number;
  /** CURLOPT_XOAUTH2_BEARER: the token sent as Authorization: Bearer with httpAuth BEARER. */
  xoauth2Bearer?: string;

  // -------------------------------------------------------------------- cookies
  /** CURLOPT_COOKIE: 'name=value; name2=value2' sent as Cookie (after the jar's cookies), to every host. */
  cookie?: string;
  /** CURLOPT_COOKIEFILE: a Netscape cookie file read when the transfer starts; '' = engine on, no file. */
  cookieFile?: string;
  /**
   * CURLOPT_COOKIEJAR: where the handle's cookies are written (Netscape format). libcurl writes at
   * curl_easy_cleanup; there is no cleanup here: it is written each time a transfer completes.
   */
  cookieJar?: string;
  /** CURLOPT_COOKIELIST commands applied in order when the transfer starts: ALL, SESS, FLUSH, RELOAD, or a cookie line. */
  cookieList?: string[];
  /** CURLOPT_COOKIESESSION: start without the session cookies (of the file or earlier transfers). */
  cookieSession?: boolean;

  /**
   * CURLOPT_SHARE: a Share whose cookies, DNS cache and idle connections this handle uses, with
   * every other handle (of any Multi) that has it. Unset: the handle's own again (its cookies
   * start empty, as libcurl's).
   */
  share?: Share;

  // ------------------------------------------------------------------ ranges
  /** CURLOPT_RANGE: 'first-last' byte ranges ('0-499', '500-', '-200', '0-1,5-9'): Range: bytes=... */
  range?: string;
  /**
   * CURLOPT_RESUME_FROM_LARGE: a GET asks for the bytes from this offset on (33 when the server
   * does not do ranges); an upload skips that many bytes of its body and says Content-Range.
   */
  resumeFrom?: number;

  // ------------------------------------------------------------------ redirects
  /** CURLOPT_FOLLOWLOCATION: follow a 3xx response's Location (the body of a followed response is skipped). */
  followLocation?: boolean;
  /** CURLOPT_MAXREDIRS: redirects followed at most (default 30 as libcurl 8.3+; -1 = unlimited). Past it: 47. */
  maxRedirs?: number;
  /** CURLOPT_POSTREDIR: PostRedir bits; keep POST on 301 / 302 / 303 instead of switching to GET. */
  postRedir?: number;
  /** CURLOPT_UNRESTRICTED_AUTH: send credentials (and custom Authorization / Cookie headers) to other hosts on redirects. */
  unrestrictedAuth?: boolean;
  /** CURLOPT_AUTOREFERER: on a redirect, send the previous URL (no credentials, no fragment) as Referer. */
  autoReferer?: boolean;

  // ------------------------------------------------------------------------ TLS
  /** CURLOPT_SSL_VERIFYPEER (default true): the server's chain must lead to a trusted CA. */
  sslVerifyPeer?: boolean;
  /** CURLOPT_SSL_VERIFYHOST (default 2): 2 (or 1) checks the certificate is for the host, 0 does not. */
  sslVerifyHost?: 0 | 1 | 2;
  /** CURLOPT_CAINFO: a PEM file of trusted CAs, used instead of the default store. */
  caInfo?: string;
  /** CURLOPT_CAPATH: a directory of PEM CA files, used instead of the default store. */
  caPath?: string;
  /** CURLOPT_CAINFO_BLOB: trusted CAs as PEM text or bytes. */
  caInfoBlob?: string | Uint8Array;
  /** CURLOPT_SSLCERT: the client certificate file (PEM, or PKCS#12 with sslCertType 'P12'). */
  sslCert?: string;
  /** CURLOPT_SSLCERTTYPE: 'PEM' (default), 'DER' or 'P12'. */
  sslCertType?: 'PEM' | 'DER' | 'P12';
  /** CURLOPT_SSLKEY: the client key file (default: in sslCert). */
  sslKey?: string;
  /** CURLOPT_SSLKEYTYPE: 'PEM' (default) or 'DER'. */
  sslKeyType?: 'PEM' | 'DER';
  /** CURLOPT_KEYPASSWD: the pass phrase of the client key (or PKCS#12 bundle). */
  keyPasswd?: string;
  /**
   * CURLOPT_PINNEDPUBLICKEY: 'sha256//<base64>' hashes separated by ';', or a PEM / DER public key
   * file. A server key that matches none fails with SSL_PINNEDPUBKEYNOTMATCH (90).
   */
  pinnedPublicKey?: string;
  /**
   * CURLOPT_SSLVERSION: a minimum SslVersion (TLSv1_2, TLSv1_3, ...) ORed with a maximum
   * (MAX_TLSv1_2, ...). Default: TLS 1.2 to 1.3 (OpenSSL's defaults).
   */
  sslVersion?: number;
  /** CURLOPT_SSL_CIPHER_LIST: OpenSSL cipher list for TLS 1.2 and below. */
  sslCipherList?: string;
  /** CURLOPT_TLS13_CIPHERS: TLS 1.3 cipher suites, ':'-separated. */
  tls13Ciphers?: string;
  /**
   * CURLOPT_SSL_OPTIONS: SslOpt bits (NATIVE_CA adds the operating system's CA store;
   * NO_PARTIALCHAIN makes only a self-signed root end a chain, not an intermediate CA trusted).
   */
  sslOptions?: number;
  /** CURLOPT_SSL_SESSIONID_CACHE (default true): resume TLS sessions with hosts seen before. */
  sslSessionIdCache?: boolean;
  /** CURLOPT_SSL_ENABLE_ALPN (default true): offer the HTTP versions by ALPN. */
  sslEnableAlpn?: boolean;
  /**
   * CURLOPT_CERTINFO (default false): getInfo().certInfo holds the server's certificate chain
   * (CURLINFO_CERTINFO); without it certInfo is empty, as in libcurl.
   */
  certInfo?: boolean;
}

/** CURL_SSLVERSION_* for sslVersion: a minimum ORed with a MAX_* maximum. */
export const SslVersion = {
  DEFAULT: 0,
  TLSv1: 1,
  TLSv1_0: 4,
  TLSv1_1: 5,
  TLSv1_2: 6,
  TLSv1_3: 7,
  MAX_DEFAULT: 1 << 16,
  MAX_TLSv1_0: 4 << 16,
  MAX_TLSv1_1: 5 << 16,
  MAX_TLSv1_2: 6 << 16,
  MAX_TLSv1_3: 7 << 16,
} as const;

/** CURLSSLOPT_* bits for sslOptions. */
export const SslOpt = {
  ALLOW_BEAST: 1,
  NO_REVOKE: 2,
  NO_PARTIALCHAIN: 4,
  REVOKE_BEST_EFFORT: 8,
  NATIVE_CA: 16,
  AUTO_CLIENT_CERT: 32,
} as const;

/** CURL_REDIR_POST_* bits for postRedir (curl --post301 / --post302 / --post303). */
export const PostRedir = { POST_301: 1, POST_302: 2, POST_303: 4, POST_ALL: 7 } as const;

type Kind =
  | 'string'
  | 'number'
  | 'long'
  | 'boolean'
  | 'function'
  | 'stringArray'
  | 'body'
  | 'mime'
  | 'share'
  | 'any';

const schema: Record<keyof EasyOptions, Kind> = {
  url: 'string',
  writeFunction: 'function',
  reuseReceiveBuffer: 'boolean',
  headerFunction: 'function',
  xferInfoFunction: 'function',
  noProgress: 'boolean',
  debugFunction: 'function',
  verbose: 'boolean',
  httpHeader: 'stringArray',
  customRequest: 'string',
  postFields: 'body',
  nobody: 'boolean',
  httpGet: 'boolean',
  userAgent: 'string',
  referer: 'string',
  httpVersion: 'number',
  timeoutMs: 'number',
  connectTimeoutMs: 'number',
  resolve: 'stringArray',
  ipResolve: 'number',
  port: 'number',
  failOnError: 'boolean',
  forbidReuse: 'boolean',
  freshConnect: 'boolean',
  maxFileSize: 'number',
  lowSpeedLimit: 'number',
  lowSpeedTime: 'number',
  maxRecvSpeed: 'number',
  maxSendSpeed: 'number',
  ignoreContentLength: 'boolean',
  filetime: 'boolean',
  pipeWait: 'boolean',
  netrc: 'number',
  netrcFile: 'string',
  httpTransferDecoding: 'boolean',
  httpContentDecoding: 'boolean',
  pathAsIs: 'boolean',
  interface: 'string',
  private: 'any',
  acceptEncoding: 'string',
  proxy: 'string',
  proxyType: 'number',
  proxyPort: 'number',
  proxyUserPwd: 'string',
  proxyUsername: 'string',
  proxyPassword: 'string',
  proxyAuth: 'number',
  httpProxyTunnel: 'boolean',
  noProxy: 'string',
  preProxy: 'string',
  proxyHeader: 'stringArray',
  suppressConnectHeaders: 'boolean',
  proxySslVerifyPeer: 'boolean',
  proxySslVerifyHost: 'number',
  proxyCaInfo: 'string',
  proxyCaPath: 'string',
  proxySslCert: 'string',
  proxySslCertType: 'string',
  proxySslKey: 'string',
  proxySslKeyType: 'string',
  proxyKeyPasswd: 'string',
  proxyPinnedPublicKey: 'string',
  dnsCacheTimeout: 'long',
  connectTo: 'stringArray',
  dnsServers: 'string',
  dnsInterface: 'string',
  dnsLocalIp4: 'string',
  dnsLocalIp6: 'string',
  dohUrl: 'string',
  dohSslVerifyPeer: 'boolean',
  dohSslVerifyHost: 'number',
  dohSslVerifyStatus: 'boolean',
  happyEyeballsTimeoutMs: 'number',
  readFunction: 'function',
  seekFunction: 'function',
  upload: 'boolean',
  inFileSize: 'long',
  post: 'boolean',
  postFieldSize: 'long',
  expect100TimeoutMs: 'number',
  mimePost: 'mime',
  share: 'share',
  userPwd: 'string',
  username: 'string',
  password: 'string',
  httpAuth: 'number',
  xoauth2Bearer: 'string',
  cookie: 'string',
  cookieFile: 'string',
  cookieJar: 'string',
  cookieList: 'stringArray',
  cookieSession: 'boolean',
  range: 'string',
  resumeFrom: 'long',
  followLocation: 'boolean',
  maxRedirs: 'long',
  postRedir: 'number',
  unrestrictedAuth: 'boolean',
  autoReferer: 'boolean',
  sslVerifyPeer: 'boolean',
  sslVerifyHost: 'number',
  caInfo: 'string',
  caPath: 'string',
  caInfoBlob: 'body',
  sslCert: 'string',
  sslCertType: 'string',
  sslKey: 'string',
  sslKeyType: 'string',
  keyPasswd: 'string',
  pinnedPublicKey: 'string',
  sslVersion: 'number',
  sslCipherList: 'string',
  tls13Ciphers: 'string',
  sslOptions: 'number',
  sslSessionIdCache: 'boolean',
  sslEnableAlpn: 'boolean',
  certInfo: 'boolean',
};

function kindOk(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= 0;
    case 'long':
      return typeof v === 'number' && Number.isInteger(v) && v >= -1;
    case 'boolean':
      return typeof v === 'boolean';
    case 'function':
      return typeof v === 'function';
    case 'stringArray':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'body':
      return typeof v === 'string' || v instanceof Uint8Array;
    case 'mime':
      return v instanceof Mime;
    case 'share':
      return v instanceof Share;
    case 'any':
      return true;
  }
}

/**
 * The schema by name as a Map: an object indexed by a name held in a variable is a megamorphic
 * keyed load (V8's stub cache) for each option of each new Easy.
 */
const kinds = new Map<string, Kind>(Object.entries(schema));

const httpVersions = new Set<number>(Object.values(HttpVersion));

/**
 * Check options at the call: unknown names give UNKNOWN_OPTION (48), ill-typed values
 * BAD_FUNCTION_ARGUMENT (43). `undefined` resets an option to its default.
 */
export function validateOptions(opts: object): void {
  for (const name in opts) {
    if (!Object.hasOwn(opts, name)) continue;
    const value = (opts as Record<string, unknown>)[name];
    const kind = kinds.get(name);
    if (kind === undefined) throw new EasyError(CurlCode.UNKNOWN_OPTION, `Unknown option '${name}'`);
    if (value === undefined) continue;
    if (!kindOk(kind, value)) throw wrongKind(name, kind, value);
  }
  const o = opts as EasyOptions;
  if (o.httpVersion !== undefined && !httpVersions.has(o.httpVersion))
    throw badValue('httpVersion', `unknown value ${o.httpVersion}`);
  if (o.netrc !== undefined && o.netrc !== 0 && o.netrc !== 1 && o.netrc !== 2)
    throw badValue('netrc', `unknown value ${o.netrc}`);
  if (o.ipResolve !== undefined && o.ipResolve > 2)
    throw badValue('ipResolve', `unknown value ${o.ipResolve}`);
  if (o.postRedir !== undefined && (!Number.isInteger(o.postRedir) || o.postRedir > PostRedir.POST_ALL))
    throw badValue('postRedir', `unknown bits in ${o.postRedir}`);
  validateTlsOptions(o);
  if (o.port !== undefined && (o.port > 65535 || !Number.isInteger(o.port)))
    throw badValue('port', `${o.port} is not a port number`);
  validateProxyOptions(o);
  if (o.resolve !== undefined) validateResolve(o.resolve);
}

/** The error for an option's value of the wrong type. */
function wrongKind(name: string, kind: string, value: unknown): EasyError {
  const expected =
    kind === 'body'
      ? 'a string or bytes'
      : kind === 'mime'
        ? 'a Mime'
        : kind === 'share'
          ? 'a Share'
          : kind === 'stringArray'
            ? 'an array of strings'
            : kind === 'number'
              ? 'a non-negative finite number'
              : kind === 'long'
                ? 'an integer >= -1'
                : `a ${kind}`;
  return new EasyError(
    CurlCode.BAD_FUNCTION_ARGUMENT,
    `Option '${name}' expects ${expected}, got ${describe(value)}`,
  );
}

function validateResolve(entries: readonly string[]): void {
  for (const entry of entries) {
    const problem = resolveEntryProblem(entry);
    if (problem !== undefined) {
      throw new EasyError(
        CurlCode.SETOPT_OPTION_SYNTAX,
        `Couldn't parse CURLOPT_RESOLVE entry '${entry}': ${problem}`,
      );
    }
  }
}

const proxyTypes = new Set<number>([0, 1, 2, 3, 4, 5, 6, 7]);

function badValue(name: string, why: string): EasyError {
  return new EasyError(CurlCode.BAD_FUNCTION_ARGUMENT, `Option '${name}': ${why}`);
}

/** The proxy and name resolution options' values (libcurl refuses them at setopt with 43). */
function validateProxyOptions(o: EasyOptions): void {
  if (o.proxyType !== undefined && !proxyTypes.has(o.proxyType))
    throw badValue('proxyType', `unknown value ${o.proxyType}`);
  if (o.proxyPort !== undefined && (o.proxyPort > 65535 || !Number.isInteger(o.proxyPort))) {
    throw badValue('proxyPort', `${o.proxyPort} is not a port number`);
  }
  // Each option by its name (a load by a name in a variable misses V8's inline caches).
  checkVerifyHost('proxySslVerifyHost', o.proxySslVerifyHost);
  checkVerifyHost('dohSslVerifyHost', o.dohSslVerifyHost);
  if (o.dohSslVerifyStatus === true) {
    throw new EasyError(
      CurlCode.NOT_BUILT_IN,
      "Option 'dohSslVerifyStatus': certificate status (OCSP) checks are not built in",
    );
  }
  if (o.proxyAuth !== undefined && !Number.isInteger(o.proxyAuth))
    throw badValue('proxyAuth', `bad bits ${o.proxyAuth}`);
  checkFileType('proxySslCertType', o.proxySslCertType, ['PEM', 'DER', 'P12']);
  checkFileType('proxySslKeyType', o.proxySslKeyType, ['PEM', 'DER']);
  for (const entry of o.connectTo ?? []) {
    if (entry.split(':').length < 4 && !entry.includes('[')) {
      throw badValue('connectTo', `'${entry}' is not HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT`);
    }
  }
}

function checkVerifyHost(name: string, v: number | undefined): void {
  if (v !== undefined && v !== 0 && v !== 1 && v !== 2) throw badValue(name, `unknown value ${v}`);
}

function checkFileType(name: string, v: string | undefined, allowed: readonly string[]): void {
  if (v !== undefined && !allowed.includes(v)) throw badValue(name, `unknown type '${v}'`);
}

function bad(name: string, v: unknown): EasyError {
  return new EasyError(CurlCode.BAD_FUNCTION_ARGUMENT, `Option '${name}': unknown value ${String(v)}`);
}

function validateTlsOptions(o: EasyOptions): void {
  if (
    o.sslVerifyHost !== undefined &&
    o.sslVerifyHost !== 0 &&
    o.sslVerifyHost !== 1 &&
    o.sslVerifyHost !== 2
  )
    throw bad('sslVerifyHost', o.sslVerifyHost);
  if (o.sslCertType !== undefined && !['PEM', 'DER', 'P12'].includes(o.sslCertType.toUpperCase()))
    throw bad('sslCertType', o.sslCertType);
  if (o.sslKeyType !== undefined && !['PEM', 'DER'].includes(o.sslKeyType.toUpperCase()))
    throw bad('sslKeyType', o.sslKeyType);
  if (o.sslVersion !== undefined) {
    const min = o.sslVersion & 0xffff;
    const max = o.sslVersion >>> 16;
    // SSLv2 (2) and SSLv3 (3) are gone from OpenSSL, as from libcurl's OpenSSL backend.
    if (
      !Number.isInteger(o.sslVersion) ||
      ![0, 1, 4, 5, 6, 7].includes(min) ||
      ![0, 1, 4, 5, 6, 7].includes(max)
    )
      throw bad('sslVersion', o.sslVersion);
  }
  if (o.sslOptions !== undefined && (!Number.isInteger(o.sslOptions) || o.sslOptions > 63))
    throw bad('sslOptions', o.sslOptions);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 40))}` : `${typeof v} ${String(v)}`;
}

/** The names the schema knows, for tooling (the CLI maps its flags onto these). */
export const optionNames = Object.keys(schema) as Array<keyof EasyOptions>;
