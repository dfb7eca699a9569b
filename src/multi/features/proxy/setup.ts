// A transfer's proxy plan, decided when it starts (libcurl's url.c create_conn_helper_init_proxy):
// which SOCKS proxy and which HTTP(S) proxy, their credentials, whether the origin is reached
// through a CONNECT tunnel (https origins always; http with httpProxyTunnel) or with absolute-form
// requests to the proxy (plain http), where the first socket connects, and the part of the
// connection reuse key that keeps connections of different proxies, credentials and tunnel
// targets apart.
import type { EasyOptions } from '../../options.js';
import { splitUserPwd } from '../auth.js';
import { chooseProxy, type Environment, type ProxyChoice } from './env.js';
import { isSocks, type ProxyTarget, parseProxy } from './parse.js';

export interface ProxyPlan {
  /** The SOCKS proxy (the proxy option when it is one, else preProxy). */
  socks: ProxyTarget | undefined;
  /** The HTTP or HTTPS proxy. */
  http: ProxyTarget | undefined;
  /** CONNECT through `http` to the origin. */
  tunnel: boolean;
  /** Requests go to `http` in absolute-form (plain http, no tunnel). */
  absoluteForm: boolean;
  /** Where the first TCP connection goes. */
  first: ProxyTarget;
  /** Verbose lines about the environment variables read. */
  info: string[];
  /** Proxy identity for the reuse key (proxies, credentials, tunnel). */
  reuseKey: string;
}

/** Proxy credentials: the proxy string's, else proxyUsername / proxyPassword over proxyUserPwd. */
function withCredentials(p: ProxyTarget, o: EasyOptions): ProxyTarget {
  if (p.user !== undefined) return p;
  let user: string | undefined;
  let password: string | undefined;
  if (o.proxyUserPwd !== undefined) [user, password] = splitUserPwd(o.proxyUserPwd);
  if (o.proxyUsername !== undefined) user = o.proxyUsername;
  if (o.proxyPassword !== undefined) {
    password = o.proxyPassword;
    user ??= '';
  }
  return user === undefined ? p : { ...p, user, password };
}

/** Undefined: a direct connection. Throws TransferError for a proxy string curl refuses. */
export function planProxy(
  o: EasyOptions,
  origin: { scheme: string; host: string },
  env: Environment,
): ProxyPlan | undefined {
  const host = origin.host.includes(':') ? `[${origin.host}]` : origin.host;
  const choice = chooseProxy(o, origin.scheme, host, env);
  if (choice.proxy === undefined && choice.preProxy === undefined) return undefined;
  return planGivenProxy(o, origin.scheme, choice);
}

/** planProxy's plan once a proxy is chosen (apart: the common direct connection stays small bytecode). */
function planGivenProxy(o: EasyOptions, scheme: string, choice: ProxyChoice): ProxyPlan {
  const defaults = { proxyType: o.proxyType, proxyPort: o.proxyPort };
  let socks: ProxyTarget | undefined;
  let http: ProxyTarget | undefined;
  if (choice.proxy !== undefined) {
    const p = withCredentials(parseProxy(choice.proxy, defaults), o);
    if (isSocks(p.kind)) socks = p;
    else http = p;
  }
  if (choice.preProxy !== undefined) {
    // libcurl parses the pre-proxy last: a SOCKS pre-proxy wins over a SOCKS proxy option.
    const pre = parseProxy(choice.preProxy, { proxyType: undefined, proxyPort: undefined });
    if (isSocks(pre.kind)) socks = pre;
    else if (http === undefined) http = pre;
  }
  const tunnel = http !== undefined && (scheme === 'https' || o.httpProxyTunnel === true);
  const absoluteForm = http !== undefined && !tunnel;
  const first = (socks ?? http)!;
  return {
    socks,
    http,
    tunnel,
    absoluteForm,
    first,
    info: choice.info,
    reuseKey: `|px:${id(socks)}|${id(http)}|${tunnel ? 'tunnel' : ''}`,
  };
}

/** A proxy's part of the reuse key: kind, credentials, host, port, HTTP/1.0. */
function id(p: ProxyTarget | undefined): string {
  return p === undefined
    ? ''
    : `${p.kind}://${p.user ?? ''}:${p.password ?? ''}@${p.host}:${p.port}${p.http10 ? '/1.0' : ''}`;
}
