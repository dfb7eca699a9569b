// The bottom filter: a TCP connection over the transport, trying the resolved addresses in turn.
import { CurlCode } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import {
  type ReadResult,
  Ready,
  type ResolvedAddress,
  type Transport,
  type TransportSocket,
} from '../transport/types.js';
import type { Filter, FilterQueries } from './types.js';

export class SocketFilter implements Filter {
  socket: TransportSocket | undefined;
  private attempt = 0;
  private lastError: Error | undefined;
  private connected = false;
  /**
   * When connecting started (NaN before), then when it connected: one field (a boxed number each)
   * for the two, as this filter lives as long as its connection.
   */
  private time = Number.NaN;

  constructor(
    private readonly transport: Transport,
    private readonly host: string,
    private readonly port: number,
    private addresses: ResolvedAddress[],
    private readonly localAddress: string | undefined,
  ) {}

  get name(): string {
    return 'socket';
  }

  /** The bottom of every chain. */
  get next(): undefined {
    return undefined;
  }

  /** When the socket connected (0 before). */
  get connectedAt(): number {
    return this.connected ? this.time : 0;
  }

  /** The addresses to try, in order (set once name resolution finished). */
  setAddresses(addresses: ResolvedAddress[]): void {
    this.addresses = addresses;
    this.attempt = 0;
  }

  /** The address currently tried or connected. */
  get address(): ResolvedAddress | undefined {
    return this.addresses[Math.min(this.attempt, this.addresses.length - 1)];
  }

  connect(now: number): boolean {
    if (this.connected) return true;
    if (Number.isNaN(this.time)) this.time = now;
    for (;;) {
      if (this.socket === undefined) {
        const addr = this.addresses[this.attempt];
        if (addr === undefined) throw this.failure(now);
        const opts = { address: addr.address, port: this.port, family: addr.family };
        this.socket = this.transport.connect(
          this.localAddress === undefined ? opts : { ...opts, localAddress: this.localAddress },
        );
      }
      const s = this.socket;
      if (s.error !== undefined) {
        this.lastError = s.error;
        s.destroy();
        this.socket = undefined;
        this.attempt++;
        continue;
      }
      if (s.connecting) return false;
      this.connected = true;
      this.time = now;
      return true;
    }
  }

  private failure(now: number): TransferError {
    const cause = this.lastError;
    const why = cause === undefined ? 'no address to try' : describeErrno(cause);
    return new TransferError(
      CurlCode.COULDNT_CONNECT,
      `Failed to connect to ${this.host} port ${this.port} after ${Math.round(now - this.time)} ms: ${why}`,
      { side: 'transport', phase: 'connect', cause },
    );
  }

  pollset(wantRecv: boolean, wantSend: boolean): number {
    if (!this.connected) return Ready.OUT;
    return (wantRecv ? Ready.IN : 0) | (wantSend ? Ready.OUT : 0);
  }

  send(data: Uint8Array): number {
    return sendOn(this.socket!, data, this.host, this.port);
  }

  recv(): ReadResult {
    return recvFrom(this.socket!, this.host, this.port);
  }

  recycle(): void {
    this.socket?.recycle?.();
  }

  hasPendingData(): boolean {
    return this.socket?.hasPendingInput ?? false;
  }

  query<K extends keyof FilterQueries>(what: K): FilterQueries[K] | undefined {
    const s = this.socket;
    if (s === undefined) return undefined;
    let v: FilterQueries[keyof FilterQueries] | undefined;
    switch (what) {
      case 'socket':
        v = s;
        break;
      case 'remoteAddress':
        v = { ip: s.remoteAddress, port: s.remotePort };
        break;
      case 'localAddress':
        v = { ip: s.localAddress, port: s.localPort };
        break;
      case 'secure':
        v = false;
        break;
      case 'connectedAt':
        v = this.connectedAt;
        break;
      default:
        v = undefined;
    }
    return v as FilterQueries[K] | undefined;
  }

  destroy(): void {
    this.socket?.destroy();
  }
}

/** write() on a transport socket; a failed socket ends the transfer with SEND_ERROR (55). */
export function sendOn(s: TransportSocket, data: Uint8Array, host: string, port: number): number {
  const n = s.write(data);
  if (n === 0 && s.error !== undefined) {
    throw new TransferError(
      CurlCode.SEND_ERROR,
      `Failed sending data to ${host} port ${port}: ${describeErrno(s.error)}`,
      { side: 'transport', phase: 'send', cause: s.error },
    );
  }
  return n;
}

/** read() on a transport socket; a failed socket ends the transfer with RECV_ERROR (56). */
export function recvFrom(s: TransportSocket, host: string, port: number): ReadResult {
  const r = s.read();
  if (r === null && s.error !== undefined) {
    throw new TransferError(
      CurlCode.RECV_ERROR,
      `Failure when receiving data from ${host} port ${port}: ${describeErrno(s.error)}`,
      { side: 'transport', phase: 'recv', cause: s.error },
    );
  }
  return r;
}

export function describeErrno(e: Error & { code?: string | undefined }): string {
  // OpenSSL errors: the reason without the error-stack prefix ('...:SSL routines::<reason>').
  if (e.code?.startsWith('ERR_SSL_')) return /:([^:]+)$/.exec(e.message)?.[1] ?? e.message;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ECONNRESET':
      return 'Connection reset by peer';
    case 'ETIMEDOUT':
      return 'Connection timed out';
    case 'EHOSTUNREACH':
      return 'No route to host';
    case 'ENETUNREACH':
      return 'Network is unreachable';
    case 'EPIPE':
      return 'Broken pipe';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    default:
      return e.code === undefined ? e.message : `${e.message}`;
  }
}
