// The proxy part of a connection's filter chain, bottom to top: the socket to the first hop ->
// SOCKS (to the HTTP proxy, or to the origin) -> [TLS to an HTTPS proxy] -> CONNECT tunnel to the
// origin. The origin's TLS (for https) stacks on what this returns, so it runs inside the tunnel.
import { CurlCode } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import { HttpTunnelFilter, type TunnelHooks } from '../filters/http-tunnel.js';
import { SocksFilter } from '../filters/socks.js';
import type { Filter } from '../filters/types.js';
import type { AuthState } from '../multi/features/auth.js';
import type { ProxyPlan } from '../multi/features/proxy/setup.js';
import type { DebugInfoType, EasyOptions } from '../multi/options.js';
import { connectAuthority, latin1Decode } from '../proto/h1/index.js';
import type { HeaderList, ResponseHead } from '../proto/h1/types.js';

/** What the chain needs from its transfer (callbacks and per-transfer state). */
export interface ProxyChainContext {
  o: EasyOptions;
  /** The proxy's authentication state (407, Proxy-Authenticate). */
  proxyAuth: AuthState;
  /** CURLINFO_HTTP_CONNECTCODE and CURLINFO_PROXYAUTH_AVAIL. */
  report: { connectCode: number; proxyAuthAvail: number };
  /** The header callback, for the CONNECT response's lines (unless suppressConnectHeaders). */
  header(line: string): void;
  debug(type: DebugInfoType, data: string | Uint8Array): void;
  /** The "Connected to" line, said again once a SOCKS handshake is done (undefined: not verbose). */
  connected: (() => void) | undefined;
  /** Wraps a connection to the HTTPS proxy in TLS (undefined: no HTTPS-proxy support). */
  proxyTls: ((below: Filter) => Filter) | undefined;
}

/**
 * Stacks the proxy filters on `openFirstHop()` (a new socket to plan.first each call: a 407 whose
 * connection closed asks for another). `socksTarget`: the address SOCKS4 / SOCKS5 (local
 * resolution) connect to, resolved by the caller; the name otherwise.
 */
export function buildProxyChain(
  plan: ProxyPlan,
  origin: { host: string; port: number },
  openFirstHop: () => Filter,
  ctx: ProxyChainContext,
  socksTarget: () => string | undefined,
): Filter {
  const open = (): Filter => {
    let f = openFirstHop();
    const { socks, http } = plan;
    if (socks !== undefined) {
      const to = http ?? origin;
      f = new SocksFilter(
        f,
        () => ({
          version: socks.kind as 'socks4' | 'socks4a' | 'socks5' | 'socks5h',
          host: http !== undefined ? http.host : (socksTarget() ?? origin.host),
          port: to.port,
          user: socks.user,
          password: socks.password,
          name: to.host,
          toHttpProxy: http !== undefined,
        }),
        (line) => ctx.debug('text', `${line}\n`),
        ctx.connected,
      );
    }
    if (http?.kind === 'https') {
      if (ctx.proxyTls === undefined) {
        throw new TransferError(
          CurlCode.NOT_BUILT_IN,
          `Unsupported proxy 'https://${http.host}:${http.port}', libcurl is built without the HTTPS-proxy support.`,
          { phase: 'proxy' },
        );
      }
      f = ctx.proxyTls(f);
    }
    return f;
  };
  const below = open();
  if (!plan.tunnel) return below;
  return new HttpTunnelFilter(
    below,
    origin.host,
    origin.port,
    plan.http!.http10,
    tunnelHooks(plan, origin, ctx, open),
  );
}

function tunnelHooks(
  plan: ProxyPlan,
  origin: { host: string; port: number },
  ctx: ProxyChainContext,
  reopen: () => Filter,
): TunnelHooks {
  const http = plan.http!;
  const creds = http.user === undefined ? undefined : { user: http.user, password: http.password ?? '' };
  const authority = connectAuthority(origin.host, origin.port);
  ctx.proxyAuth.start(ctx.o);
  return {
    requestHeaders(): HeaderList {
      const h: HeaderList = [];
      const auth = ctx.proxyAuth.header(ctx.o, creds, 'CONNECT', authority);
      if (auth !== undefined) h.push(['Proxy-Authorization', auth]);
      const custom = ctx.o.proxyHeader ?? [];
      const hasCustom = (n: string): boolean => custom.some((l) => l.toLowerCase().startsWith(`${n}:`));
      if (ctx.o.userAgent !== undefined && !hasCustom('user-agent')) h.push(['User-Agent', ctx.o.userAgent]);
      if (!hasCustom('proxy-connection')) h.push(['Proxy-Connection', 'Keep-Alive']);
      for (const line of custom) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const value = line.slice(colon + 1).trim();
        if (value !== '') h.push([line.slice(0, colon), value]);
      }
      return h;
    },
    onRequest(bytes: Uint8Array): void {
      ctx.debug('text', `Establish HTTP proxy tunnel to ${authority}\n`);
      ctx.debug('header-out', latin1Decode(bytes));
    },
    onHead(head: ResponseHead): boolean {
      if (!head.interim) ctx.report.connectCode = head.status;
      // The header callback shows the lines (and the debug callback sees them there); with
      // suppressConnectHeaders only the debug callback does.
      for (const line of head.rawLines) {
        if (ctx.o.suppressConnectHeaders === true) ctx.debug('header-in', line);
        else ctx.header(line);
      }
      if (head.status >= 200 && head.status < 300) {
        ctx.debug('text', `CONNECT tunnel established, response ${head.status}\n`);
      }
      if (head.interim || head.status !== 407) return false;
      const again = ctx.proxyAuth.onResponse(ctx.o, 407, head.headers, creds !== undefined) === 'retry';
      ctx.report.proxyAuthAvail = ctx.proxyAuth.avail;
      return again;
    },
    reopen,
  };
}
