// The connection-filter chain (libcurl's lib/cfilters.h). A connection is a stack of filters:
// socket -> (tls) -> (proxy tunnel); the HTTP protocol sits on top. Each filter handles what it
// owns and passes the rest to the next one below. Questions about the connection ("encrypted?",
// "multiplexed?", "which ALPN?") walk the chain with typed queries.
import type { ReadResult, Socket } from '../transport/types.js';
import type { TlsState } from './tls.js';

export interface FilterQueries {
  /** The socket at the bottom of the chain. */
  socket: Socket;
  remoteAddress: { ip: string; port: number };
  localAddress: { ip: string; port: number };
  /** Encrypted below this point. */
  secure: boolean;
  /** Negotiated protocol ('http/1.1', 'h2'). */
  alpn: string;
  /** Time (transport ms) when the TCP connect finished. */
  connectedAt: number;
  /** While connecting: when the chain must be looked at again even without readiness (happy eyeballs). */
  connectDeadline: number;
  /** What the TLS handshake with the origin established (certificates, version, cipher, verify result). */
  tls: TlsState;
  /** What the TLS handshake with an HTTPS proxy established. */
  proxyTls: TlsState;
}

export interface Filter {
  readonly name: string;
  readonly next: Filter | undefined;
  /**
   * Advance connecting. Returns true once this filter and all below are connected; false to wait
   * (see `pollset`). Throws TransferError when it cannot connect.
   */
  connect(now: number): boolean;
  /** What to wait for: while connecting, the filter's own needs; after, the caller's wishes. */
  pollset(wantRecv: boolean, wantSend: boolean): number;
  /** Offer bytes; returns how many were taken (fewer: wait for OUT). Throws TransferError. */
  send(data: Uint8Array): number;
  /** Bytes, null (would block) or EOF. Throws TransferError. */
  recv(): ReadResult;
  /**
   * Optional, on filters that pass received bytes through as they are: nothing references what
   * recv() returned any more (TransportSocket.recycle). A filter with bytes of its own leaves it out.
   */
  recycle?(): void;
  /** Data buffered in this filter (or below) that recv() would return without waiting. */
  hasPendingData(): boolean;
  query<K extends keyof FilterQueries>(what: K): FilterQueries[K] | undefined;
  /**
   * Once connected, the filter below when this one only passes everything through to it from
   * then on (happy eyeballs after its race): the connection drops it from the top of its chain.
   */
  passThrough?(): Filter | undefined;
  /** Close and free everything; idempotent. */
  destroy(): void;
}
