// CURLINFO_* in camelCase. Times in seconds like curl's -w; the *T variants in microseconds
// (CURLINFO_*_TIME_T).
import type { Transfer } from './transfer.js';

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
  /** The result of the last run (CurlCode), 0 while running or never run. */
  result: number;
  private: unknown;
}

const emptyTimes = { start: 0, end: 0 };

export function transferInfo(t: Transfer | undefined, now: number, privateData: unknown): EasyInfo {
  const start = t?.tStart ?? emptyTimes.start;
  const end = t === undefined ? 0 : t.state === 'msgsent' || t.state === 'completed' ? t.tEnd : now;
  const since = (at: number) => (at > 0 && start > 0 ? Math.max(0, at - start) : at > 0 ? at - start : 0);
  const total = t === undefined || start === 0 ? 0 : Math.max(0, end - start);
  const sec = (ms: number) => ms / 1000;
  const us = (ms: number) => Math.round(ms * 1000);
  const nl = t === undefined ? 0 : since(t.tNamelookup);
  const ct = t === undefined ? 0 : since(t.tConnect);
  const ac = t === undefined || t.tAppconnect === 0 ? 0 : since(t.tAppconnect);
  const pt = t === undefined ? 0 : since(t.tPretransfer);
  const st = t === undefined ? 0 : since(t.tStarttransfer);
  const totalS = sec(total);
  const down = t?.sizeDownload ?? 0;
  const up = t?.sizeUpload ?? 0;
  return {
    responseCode: t?.status ?? 0,
    httpVersion: t?.httpVersion ?? 0,
    effectiveUrl: t?.target?.url.href ?? t?.o.url ?? '',
    effectiveMethod: t?.method ?? 'GET',
    scheme: t?.target?.scheme.toUpperCase() ?? '',
    contentType: t?.contentType ?? null,
    namelookupTime: sec(nl),
    connectTime: sec(ct),
    appconnectTime: sec(ac),
    pretransferTime: sec(pt),
    starttransferTime: sec(st),
    totalTime: totalS,
    redirectTime: 0,
    namelookupTimeT: us(nl),
    connectTimeT: us(ct),
    appconnectTimeT: us(ac),
    pretransferTimeT: us(pt),
    starttransferTimeT: us(st),
    totalTimeT: us(total),
    redirectTimeT: 0,
    sizeDownload: down,
    sizeUpload: up,
    speedDownload: total > 0 ? Math.round(down / totalS) : 0,
    speedUpload: total > 0 ? Math.round(up / totalS) : 0,
    headerSize: t?.headerSize ?? 0,
    requestSize: t?.requestSize ?? 0,
    contentLengthDownload: t?.contentLength ?? -1,
    contentLengthUpload: -1,
    numConnects: t?.numConnects ?? 0,
    redirectCount: 0,
    redirectUrl: null,
    primaryIp: t?.primaryIp ?? '',
    primaryPort: t?.primaryPort ?? 0,
    localIp: t?.localIp ?? '',
    localPort: t?.localPort ?? 0,
    result: t?.result ?? 0,
    private: privateData,
  };
}
