// The connection factory: the keys a connection is found by, the filter chain built for a
// transfer, and the protocol session chosen once the chain is connected.
//
// Chain (bottom to top): socket -> [proxy: happy eyeballs / SOCKS / HTTP tunnel] -> [TLS for
// https]. Each layer is a filter (src/filters/) with pass-through defaults; the hooks below are
// where they stack.
import { HappyEyeballsFilter, type HappyEyeballsOptions } from '../filters/happy-eyeballs.js';
import { TlsFilter, type TlsSettings } from '../filters/tls.js';
import type { Filter } from '../filters/types.js';
import type { ProxyPlan } from '../multi/features/proxy/setup.js';
import type { ResolvedAddress, Transport } from '../transport/types.js';
import { Connection } from './connection.js';
import { Http1Session } from './http1/session.js';
import { Http2Session } from './http2/session.js';
import { buildProxyChain, type ProxyChainContext } from './proxy-chain.js';
import type { Session } from './types.js';

/** Where a transfer connects to. */
export interface Origin {
  scheme: string;
  /** Host name (IPv6 without brackets). */
  host: string;
  port: number;
}

/**
 * The transfer options that shape a connection (a structural subset of the Easy options). Every
 * one of them that makes two connections differ must be listed in CONNECTION_REUSE_OPTIONS.
 */
export interface ConnectionOptions {
  /** CURLOPT_INTERFACE: the local address to bind. */
  interface?: string;
  /**
   * CURLOPT_HTTP_VERSION: decides the protocol the connection speaks (HTTP/2 with prior knowledge
   * on http://, the ALPN offer on https://), so connections made for different ones differ.
   */
  httpVersion?: number;
}

/**
 * Options that must be equal for a pooled connection to be reused (libcurl's
 * url.c ConnectionExists / Curl_ssl_conn_config_match): a connection made with other TLS
 * settings, another proxy or another local address is another connection.
 */
export const CONNECTION_REUSE_OPTIONS: readonly (keyof ConnectionOptions)[] = ['interface', 'httpVersion'];

/** 'host:port': the bucket for maxHostConnections and the pending queues. */
export function hostKeyOf(origin: Origin): string {
  return `${origin.host}:${origin.port}`;
}

/**
 * Everything that must match for reuse, as one string (the pool's map key). `tlsKey`: what of the
 * TLS settings makes a connection differ (versions, ciphers, CA, client certificate, verification,
 * pinned key, SNI), for https.
 */
export function reuseKeyOf(
  origin: Origin,
  hostKey: string,
  o: ConnectionOptions,
  tlsKey: string | undefined,
): string {
  let key = `${origin.scheme}://${hostKey}`;
  for (const name of CONNECTION_REUSE_OPTIONS) key += `|${keyPart(o[name])}`;
  return tlsKey === undefined ? key : `${key}|${tlsKey}`;
}

/** Whether any option of CONNECTION_REUSE_OPTIONS is set (else the key is the origin's alone, for http). */
export function setsReuseOption(o: ConnectionOptions): boolean {
  // The same names as CONNECTION_REUSE_OPTIONS, as named loads: this runs for every transfer, and
  // a load by a name held in a variable misses V8's inline caches.
  return o.interface !== undefined || o.httpVersion !== undefined;
}

function keyPart(v: unknown): string {
  if (v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map(keyPart).join(',');
  return JSON.stringify(v);
}

/**
 * How a connection reaches its origin: the first hop the socket connects to (a proxy, the
 * connectTo target, or the origin), the destination behind the proxies, and the proxy plan.
 * Filled in by the transfer: the addresses once resolved (a CONNECT retried on a new connection
 * to the proxy reuses them), the SOCKS destination when it is resolved locally.
 */
export interface Route {
  first: { host: string; port: number };
  dest: { host: string; port: number };
  plan: ProxyPlan | undefined;
  proxyContext: ProxyChainContext | undefined;
  addresses: ResolvedAddress[] | undefined;
  eyeballs: HappyEyeballsOptions | undefined;
  socksTarget: string | undefined;
}

/**
 * A new connection for `origin`, its chain not connected yet. The bottom filter gets its addresses
 * once name resolution is done (`bottomFilterOf(conn).setAddresses`).
 */
export function createConnection(
  transport: Transport,
  origin: Origin,
  hostKey: string,
  reuseKey: string,
  o: ConnectionOptions,
  now: number,
  /** The TLS settings for https (undefined: no TLS). */
  tls: TlsSettings | undefined,
  route?: Route,
): Connection {
  const first = route?.first ?? origin;
  const openFirstHop = (): HappyEyeballsFilter => {
    const he = new HappyEyeballsFilter(transport, first.host, first.port, o.interface);
    if (route?.addresses !== undefined && route.eyeballs !== undefined)
      he.setAddresses(route.addresses, route.eyeballs);
    return he;
  };
  let top: Filter;
  if (route?.plan !== undefined && route.proxyContext !== undefined) {
    top = buildProxyChain(route.plan, route.dest, openFirstHop, route.proxyContext, () => route.socksTarget);
  } else {
    top = openFirstHop();
  }
  // TLS to the origin (SNI, ALPN, verification) over whatever leads there: inside a proxy tunnel.
  if (tls !== undefined) top = new TlsFilter(top, transport, origin.host, origin.port, tls);
  return new Connection(hostKey, reuseKey, origin.host, origin.port, top, now);
}

/** The bottom filter: happy eyeballs to the first hop, which takes the resolved addresses. */
export function bottomFilterOf(conn: Connection): HappyEyeballsFilter {
  let f: Filter | undefined = conn.top;
  while (f !== undefined && !(f instanceof HappyEyeballsFilter)) f = f.next;
  if (f === undefined) throw new Error(`connection #${conn.id} has no happy-eyeballs filter`);
  return f;
}

/** CURLOPT_HTTP_VERSION values that matter here (libcurl's CURL_HTTP_VERSION_*). */
const HTTP_VERSION_1_0 = 1;
const HTTP_VERSION_1_1 = 2;
const HTTP_VERSION_2_PRIOR_KNOWLEDGE = 5;

/**
 * Whether a connection for this scheme and httpVersion may end up multiplexed: HTTP/2 with prior
 * knowledge on http://, or h2 offered in ALPN on https:// (every version but 1.0 and 1.1).
 */
export function mayMultiplex(scheme: string, httpVersion: number | undefined): boolean {
  if (scheme === 'http') return httpVersion === HTTP_VERSION_2_PRIOR_KNOWLEDGE;
  return httpVersion !== HTTP_VERSION_1_0 && httpVersion !== HTTP_VERSION_1_1;
}

/**
 * The protocol session for a connected chain: HTTP/2 when ALPN chose h2, or on http:// with
 * prior knowledge (h2c: the connection preface goes out at once, no Upgrade); else HTTP/1.1.
 */
export function createSession(
  conn: Connection,
  scheme: string,
  httpVersion: number | undefined,
  maxConcurrentStreams: number,
): Session {
  const h2 =
    conn.top.query('alpn') === 'h2' || (scheme === 'http' && httpVersion === HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  // The multi writes what HTTP/2 sessions queue once at the end of each API call (batchWrites).
  if (h2) return new Http2Session(conn, { maxConcurrentStreams, batchWrites: true });
  return new Http1Session(conn);
}
