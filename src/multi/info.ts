// CURLINFO_* in camelCase. Times in seconds like curl's -w; the *T variants in microseconds
// (CURLINFO_*_TIME_T).
import { CurlCode } from '../core/codes.js';
import { EasyError } from '../core/errors.js';
import { NO_REDIRECTS } from './features/redirect.js';
import { certInfoOf } from './features/tls.js';
import { Time } from './timers.js';
import type { PhaseTimes, Transfer } from './transfer.js';

export interface EasyInfo {
  responseCode: number;
  /** CURL_HTTP_VERSION_* of the response: 1 (1.0), 2 (1.1), 3 (2); 0 before any response. */
  httpVersion: number;
  effectiveUrl: string;
  effectiveMethod: string;
  scheme: string;
  contentType: string | null;
  namelookupTime: number;
  connectTime: number;
  appconnectTime: number;
  pretransferTime: number;
  starttransferTime: number;
  totalTime: number;
  redirectTime: number;
  namelookupTimeT: number;
  connectTimeT: number;
  appconnectTimeT: number;
  pretransferTimeT: number;
  starttransferTimeT: number;
  totalTimeT: number;
  redirectTimeT: number;
  sizeDownload: number;
  sizeUpload: number;
  speedDownload: number;
  speedUpload: number;
  headerSize: number;
  requestSize: number;
  /** -1 when unknown. */
  contentLengthDownload: number;
  contentLengthUpload: number;
  numConnects: number;
  redirectCount: number;
  redirectUrl: string | null;
  primaryIp: string;
  primaryPort: number;
  localIp: string;
  localPort: number;
  /** CURLINFO_RETRY_AFTER: seconds the last response's Retry-After asked for (0 none). */
  retryAfter: number;
  /** CURLINFO_FILETIME: Last-Modified in seconds since the epoch with the filetime option, else -1. */
  filetime: number;
  /** CURLINFO_HTTP_CONNECTCODE: the last answer of an HTTP proxy to CONNECT (0: none). */
  httpConnectCode: number;
  /** CURLINFO_PROXYAUTH_AVAIL: HttpAuth bits the last 407 offered. */
  proxyAuthAvail: number;
  /** CURLINFO_PROXY_ERROR: the ProxyCode (CURLproxycode) of a failed SOCKS handshake (0: none). */
  proxyError: number;
  /** CURLINFO_USED_PROXY: 1 when the transfer went through a proxy. */
  usedProxy: number;
  /** CURLINFO_CONDITION_UNMET (no timeCondition yet: 0). */
  conditionUnmet: number;
  /** CURLINFO_OS_ERRNO: the system error number of a failed connect (0 otherwise). */
  osErrno: number;
  /** CURLINFO_XFER_ID: this transfer's id (-1 before any run). */
  xferId: number;
  /** CURLINFO_CONN_ID: id of the last connection used (-1 before any); equal ids mean a reused connection. */
  connId: number;
  /** CURLINFO_QUEUE_TIME_T: microseconds spent waiting for a connection slot (maxHostConnections, ...). */
  queueTimeT: number;
  /**
   * When the transfer started, in ms of the transport's clock (process.uptime() in ms on Node, virtual
   * ms in the simulator): a tscurl addition that places transfers on one time axis (renderTimeline).
   */
  startTime: number;
  /** CURLINFO_HTTPAUTH_AVAIL: HttpAuth bits the last 401 offered. */
  httpAuthAvail: number;
  /** CURLINFO_HTTPAUTH_USED: the HttpAuth method of the last Authorization sent (0: none). */
  httpAuthUsed: number;
  /** The result of the last run (CurlCode), 0 while running or never run. */
  result: number;
  /** CURLINFO_SSL_VERIFYRESULT: OpenSSL's certificate verify result (0 = ok; https only). */
  sslVerifyResult: number;
  /** CURLINFO_PROXY_SSL_VERIFYRESULT: the same for the HTTPS proxy's certificate (0 = ok or no HTTPS proxy). */
  proxySslVerifyResult: number;
  /**
   * CURLINFO_CERTINFO: the server's chain, leaf first; each certificate as libcurl's "Name:value"
   * entries (Subject, Issuer, Serial Number, Start date, Expire date, Cert in PEM). Empty unless
   * the certInfo option (CURLOPT_CERTINFO) is on. As in libcurl, an http:// origin reached through
   * an HTTPS proxy gets the proxy's chain (the last TLS handshake of the connection fills it).
   */
  certInfo: string[][];
  private: unknown;
}

/** The phase times before the current request when it is the first (no redirect or retry yet). */
const NO_TIMES: PhaseTimes = { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0 };

export function transferInfo(t: Transfer | undefined, now: number, privateData: unknown): EasyInfo {
  return t === undefined
    ? { ...NO_TRANSFER, certInfo: [], private: privateData }
    : infoOf(t, now, privateData);
}

/** What `infoField` returns for a field that reads the clock (`timedField` computes those). */
export const NEEDS_CLOCK: unique symbol = Symbol('needs the clock');

