// The shared transport suite on the simulator: peers are raw simulated connections on 127.0.0.1,
// and wait(ms) lets virtual time pass (so the suite's 5 s bounds cost no wall time).
import { type ListenOptions, SimNet } from '../../src/transport/sim/network.js';
import type { PeerConn as SimPeer } from '../../src/transport/sim/peer.js';
import type { SimTlsServerOptions } from '../../src/transport/sim/tls.js';
import type { TlsServerKind } from './tls.case.js';
import { type PeerConn, runTransportSuite, type TransportFixture } from './transport.case.js';

/** The suite's minimal peer over a simulated server end. It reads nothing until onData. */
function peerConn(c: SimPeer): PeerConn {
  c.pause();
  return {
    write: (data) => c.write(data),
    end: () => c.end(),
    destroy: () => c.reset(),
    onData: (cb) => {
      c.onData(cb);
      c.resume();
    },
    onEnd: (cb) => c.onEnd(cb),
  };
}

/** The simulated TLS server of each kind the suite asks for. */
const simTlsServers: Record<TlsServerKind, SimTlsServerOptions> = {
  good: {},
  tls12: { maxVersion: 'TLSv1.2' },
  expired: { certificate: { fault: 'expired' } },
  'wrong-host': { certificate: { dnsNames: ['other.example'] } },
  untrusted: { certificate: { fault: 'untrusted' } },
  reset: { handshakeFault: 'reset' },
  stall: { handshakeFault: 'stall' },
};

async function createSimFixture(options: ListenOptions = {}): Promise<TransportFixture> {
  const net = new SimNet({ seed: 1 });
  let nextPort = 20_000;
  const listeners: Array<{ close(): void }> = [];
  return {
    transport: net.transport,
    async listen(handler) {
      const port = nextPort++;
      listeners.push(net.listenRaw('127.0.0.1', port, (c) => handler(peerConn(c)), options));
      return { address: '127.0.0.1', port, family: 4 };
    },
    async closedPort() {
      return nextPort++;
    },
    async listenTls(kind, handler) {
      const port = nextPort++;
      const tls = simTlsServers[kind];
      // 'localhost' listens on 127.0.0.1 and ::1; the certificate names the host.
      listeners.push(net.listenRaw('localhost', port, (c) => handler(peerConn(c)), { ...options, tls }));
      return { address: '127.0.0.1', port, family: 4 };
    },
    tlsConfig: { id: 'sim' },
    tlsHost: 'localhost',
    wait: (ms) => net.advance(ms),
    async close() {
      for (const l of listeners) l.close();
    },
  };
}

runTransportSuite({ name: 'sim', create: () => createSimFixture() });

// Again over a slower, noisier link: the contract must hold with latency, pacing and readiness
// that is sometimes reported with nothing behind it (mio's warning, produced on purpose).
runTransportSuite({
  name: 'sim, 5 ms / 10 MB/s / spurious',
  create: () =>
    createSimFixture({
      latencyMs: 5,
      bytesPerSecond: 10_000_000,
      faults: [{ kind: 'spurious', probability: 0.3 }],
    }),
});
