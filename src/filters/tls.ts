// The TLS filter (libcurl's cf-ssl): above the socket filter for https. connect() starts the
// handshake once the filter below is connected and then waits for the transport's TLS socket to
// finish it (readiness says when, like a TCP connect); then the peer is checked (chain trust,
// host name, pinned key) here, so each reason ends the transfer with its own CurlCode. After the
// handshake it passes plaintext through; destroy() sends close_notify before closing.
import { CurlCode } from '../core/codes.js';
import { TransferError } from '../core/errors.js';
import type {
  ReadResult,
  TlsConfig,
  TlsConfigError,
  TlsSessionInfo,
  TlsTransportSocket,
  Transport,
  TransportSocket,
} from '../transport/types.js';
import { Ready } from '../transport/types.js';
import { describeErrno, recvFrom, sendOn } from './socket.js';
import type { TlsSessionCache } from './tls-sessions.js';
import {
  hostMismatch,
  type PinnedKeys,
  pinnedKeyMatches,
  verifyCodeOf,
  verifyReasonOf,
} from './tls-verify.js';
import type { Filter, FilterQueries } from './types.js';

/** Everything the TLS filter needs for one connection (built from the Easy options). */
export interface TlsSettings {
  readonly config: TlsConfig;
  /** CURLOPT_SSL_VERIFYPEER. */
  readonly verifyPeer: boolean;
  /** CURLOPT_SSL_VERIFYHOST (2 checks the name; 0 does not). */
  readonly verifyHost: boolean;
  readonly pinned: PinnedKeys | undefined;
  /** ALPN protocols to offer. */
  readonly alpn: readonly string[];
  /** Where resumable sessions are kept (the Multi's or a Share's). */
  readonly sessions: TlsSessionCache | undefined;
  /**
   * TLS to an HTTPS proxy (libcurl's proxy SSL filter): it answers the 'proxyTls' query, not the
   * origin's 'tls' and 'alpn' (appconnect time, certificate verdict and protocol are the origin's).
   */
  readonly proxy?: boolean;
  /** CURLOPT_CERTINFO: find out which certificates the peer sent (TlsSessionInfo.sentChain). */
  readonly certInfo?: boolean;
}

/** What the handshake established, once connected. */
export interface TlsState extends TlsSessionInfo {
  /** CURLINFO_SSL_VERIFYRESULT: OpenSSL's X509_V_* number (0 = ok). */
  readonly verifyResult: number;
  /** Transport time when the handshake finished (CURLINFO_APPCONNECT_TIME). */
  readonly connectedAt: number;
  /** The protocols offered in ALPN (empty: no ALPN extension sent). */
  readonly alpnOffered: readonly string[];
  /** The handshake was with an HTTPS proxy, not the origin. */
  readonly proxy: boolean;
}

export class TlsFilter implements Filter {
  readonly name = 'tls';
  private sock: TlsTransportSocket | undefined;
  private state: TlsState | undefined;

  constructor(
    readonly next: Filter,
    private readonly transport: Transport,
    private readonly host: string,
    private readonly port: number,
    private readonly settings: TlsSettings,
    /** Told once the handshake is done and the peer accepted (curl's verbose lines say so then). */
    private readonly onConnected: ((state: TlsState) => void) | undefined = undefined,
  ) {}

  private where(): string {
    return `in connection to ${this.host}:${this.port}`;
  }

  connect(now: number): boolean {
    if (this.state !== undefined) return true;
    if (this.sock === undefined) {
      if (!this.next.connect(now)) return false;
      this.start();
    }
    const s = this.sock!;
    if (s.error !== undefined) throw this.handshakeError(s.error);
    if (s.connecting) return false;
    let info = s.tls;
    if (info === undefined) throw this.handshakeError(undefined);
    const sessions = this.settings.sessions;
    if (info.chain.length === 0 && info.resumed && sessions !== undefined) {
      // A resumed handshake carries no certificates: use those of the session's full handshake.
      const key = this.sessionKey();
      info = { ...info, chain: sessions.chain(key), sentChain: sessions.sentChain(key) };
    }
    const { alpn, proxy = false } = this.settings;
    this.state = { ...info, verifyResult: this.verify(info), connectedAt: now, alpnOffered: alpn, proxy };
    if (!info.resumed) sessions?.putChain(this.sessionKey(), info.chain, info.sentChain);
    this.onConnected?.(this.state);
    return true;
  }

  private sessionKey(): string {
    const { config, verifyPeer, verifyHost } = this.settings;
    return `${this.host}:${this.port}|${config.id}|${verifyPeer ? 1 : 0}${verifyHost ? 1 : 0}`;
  }

  private start(): void {
    const raw = this.next.query('socket') as TransportSocket | undefined;
    if (raw === undefined) throw this.handshakeError(undefined);
    const { config, alpn, sessions } = this.settings;
    const key = this.sessionKey();
    try {
      this.sock = this.transport.startTls(raw, {
        config,
        host: this.host,
        alpn,
        session: sessions?.get(key),
        onSession: sessions === undefined ? undefined : (session) => sessions.put(key, session),
        sentChain: this.settings.certInfo === true,
      });
    } catch (e) {
      throw this.configError(e as TlsConfigError);
    }
  }