/**
 * One field of the info without the whole object (libcurl's one-field curl_easy_getinfo), for the
 * fields an application reads per completion; NEEDS_CLOCK for those that depend on the time now.
 * Throws UNKNOWN_OPTION, as libcurl's getinfo, for a name that is no field.
 */
export function infoField(t: Transfer | undefined, field: keyof EasyInfo, privateData: unknown): unknown {
  if (field === 'private') return privateData;
  if (t === undefined) {
    if (field === 'certInfo') return [];
    if (Object.hasOwn(NO_TRANSFER, field)) return NO_TRANSFER[field as keyof typeof NO_TRANSFER];
  } else {
    switch (field) {
      case 'responseCode':
        return t.status;
      case 'httpVersion':
        return t.httpVersion;
      case 'effectiveUrl':
        return effectiveUrl(t);
      case 'effectiveMethod':
        return t.req.method;
      case 'contentType':
        return t.contentType;
      case 'sizeDownload':
        return t.sizeDownload;
      case 'sizeUpload':
        return t.sizeUpload;
      case 'headerSize':
        return t.headerSize;
      case 'requestSize':
        return t.requestSize;
      case 'contentLengthDownload':
        return t.contentLength;
      case 'numConnects':
        return t.numConnects;
      case 'redirectCount':
        return (t.rare.redirectState ?? NO_REDIRECTS).count;
      case 'primaryIp':
        return t.primaryIp;
      case 'primaryPort':
        return t.primaryPort;
      case 'xferId':
        return t.id;
      case 'connId':
        return t.connId;
      case 'result':
        return t.result;
    }
    if (Object.hasOwn(NO_TRANSFER, field) || field === 'certInfo') return NEEDS_CLOCK;
  }
  throw new EasyError(CurlCode.UNKNOWN_OPTION, `Unknown info '${String(field)}'`);
}

/** A field infoField left to the clock: the total time directly, any other from the whole info. */
export function timedField(t: Transfer, field: keyof EasyInfo, now: number): unknown {
  if (field !== 'totalTime' && field !== 'totalTimeT') return infoOf(t, now, undefined)[field];
  const total = since(endOf(t, now), t.deadlines[Time.START]!);
  return field === 'totalTime' ? total / 1000 : us(total);
}

/** The end of the transfer's time: its end once it ended (finished or removed), else now. */
function endOf(t: Transfer, now: number): number {
  const end = t.deadlines[Time.END]!;
  return Number.isNaN(end) ? now : end;
}

/** CURLINFO_EFFECTIVE_URL: the last request's URL, or the one set before any request. */
function effectiveUrl(t: Transfer): string {
  const target = t.target;
  return target !== undefined ? target.href : t.url !== '' ? t.url : (t.o.url ?? '');
}

/** Milliseconds from `single` (the current request's start) to `at`; 0 when either was not reached. */
function since(at: number, single: number): number {
  // NaN marks a moment not reached (a virtual clock may start at 0): the difference is NaN then,
  // and NaN > 0 is false.
  const ms = at - single;
  // biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 0) is NaN; a moment not reached must read 0
  return ms > 0 ? ms : 0;
}

/** Milliseconds as CURLINFO's microseconds (the *_T fields). */
function us(ms: number): number {
  return Math.round(ms * 1000);
}

/**
 * The info of a transfer, in straight-line code: an application calls getInfo() at least once per
 * transfer, and every branch here is compiled (an optional chain per field made it one of the
 * costliest functions of a short run to optimize).
 */
