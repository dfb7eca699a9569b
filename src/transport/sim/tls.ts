// Simulated TLS, deterministic in virtual time. The handshake is modelled, not encrypted: its
// round trips cost the link's latency (TLS 1.3: one, TLS 1.2: two, a resumed session: one), ALPN
// and the version are negotiated from both sides' lists, and the server presents a simulated
// certificate whose faults (expired, wrong host, untrusted) the client reports the way OpenSSL
// does. Application bytes then flow over the TCP connection unchanged, so the simulated HTTP
// server serves https exactly like http. Listener faults: a reset during the handshake, or a
// server that never finishes it.
import {
  type Interest,
  type ReadResult,
  Ready,
  type TlsCertificate,
  type TlsConnectOptions,
  type TlsSessionInfo,
  type TlsTransportSocket,
  type TlsVersion,
  type TransportErrorLike,
  type TransportSocket,
} from '../types.js';
import { toBytes } from './bytes.js';
import type { SimEvent } from './scheduler.js';
import { transportError } from './socket.js';
import type { SimWorld } from './world.js';

/** A simulated server certificate. */
export interface SimCertificateOptions {
  /** Names it is valid for (default: the listener's host). */
  dnsNames?: string[];
  ipAddresses?: string[];
  /** 'expired': past its notAfter; 'untrusted': self-signed, in no trust store. */
  fault?: 'expired' | 'untrusted' | 'not-yet-valid';
}

/** The TLS side of a simulated listener (ListenOptions.tls). */
export interface SimTlsServerOptions {
  certificate?: SimCertificateOptions;
  /** ALPN protocols the server accepts, preferred first (default ['http/1.1']). */
  alpn?: string[];
  /** Versions the server speaks (default TLS 1.2 and 1.3). */
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** 'reset': the server resets the connection instead of answering the ClientHello; 'stall': it never answers. */
  handshakeFault?: 'reset' | 'stall';
}

const ORDER: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

const CIPHERS: Record<string, string> = {
  'TLSv1.3': 'TLS_AES_128_GCM_SHA256',
  'TLSv1.2': 'ECDHE-ECDSA-AES128-GCM-SHA256',
};

function simCertificate(
  host: string,
  o: SimCertificateOptions | undefined,
  spki: Uint8Array,
): TlsCertificate {
  const ip = /^[\d.]+$/.test(host) || host.includes(':');
  const dnsNames = o?.dnsNames ?? (ip ? [] : [host]);
  const ipAddresses = o?.ipAddresses ?? (ip ? [host] : []);
  const cn = dnsNames[0] ?? ipAddresses[0] ?? host;
  const expired = o?.fault === 'expired';
  const future = o?.fault === 'not-yet-valid';
  return {
    subject: `CN=${cn}, O=tscurl sim`,
    issuer: o?.fault === 'untrusted' ? `CN=${cn}, O=tscurl sim` : 'CN=tscurl sim CA',
    validFrom: future ? 'Jan  1 00:00:00 2999 GMT' : 'Jan  1 00:00:00 2020 GMT',
    validTo: expired ? 'Feb  1 00:00:00 2020 GMT' : 'Jan  1 00:00:00 2999 GMT',
    serialNumber: '1000',
    commonName: cn,
    dnsNames,
    ipAddresses,
    spki,
    pem: `-----BEGIN CERTIFICATE-----\nc2ltdWxhdGVk\n-----END CERTIFICATE-----\n`,
  };
}

function authorizationErrorOf(o: SimCertificateOptions | undefined): string | undefined {
  switch (o?.fault) {
    case 'expired':
      return 'CERT_HAS_EXPIRED';
    case 'not-yet-valid':
      return 'CERT_NOT_YET_VALID';
    case 'untrusted':
      return 'DEPTH_ZERO_SELF_SIGNED_CERT';
    default:
      return undefined;
  }
}

/** The server side's state kept in the world: issued session tickets. */
export interface SimTlsListenerState {
  readonly options: SimTlsServerOptions;
  readonly host: string;
  readonly port: number;
  readonly tickets: Set<string>;
  /** The server key as the client sees it (SubjectPublicKeyInfo stand-in). */
  readonly spki: Uint8Array;
  handshakes: number;
}

export function simTlsListener(
  host: string,
  port: number,
  options: SimTlsServerOptions,
): SimTlsListenerState {
  return {
    options,
    host,
    port,
    tickets: new Set(),
    spki: toBytes(`sim-spki:${host}:${port}`),
    handshakes: 0,
  };
}

export class SimTlsSocket implements TlsTransportSocket {
  readonly fd: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private isConnecting = true;
  private err: TransportErrorLike | undefined;
  private info: TlsSessionInfo | undefined;
  private destroyed = false;
  private what = 0;
  private onReady: ((events: number) => void) | undefined;
  private timer: SimEvent | undefined;
  private notifyEvent: SimEvent | undefined;

  constructor(
    private readonly world: SimWorld,
    private readonly inner: TransportSocket,
    private readonly options: TlsConnectOptions,
    server: SimTlsListenerState | undefined,
    latencyMs: number,
  ) {
    this.fd = world.allocFd();
    this.remoteAddress = inner.remoteAddress;
    this.remotePort = inner.remotePort;
    this.handshake(server, 2 * latencyMs);
  }

