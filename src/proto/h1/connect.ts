// The CONNECT request that opens a tunnel through an HTTP proxy (RFC 9110 9.3.6). Its response is
// read by the ResponseReader started with method 'CONNECT' (a 2xx has no body whatever its
// headers say; anything else is framed as usual so the connection can carry a retry).
import { encodeRequestHead } from './request-writer.js';
import type { HeaderList } from './types.js';

/** authority-form: 'host:port', an IPv6 literal in brackets. */
export function connectAuthority(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${h}:${port}`;
}

/**
 * `CONNECT host:port HTTP/1.1` with Host first, as curl sends it; `headers` follow in order
 * (Proxy-Authorization, User-Agent, Proxy-Connection, the application's proxy headers). A
 * `Host` among `headers` replaces the default one.
 */
export function encodeConnectRequest(
  host: string,
  port: number,
  headers: HeaderList,
  version: 10 | 11 = 11,
): Uint8Array {
  const authority = connectAuthority(host, port);
  const hasHost = headers.some(([n]) => n.toLowerCase() === 'host');
  return encodeRequestHead(
    'CONNECT',
    authority,
    hasHost ? headers : [['Host', authority], ...headers],
    version,
  );
}
