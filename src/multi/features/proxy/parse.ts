// A proxy string as libcurl reads it (lib/url.c parse_proxy): '[scheme://][user[:password]@]host[:port][/...]'.
// No scheme: `proxyType` decides (HTTP by default). Port: the string's, else `proxyPort`, else
// 443 for an HTTPS proxy and 1080 for the others (curl's CURL_DEFAULT_PROXY_PORT). Credentials in
// the string win over proxyUserPwd / proxyUsername / proxyPassword.
import { CurlCode } from '../../../core/codes.js';
import { TransferError } from '../../../core/errors.js';

/** CURLPROXY_* numbers (CURLOPT_PROXYTYPE). */
export const ProxyType = {
  HTTP: 0,
  HTTP_1_0: 1,
  HTTPS: 2,
  HTTPS2: 3,
  SOCKS4: 4,
  SOCKS5: 5,
  SOCKS4A: 6,
  SOCKS5_HOSTNAME: 7,
} as const;
export type ProxyType = (typeof ProxyType)[keyof typeof ProxyType];

export type ProxyKind = 'http' | 'https' | 'socks4' | 'socks4a' | 'socks5' | 'socks5h';

/** Read-only: parsed targets are shared by every transfer using the same proxy string. */
export interface ProxyTarget {
  readonly kind: ProxyKind;
  /** HTTP/1.0 to the proxy (CURLPROXY_HTTP_1_0): CONNECT and requests say HTTP/1.0. */
  readonly http10: boolean;
  /** Host name or IP literal (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
}

/**
 * Parsed proxy strings by string and defaults. An application uses one proxy or a few, and a
 * transfer through a proxy parsed its string each time (regular expressions, slices, a URI
 * decode: 2-3% of a tunnelled request's CPU). Failures are not kept: they throw every time.
 */
const parsedProxies = new Map<string, ProxyTarget>();
/** Strings kept at most (cleared all at once when full: a bound, not an LRU). */
const PARSED_PROXIES_MAX = 256;

const SCHEMES: Record<string, ProxyKind> = {
  http: 'http',
  https: 'https',
  socks: 'socks4',
  socks4: 'socks4',
  socks4a: 'socks4a',
  socks5: 'socks5',
  socks5h: 'socks5h',
};

function kindOfType(t: number): ProxyKind {
  switch (t) {
    case ProxyType.HTTPS:
    case ProxyType.HTTPS2:
      return 'https';
    case ProxyType.SOCKS4:
      return 'socks4';
    case ProxyType.SOCKS4A:
      return 'socks4a';
    case ProxyType.SOCKS5:
      return 'socks5';
    case ProxyType.SOCKS5_HOSTNAME:
      return 'socks5h';
    default:
      return 'http';
  }
}

export function isSocks(kind: ProxyKind): boolean {
  return kind !== 'http' && kind !== 'https';
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Parse `proxy` (the option or a variable's value). Throws TransferError: COULDNT_CONNECT (7) for a
 * scheme curl does not know, as curl does, COULDNT_RESOLVE_PROXY (5) for one without a host.
 */
export function parseProxy(
  proxy: string,
  defaults: { proxyType?: number | undefined; proxyPort?: number | undefined },
): ProxyTarget {
  const key = `${defaults.proxyType ?? ''}|${defaults.proxyPort ?? ''}|${proxy}`;
  let p = parsedProxies.get(key);
  if (p === undefined) {
    p = parse(proxy, defaults);
    if (parsedProxies.size >= PARSED_PROXIES_MAX) parsedProxies.clear();
    parsedProxies.set(key, p);
  }
  return p;
}

function parse(
  proxy: string,
  defaults: { proxyType?: number | undefined; proxyPort?: number | undefined },
): ProxyTarget {
  let rest = proxy.trim();
  let kind = kindOfType(defaults.proxyType ?? ProxyType.HTTP);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (m !== null) {
    const known = SCHEMES[m[1]!.toLowerCase()];
    if (known === undefined) {
      throw new TransferError(CurlCode.COULDNT_CONNECT, `Unsupported proxy scheme for "${proxy}"`, {
        phase: 'proxy',
      });
    }
    kind = known;
    rest = rest.slice(m[0].length);
  }
  const slash = rest.search(/[/?#]/);
  if (slash !== -1) rest = rest.slice(0, slash);
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const cred = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = cred.indexOf(':');
    user = decode(colon === -1 ? cred : cred.slice(0, colon));
    password = colon === -1 ? undefined : decode(cred.slice(colon + 1));
  }
  let host = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end === -1) throw malformed(proxy);
    host = rest.slice(1, end);
    const after = rest.slice(end + 1);
    if (after.startsWith(':')) portText = after.slice(1);
    else if (after !== '') throw malformed(proxy);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon !== -1) {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
  }
  if (host === '') {
    throw new TransferError(CurlCode.COULDNT_RESOLVE_PROXY, `Could not resolve proxy: ${proxy}`, {
      phase: 'proxy',
    });
  }
  let port: number;
  if (portText !== undefined && portText !== '') {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw malformed(proxy);
    port = Number(portText);
  } else {
    port = defaults.proxyPort || (kind === 'https' ? 443 : 1080);
  }
  const http10 = defaults.proxyType === ProxyType.HTTP_1_0 && kind === 'http';
  return { kind, http10, host: host.toLowerCase(), port, user, password };
}

function malformed(proxy: string): TransferError {
  return new TransferError(CurlCode.COULDNT_RESOLVE_PROXY, `Unsupported proxy syntax in '${proxy}'`, {
    phase: 'proxy',
  });
}