  private handshake(server: SimTlsListenerState | undefined, rtt: number): void {
    if (server === undefined) {
      // A plain server reads the ClientHello as a bad request line and closes on us.
      this.timer = this.world.sched.at(rtt, () =>
        this.fail('ERR_SSL_WRONG_VERSION_NUMBER', 'SSL routines::wrong version number'),
      );
      return;
    }
    const o = server.options;
    if (o.handshakeFault === 'stall') return;
    if (o.handshakeFault === 'reset') {
      this.timer = this.world.sched.at(rtt, () => {
        this.inner.destroy();
        this.fail(
          'ECONNRESET',
          'Client network socket disconnected before secure TLS connection was established',
        );
      });
      return;
    }
    const config = this.options.config;
    const lo = Math.max(
      ORDER.indexOf(o.minVersion ?? 'TLSv1.2'),
      ORDER.indexOf(config.minVersion ?? 'TLSv1.2'),
    );
    const hi = Math.min(
      ORDER.indexOf(o.maxVersion ?? 'TLSv1.3'),
      ORDER.indexOf(config.maxVersion ?? 'TLSv1.3'),
    );
    if (hi < lo) {
      this.timer = this.world.sched.at(rtt, () =>
        this.fail('ERR_SSL_UNSUPPORTED_PROTOCOL', 'SSL routines::unsupported protocol'),
      );
      return;
    }
    const protocol = ORDER[hi]!;
    const offered =
      this.options.session === undefined ? '' : Buffer.from(this.options.session).toString('latin1');
    const resumed = offered !== '' && server.tickets.has(offered);
    const rounds = resumed || protocol === 'TLSv1.3' ? 1 : 2;
    const serverAlpn = o.alpn ?? ['http/1.1'];
    const alpn = this.options.alpn.find((p) => serverAlpn.includes(p)) ?? '';
    this.timer = this.world.sched.at(rounds * rtt, () => {
      this.timer = undefined;
      if (this.destroyed) return;
      if (this.inner.error !== undefined) {
        this.fail(
          'ECONNRESET',
          'Client network socket disconnected before secure TLS connection was established',
        );
        return;
      }
      server.handshakes++;
      const ticket = `sim-ticket:${server.host}:${server.port}:${server.handshakes}`;
      server.tickets.add(ticket);
      this.info = {
        protocol,
        cipher: CIPHERS[protocol] ?? 'AES128-SHA',
        alpn,
        authorizationError: authorizationErrorOf(o.certificate),
        chain: [simCertificate(server.host, o.certificate, server.spki)],
        resumed,
      };
      this.isConnecting = false;
      this.options.onSession?.(toBytes(ticket));
      if (this.onReady !== undefined) this.inner.watch(this.what as Interest, this.onReady);
    });
  }

  private fail(code: string, message: string): void {
    this.timer = undefined;
    if (this.destroyed || this.err !== undefined) return;
    this.err = transportError(code, message);
    this.isConnecting = false;
    this.inner.unwatch();
    this.signal();
  }

  private signal(): void {
    if (this.onReady === undefined || this.notifyEvent !== undefined) return;
    this.notifyEvent = this.world.sched.at(0, () => {
      this.notifyEvent = undefined;
      const cb = this.onReady;
      if (cb !== undefined && !this.destroyed) cb(this.what | Ready.ERR);
    });
  }

  get connecting(): boolean {
    return this.isConnecting;
  }

  get error(): TransportErrorLike | undefined {
    return this.err ?? (this.isConnecting ? undefined : this.inner.error);
  }

  get tls(): TlsSessionInfo | undefined {
    return this.info;
  }

  get hasPendingInput(): boolean {
    return this.err !== undefined || (!this.isConnecting && this.inner.hasPendingInput);
  }

  get localAddress(): string {
    return this.inner.localAddress;
  }

  get localPort(): number {
    return this.inner.localPort;
  }

  read(): ReadResult {
    if (this.isConnecting || this.err !== undefined || this.destroyed) return null;
    return this.inner.read();
  }

  write(data: Uint8Array): number {
    if (this.isConnecting || this.err !== undefined || this.destroyed) return 0;
    return this.inner.write(data);
  }

  end(): void {
    if (!this.isConnecting && this.err === undefined) this.inner.end();
  }

  watch(what: Interest, onReady: (events: number) => void): void {
    if (this.destroyed) return;
    this.what = what;
    this.onReady = onReady;
    if (this.err !== undefined) this.signal();
    // The handshake's end is announced by the handshake timer; afterwards the TCP socket's own
    // readiness is the plaintext readiness.
    else if (!this.isConnecting) this.inner.watch(what, onReady);
  }

  unwatch(): void {
    this.what = 0;
    this.onReady = undefined;
    this.world.sched.cancel(this.notifyEvent);
    this.notifyEvent = undefined;
    this.inner.unwatch();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.unwatch();
    this.destroyed = true;
    this.world.sched.cancel(this.timer);
    this.inner.destroy();
  }
}
