// The SOCKS filter (libcurl's cf-socks): above the connection to the SOCKS proxy, it runs the
// SOCKS4/4a/5 handshake (src/proto/socks) once the filter below is connected, then passes bytes
// through untouched: the filters above (an HTTP proxy tunnel, TLS) talk to the destination.
// Failures end the transfer with PROXY (97) and the CURLproxycode in getInfo().proxyError.
import { CurlCode, type ProxyCode } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import { EMPTY_BYTES } from '../proto/bytes.js';
import { SocksClient, SocksError, type SocksRequest } from '../proto/socks/index.js';
import { EOF, type ReadResult, Ready } from '../transport/types.js';
import type { Filter, FilterQueries } from './types.js';

export class SocksFilter implements Filter {
  readonly name = 'socks';
  private client: SocksClient | undefined;
  private out: Uint8Array = EMPTY_BYTES;
  private belowConnected = false;
  private done = false;
  /** Tunnel bytes that arrived with the proxy's last reply. */
  private early: Uint8Array = EMPTY_BYTES;

  constructor(
    readonly next: Filter,
    /** The request, or a function giving it when the handshake starts (a destination resolved late). */
    private readonly request: SocksRequest | (() => SocksRequest),
    /** Verbose lines (curl's infof): "SOCKS5 connect to ...", "SOCKS5 request granted." */
    private readonly onInfo: ((line: string) => void) | undefined = undefined,
    /** Told once the handshake is done (curl's socks filter says "Connected to" again then). */
    private readonly onConnected: (() => void) | undefined = undefined,
  ) {}

  connect(now: number): boolean {
    if (this.done) return true;
    if (!this.belowConnected) {
      if (!this.next.connect(now)) return false;
      this.belowConnected = true;
    }
    try {
      return this.handshake();
    } catch (e) {
      if (e instanceof SocksError) throw proxyError(e.proxyCode, e.message, e);
      throw e;
    } finally {
      if (this.onInfo !== undefined && this.client !== undefined)
        for (const l of this.client.takeInfo()) this.onInfo(l);
      if (this.done) this.onConnected?.();
    }
  }

  private handshake(): boolean {
    const c = (this.client ??= new SocksClient(
      typeof this.request === 'function' ? this.request() : this.request,
    ));
    for (;;) {
      if (this.out.length > 0) {
        let n: number;
        try {
          n = this.next.send(this.out);
        } catch (e) {
          throw proxyError(c.sendFailCode, `Failed to send SOCKS request: ${(e as Error).message}`, e);
        }
        this.out = this.out.subarray(n);
        if (this.out.length > 0) return false;
        this.early = c.receiveData(EMPTY_BYTES);
        if (c.done) return this.finish();
        continue;
      }
      const msg = c.output();
      if (msg !== undefined) {
        this.out = msg;
        continue;
      }
      const r = this.next.recv();
      if (r === null) return false;
      if (r === EOF) c.receiveEof();
      this.early = c.receiveData(r as Uint8Array);
      if (c.done) return this.finish();
    }
  }

  private finish(): boolean {
    this.done = true;
    return true;
  }

  pollset(wantRecv: boolean, wantSend: boolean): number {
    if (this.done) return this.next.pollset(wantRecv, wantSend);
    if (!this.belowConnected) return this.next.pollset(false, false);
    return this.out.length > 0 ? Ready.OUT : Ready.IN;
  }

  send(data: Uint8Array): number {
    return this.next.send(data);
  }

  recv(): ReadResult {
    if (this.early.length > 0) {
      const b = this.early;
      this.early = EMPTY_BYTES;
      return b;
    }
    return this.next.recv();
  }

  hasPendingData(): boolean {
    return this.early.length > 0 || this.next.hasPendingData();
  }

  query<K extends keyof FilterQueries>(what: K): FilterQueries[K] | undefined {
    return this.next.query(what);
  }

  destroy(): void {
    this.next.destroy();
  }
}

function proxyError(px: ProxyCode, message: string, cause: unknown): TransferError {
  return new TransferError(CurlCode.PROXY, message, { side: 'remote', phase: 'proxy', proxyCode: px, cause });
}