function infoOf(t: Transfer, now: number, privateData: unknown): EasyInfo {
  // The phase times and the rare fields read from their tables once (not a getter per field).
  const d = t.deadlines;
  const r = t.rare;
  const start = d[Time.START]!;
  const end = endOf(t, now);
  // Each phase time is the sum over the requests of a redirect chain, each counted from that
  // request's start (libcurl's Curl_pgrsTime adds to the same counter).
  const single = d[Time.START_SINGLE]!;
  const total = since(end, start);
  const b = r.timesBefore ?? NO_TIMES;
  const nl = b.namelookup + since(d[Time.NAMELOOKUP]!, single);
  const ct = b.connect + since(d[Time.CONNECT]!, single);
  const ac = b.appconnect + since(d[Time.APPCONNECT]!, single);
  const pt = b.pretransfer + since(d[Time.PRETRANSFER]!, single);
  const st = b.starttransfer + since(d[Time.STARTTRANSFER]!, single);
  const redirects = r.redirectState ?? NO_REDIRECTS;
  const rt = redirects.timeMs;
  const totalS = total / 1000;
  const down = t.sizeDownload;
  const up = t.sizeUpload;
  const target = t.target;
  const error = r.error;
  const tls = t.tls;
  const pxTls = r.proxyTls;
  const auth = r.authState;
  const queued = d[Time.QUEUED]!;
  return {
    responseCode: t.status,
    httpVersion: t.httpVersion,
    effectiveUrl: effectiveUrl(t),
    effectiveMethod: t.req.method,
    scheme: target === undefined ? '' : upperScheme(target.scheme),
    contentType: t.contentType,
    namelookupTime: nl / 1000,
    connectTime: ct / 1000,
    appconnectTime: ac / 1000,
    pretransferTime: pt / 1000,
    starttransferTime: st / 1000,
    totalTime: totalS,
    redirectTime: rt / 1000,
    namelookupTimeT: us(nl),
    connectTimeT: us(ct),
    appconnectTimeT: us(ac),
    pretransferTimeT: us(pt),
    starttransferTimeT: us(st),
    totalTimeT: us(total),
    redirectTimeT: us(rt),
    sizeDownload: down,
    sizeUpload: up,
    speedDownload: total > 0 ? Math.round(down / totalS) : 0,
    speedUpload: total > 0 ? Math.round(up / totalS) : 0,
    headerSize: t.headerSize,
    requestSize: t.requestSize,
    contentLengthDownload: t.contentLength,
    contentLengthUpload: t.uploadSize,
    numConnects: t.numConnects,
    redirectCount: redirects.count,
    redirectUrl: redirects.wouldRedirect,
    primaryIp: t.primaryIp,
    primaryPort: t.primaryPort,
    localIp: t.localIp,
    localPort: t.localPort,
    retryAfter: r.retryAfter,
    filetime: r.fileTime,
    httpConnectCode: r.connectCode,
    proxyAuthAvail: r.proxyAuthAvail,
    proxyError: r.proxyCode,
    usedProxy: t.route?.plan === undefined ? 0 : 1,
    conditionUnmet: 0,
    osErrno: error === undefined ? 0 : osErrno(error),
    xferId: t.id,
    connId: t.connId,
    queueTimeT: us(r.queueMs + since(now, queued)),
    startTime: Number.isNaN(start) ? 0 : start,
    httpAuthAvail: auth?.avail ?? 0,
    httpAuthUsed: auth?.used ?? 0,
    result: t.result,
    sslVerifyResult:
      tls !== undefined ? tls.verifyResult : error === undefined ? 0 : causeNumber(error, 'verifyResult'),
    proxySslVerifyResult:
      pxTls !== undefined
        ? pxTls.verifyResult
        : error === undefined
          ? 0
          : causeNumber(error, 'proxyVerifyResult'),
    certInfo: t.o.certInfo !== true ? [] : certInfoOf(tls ?? pxTls),
    private: privateData,
  };
}

/** CURLINFO_SCHEME's upper case, without a new string for the usual two. */
function upperScheme(scheme: string): string {
  return scheme === 'http' ? 'HTTP' : scheme === 'https' ? 'HTTPS' : scheme.toUpperCase();
}

/** A handle that never ran: every field at its "unknown" value. */
const NO_TRANSFER: Readonly<Omit<EasyInfo, 'certInfo' | 'private'>> = {
  responseCode: 0,
  httpVersion: 0,
  effectiveUrl: '',
  effectiveMethod: 'GET',
  scheme: '',
  contentType: null,
  namelookupTime: 0,
  connectTime: 0,
  appconnectTime: 0,
  pretransferTime: 0,
  starttransferTime: 0,
  totalTime: 0,
  redirectTime: 0,
  namelookupTimeT: 0,
  connectTimeT: 0,
  appconnectTimeT: 0,
  pretransferTimeT: 0,
  starttransferTimeT: 0,
  totalTimeT: 0,
  redirectTimeT: 0,
  sizeDownload: 0,
  sizeUpload: 0,
  speedDownload: 0,
  speedUpload: 0,
  headerSize: 0,
  requestSize: 0,
  contentLengthDownload: -1,
  contentLengthUpload: -1,
  numConnects: 0,
  redirectCount: 0,
  redirectUrl: null,
  primaryIp: '',
  primaryPort: 0,
  localIp: '',
  localPort: 0,
  retryAfter: 0,
  filetime: -1,
  httpConnectCode: 0,
  proxyAuthAvail: 0,
  proxyError: 0,
  usedProxy: 0,
  conditionUnmet: 0,
  osErrno: 0,
  xferId: -1,
  connId: -1,
  queueTimeT: 0,
  startTime: 0,
  httpAuthAvail: 0,
  httpAuthUsed: 0,
  result: 0,
  sslVerifyResult: 0,
  proxySslVerifyResult: 0,
};

/** The errno of the transport error behind a failure (Node's are negative: libcurl's are not). */
function osErrno(e: Error | undefined): number {
  return Math.abs(causeNumber(e, 'errno'));
}

/** A number `key` of an error or one of its causes (0 when none has it). */
function causeNumber(e: Error | undefined, key: 'errno' | 'verifyResult' | 'proxyVerifyResult'): number {
  let c: unknown = e;
  for (let i = 0; i < 4 && c !== undefined && c !== null; i++) {
    const n = (c as Record<string, unknown>)[key];
    if (typeof n === 'number') return n;
    c = (c as { cause?: unknown }).cause;
  }
  return 0;
}