  private configError(e: TlsConfigError): TransferError {
    const opts = { side: 'local' as const, phase: 'connect' as const, cause: e };
    if (e.tlsPart === 'cert') {
      return new TransferError(
        CurlCode.SSL_CERTPROBLEM,
        `could not load client certificate or key: ${e.message}`,
        opts,
      );
    }
    if (e.tlsPart === 'ca') {
      return new TransferError(
        CurlCode.SSL_CACERT_BADFILE,
        `error setting certificate file: ${e.message}`,
        opts,
      );
    }
    return new TransferError(CurlCode.SSL_CIPHER, `failed setting TLS options: ${e.message}`, opts);
  }

  private handshakeError(cause: (Error & { code?: string | undefined }) | undefined): TransferError {
    const why = cause === undefined ? 'connection closed' : describeErrno(cause);
    return new TransferError(CurlCode.SSL_CONNECT_ERROR, `TLS connect error: ${why} ${this.where()}`, {
      side: 'remote',
      phase: 'connect',
      cause,
    });
  }

  /** Check the peer; returns the verify result number or throws the transfer's error. */
  private verify(info: TlsSessionInfo): number {
    const { verifyPeer, verifyHost, pinned } = this.settings;
    const verifyResult = verifyCodeOf(info.authorizationError);
    // The cause carries the verify result, so CURLINFO_SSL_VERIFYRESULT (or, for the proxy,
    // CURLINFO_PROXY_SSL_VERIFYRESULT) is there after a failure.
    const key = this.settings.proxy === true ? 'proxyVerifyResult' : 'verifyResult';
    const fail = (code: CurlCode, msg: string): TransferError =>
      new TransferError(code, `${msg} ${this.where()}`, {
        side: 'remote',
        phase: 'connect',
        cause: Object.assign(new Error(msg), { [key]: verifyResult }),
      });
    if (verifyPeer && info.authorizationError !== undefined) {
      throw fail(
        CurlCode.PEER_FAILED_VERIFICATION,
        `SSL certificate problem: ${verifyReasonOf(info.authorizationError)}`,
      );
    }
    const leaf = info.chain[0];
    if (verifyHost) {
      const why = leaf === undefined ? 'no server certificate' : hostMismatch(leaf, this.host);
      if (why !== undefined) throw fail(CurlCode.PEER_FAILED_VERIFICATION, `SSL: ${why}`);
    }
    if (pinned !== undefined && (leaf === undefined || !pinnedKeyMatches(pinned, leaf.spki))) {
      throw fail(CurlCode.SSL_PINNEDPUBKEYNOTMATCH, 'SSL: public key does not match pinned public key');
    }
    return verifyResult;
  }

  pollset(wantRecv: boolean, wantSend: boolean): number {
    if (this.state !== undefined) return (wantRecv ? Ready.IN : 0) | (wantSend ? Ready.OUT : 0);
    // Connecting below, or the handshake: its end is announced as OUT readiness (like connect).
    return this.sock === undefined ? this.next.pollset(wantRecv, wantSend) : Ready.OUT;
  }

  send(data: Uint8Array): number {
    return sendOn(this.sock!, data, this.host, this.port);
  }

  recv(): ReadResult {
    return recvFrom(this.sock!, this.host, this.port);
  }

  /** The TLS socket hands out its decrypted bytes as they are: they are its to take back. */
  recycle(): void {
    this.sock?.recycle?.();
  }

  hasPendingData(): boolean {
    return this.sock === undefined ? this.next.hasPendingData() : this.sock.hasPendingInput;
  }

  /** What the handshake established (undefined until connected). */
  get tls(): TlsState | undefined {
    return this.state;
  }

  /**
   * The state with TlsSessionInfo.sentChain, read now when the handshake did not (a transfer
   * asking for certInfo on a connection made by one that did not).
   */
  withSentChain(): TlsState | undefined {
    if (this.settings.proxy === true) return this.query('tls');
    const st = this.state;
    if (st === undefined || st.sentChain !== undefined || st.resumed) return st;
    const sent = this.sock?.readSentChain?.();
    if (sent === undefined) return st;
    this.state = { ...st, sentChain: sent };
    // A connection resuming this session later reports these too (its handshake carries none).
    this.settings.sessions?.putChain(this.sessionKey(), st.chain, sent);
    return this.state;
  }

  query<K extends keyof FilterQueries>(what: K): FilterQueries[K] | undefined {
    let v: FilterQueries[keyof FilterQueries] | undefined;
    const proxy = this.settings.proxy === true;
    switch (what) {
      case 'socket':
        v = this.sock ?? this.next.query('socket');
        break;
      case 'secure':
        v = this.state !== undefined;
        break;
      case 'alpn':
        if (proxy) return this.next.query(what);
        v = this.state?.alpn;
        break;
      case 'tls':
        if (proxy) return this.next.query(what);
        v = this.state;
        break;
      case 'proxyTls':
        if (!proxy) return this.next.query(what);
        v = this.state;
        break;
      default:
        return this.next.query(what);
    }
    return v as FilterQueries[K] | undefined;
  }

  destroy(): void {
    const s = this.sock;
    if (s !== undefined) {
      // Graceful: close_notify goes out with the half-close, then the socket is closed.
      if (this.state !== undefined && s.error === undefined) s.end();
      s.destroy();
    }
    this.next.destroy();
  }
}
