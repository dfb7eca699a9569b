// CURLINFO_* in camelCase. Times in seconds like curl's -w; the *T variants in microseconds
// (CURLINFO_*_TIME_T).
import { certInfoOf } from './features/tls.js';
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
  /**
   * CURLINFO_CERTINFO: the server's chain, leaf first; each certificate as libcurl's "Name:value"
   * entries (Subject, Issuer, Serial Number, Start date, Expire date, Cert in PEM).
   */
  certInfo: string[][];
  private: unknown;
}

/** The phase times before the current request when it is the first (no redirect or retry yet). */
const NO_TIMES: PhaseTimes = { namelookup: 0, connect: 0, appconnect: 0, pretransfer: 0, starttransfer: 0 };

export function transferInfo(t: Transfer | undefined, now: number, privateData: unknown): EasyInfo {
  const start = t?.tStart ?? Number.NaN;
  const end = t === undefined ? 0 : t.state === 'msgsent' || t.state === 'completed' ? t.tEnd : now;
  // Each phase time is the sum over the requests of a redirect chain, each counted from that
  // request's start (libcurl's Curl_pgrsTime adds to the same counter).
  const single = t?.tStartSingle ?? Number.NaN;
  // NaN marks a moment not reached (a virtual clock may start at 0).
  const since = (at: number) => (Number.isNaN(at) || Number.isNaN(single) ? 0 : Math.max(0, at - single));
  const total = t === undefined || Number.isNaN(start) || Number.isNaN(end) ? 0 : Math.max(0, end - start);
  const sec = (ms: number) => ms / 1000;
  const us = (ms: number) => Math.round(ms * 1000);
  const b = t?.timesBefore ?? NO_TIMES;
  const nl = t === undefined ? 0 : b.namelookup + since(t.tNamelookup);
  const ct = t === undefined ? 0 : b.connect + since(t.tConnect);
  const ac = t === undefined ? 0 : b.appconnect + since(t.tAppconnect);
  const pt = t === undefined ? 0 : b.pretransfer + since(t.tPretransfer);
  const st = t === undefined ? 0 : b.starttransfer + since(t.tStarttransfer);
  const rt = t?.redirect.timeMs ?? 0;
  const totalS = sec(total);
  const down = t?.sizeDownload ?? 0;
  const up = t?.sizeUpload ?? 0;
  return {
    responseCode: t?.status ?? 0,
    httpVersion: t?.httpVersion ?? 0,
    effectiveUrl: t === undefined ? '' : (t.target?.href ?? (t.url !== '' ? t.url : (t.o.url ?? ''))),
    effectiveMethod: t?.req.method ?? 'GET',
    scheme: t?.target?.scheme.toUpperCase() ?? '',
    contentType: t?.contentType ?? null,
    namelookupTime: sec(nl),
    connectTime: sec(ct),
    appconnectTime: sec(ac),
    pretransferTime: sec(pt),
    starttransferTime: sec(st),
    totalTime: totalS,
    redirectTime: sec(rt),
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
    headerSize: t?.headerSize ?? 0,
    requestSize: t?.requestSize ?? 0,
    contentLengthDownload: t?.contentLength ?? -1,
    contentLengthUpload: t?.uploadSize ?? -1,
    numConnects: t?.numConnects ?? 0,
    redirectCount: t?.redirect.count ?? 0,
    redirectUrl: t?.redirect.wouldRedirect ?? null,
    primaryIp: t?.primaryIp ?? '',
    primaryPort: t?.primaryPort ?? 0,
    localIp: t?.localIp ?? '',
    localPort: t?.localPort ?? 0,
    retryAfter: t?.retryAfter ?? 0,
    filetime: t?.fileTime ?? -1,
    httpConnectCode: t?.connectCode ?? 0,
    proxyAuthAvail: t?.proxyAuthAvail ?? 0,
    proxyError: t?.proxyCode ?? 0,
    usedProxy: t?.route?.plan === undefined ? 0 : 1,
    conditionUnmet: 0,
    osErrno: osErrno(t?.error),
    xferId: t?.id ?? -1,
    connId: t?.connId ?? -1,
    queueTimeT:
      t === undefined ? 0 : us(t.queueMs + (Number.isNaN(t.tQueued) ? 0 : Math.max(0, now - t.tQueued))),
    startTime: Number.isNaN(start) ? 0 : start,
    httpAuthAvail: t?.auth.avail ?? 0,
    httpAuthUsed: t?.auth.used ?? 0,
    result: t?.result ?? 0,
    sslVerifyResult: t?.tls?.verifyResult ?? causeNumber(t?.error, 'verifyResult'),
    certInfo: certInfoOf(t?.tls),
    private: privateData,
  };
}

/** The errno of the transport error behind a failure (Node's are negative: libcurl's are not). */
function osErrno(e: Error | undefined): number {
  return Math.abs(causeNumber(e, 'errno'));
}

/** A number `key` of an error or one of its causes (0 when none has it). */
function causeNumber(e: Error | undefined, key: 'errno' | 'verifyResult'): number {
  let c: unknown = e;
  for (let i = 0; i < 4 && c !== undefined && c !== null; i++) {
    const n = (c as Record<string, unknown>)[key];
    if (typeof n === 'number') return n;
    c = (c as { cause?: unknown }).cause;
  }
  return 0;
}
