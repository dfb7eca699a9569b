// The TLS half of the transport contract (Transport.startTls), run by runTransportSuite on every
// transport: the handshake ends like a connect (OUT readiness, never inside a call), what it
// established is reported (version, ALPN, chain, verify result), faults end it with an error, a
// session resumes, and plaintext flows both ways afterwards.
import assert from 'node:assert/strict';
import {
  EOF,
  type Interest,
  Ready,
  type Socket,
  type TlsConfig,
  type TlsConnectOptions,
  type TlsTransportSocket,
  type TransportSocket,
} from '../../src/transport/types.js';
import type { PeerConn } from './transport.case.js';

/** The TLS servers a fixture can start (each on its own port). */
export type TlsServerKind = 'good' | 'tls12' | 'expired' | 'wrong-host' | 'untrusted' | 'reset' | 'stall';

type Address = { address: string; port: number; family: 4 | 6 };

export interface TlsFixtureParts {
  /** A TLS server of the given kind; `handler` gets the plaintext side of each connection. */
  listenTls(kind: TlsServerKind, handler: (conn: PeerConn) => void): Promise<Address>;
  /** A client config that trusts the fixture's CA. */
  readonly tlsConfig: TlsConfig;
  /** The name its good certificates are for. */
  readonly tlsHost: string;
}

/** The probe operations the TLS cases use (transport.case.ts's Probe has them all). */
export interface TlsProbe {
  readonly fx: { wait(ms: number): Promise<void> } & TlsFixtureParts;
  connect(address: Address): Promise<TransportSocket>;
  watch(s: Socket, what: Interest): { calls: number; events: number };
  unwatch(s: Socket): void;
  until(cond: () => boolean, what: string, boundMs?: number): Promise<void>;
  writeAll(s: TransportSocket, data: Uint8Array): Promise<void>;
  readBytes(s: TransportSocket, n: number): Promise<{ bytes: Uint8Array; eof: boolean }>;
  /** Transport.startTls; the socket is closed after the test. */
  startTls(s: TransportSocket, opts: TlsConnectOptions): TlsTransportSocket;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Echo every byte back. */
const echo = (c: PeerConn): void => c.onData((d) => c.write(d));

export function tlsCases(tcase: (name: string, body: (p: TlsProbe) => Promise<void>) => void): void {
  async function handshake(
    p: TlsProbe,
    server: TlsServerKind | Address,
    extra: { session?: Uint8Array | undefined; onSession?: (s: Uint8Array) => void; alpn?: string[] } = {},
  ): Promise<TlsTransportSocket> {
    const addr = typeof server === 'string' ? await p.fx.listenTls(server, echo) : server;
    const tcp = await p.connect(addr);
    const s = p.startTls(tcp, {
      config: p.fx.tlsConfig,
      host: p.fx.tlsHost,
      alpn: extra.alpn ?? ['http/1.1'],
      session: extra.session,
      onSession: extra.onSession,
    });
    assert.equal(s.connecting, true, 'connecting until the handshake finished');
    assert.equal(s.tls, undefined);
    const w = p.watch(s, Ready.OUT);
    assert.equal(w.calls, 0, 'not synchronously inside watch()');
    await p.until(() => w.calls > 0, 'OUT (or ERR) when the handshake ends');
    p.unwatch(s);
    return s;
  }

  tcase(
    'tls: the handshake ends with OUT; version, ALPN and the chain are reported; bytes flow',
    async (p) => {
      const s = await handshake(p, 'good');
      assert.equal(s.error, undefined, s.error?.message);
      assert.equal(s.connecting, false);
      const info = s.tls!;
      assert.equal(info.protocol, 'TLSv1.3');
      assert.equal(info.alpn, 'http/1.1');
      assert.equal(info.authorizationError, undefined);
      assert.ok(info.cipher.length > 0);
      assert.ok(info.chain[0]!.dnsNames.includes(p.fx.tlsHost), JSON.stringify(info.chain[0]!.dnsNames));
      assert.ok(info.chain[0]!.spki.length > 0);
      await p.writeAll(s, enc.encode('ping over tls'));
      const r = await p.readBytes(s, 13);
      assert.equal(dec.decode(r.bytes), 'ping over tls');
    },
  );

  tcase('tls: a TLS 1.2 server; offering no ALPN negotiates none', async (p) => {
    const s = await handshake(p, 'tls12', { alpn: [] });
    assert.equal(s.error, undefined, s.error?.message);
    assert.equal(s.tls!.protocol, 'TLSv1.2');
    assert.equal(s.tls!.alpn, '');
  });

  for (const [kind, reason] of [
    ['expired', 'CERT_HAS_EXPIRED'],
    ['untrusted', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
  ] as const) {
    tcase(
      `tls: ${kind} certificate: the handshake completes, the chain is not trusted (${reason})`,
      async (p) => {
        const s = await handshake(p, kind);
        assert.equal(s.error, undefined);
        assert.equal(s.tls!.authorizationError, reason);
      },
    );
  }

  tcase('tls: wrong host: trusted, but the certificate does not name the host', async (p) => {
    const s = await handshake(p, 'wrong-host');
    assert.equal(s.tls!.authorizationError, undefined);
    assert.ok(!s.tls!.chain[0]!.dnsNames.includes(p.fx.tlsHost));
  });

  tcase('tls: a reset during the handshake: ERR readiness and an error, never connected', async (p) => {
    const s = await handshake(p, 'reset');
    assert.ok(s.error !== undefined, 'error set');
    assert.equal(s.tls, undefined);
    assert.equal(s.read(), null);
    assert.equal(s.write(enc.encode('x')), 0);
  });

  tcase('tls: a server that never answers: still connecting, nothing reported', async (p) => {
    const addr = await p.fx.listenTls('stall', echo);
    const tcp = await p.connect(addr);
    const s = p.startTls(tcp, { config: p.fx.tlsConfig, host: p.fx.tlsHost, alpn: ['http/1.1'] });
    const w = p.watch(s, Ready.OUT);
    await p.fx.wait(200);
    assert.equal(w.calls, 0);
    assert.equal(s.connecting, true);
    assert.equal(s.error, undefined);
  });

  tcase('tls: a session from the first connection resumes the second', async (p) => {
    let session: Uint8Array | undefined;
    const addr = await p.fx.listenTls('tls12', echo);
    const first = await handshake(p, addr, { onSession: (x) => (session = x) });
    assert.equal(first.tls!.resumed, false);
    await p.writeAll(first, enc.encode('a'));
    await p.readBytes(first, 1);
    await p.until(() => session !== undefined, 'a session ticket');
    const second = await handshake(p, addr, { session });
    assert.equal(second.error, undefined);
    assert.equal(second.tls!.resumed, true);
  });

  tcase('tls: the peer half-closing after the handshake reads as EOF', async (p) => {
    const addr = await p.fx.listenTls('good', (c) => {
      c.onData(() => {
        c.write('bye');
        c.end();
      });
    });
    const tcp = await p.connect(addr);
    const s = p.startTls(tcp, { config: p.fx.tlsConfig, host: p.fx.tlsHost, alpn: [] });
    const w = p.watch(s, Ready.OUT);
    await p.until(() => w.calls > 0, 'handshake');
    p.unwatch(s);
    await p.writeAll(s, enc.encode('hi'));
    const r = await p.readBytes(s, 1000);
    assert.equal(dec.decode(r.bytes), 'bye');
    if (!r.eof) {
      const r2 = await p.readBytes(s, 1);
      assert.ok(r2.eof || s.read() === EOF);
    }
  });
}
