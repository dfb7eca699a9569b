// The shared transport suite on the Node transport (net + dns), against net servers on 127.0.0.1,
// plus Node-only checks: nothing of ours stays alive in the event loop after destroy().
import assert from 'node:assert/strict';
import { createServer, type Socket as NetSocket, type Server } from 'node:net';
import { afterEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer as createTlsServer } from 'node:tls';
import type { NodeSocket } from '../../src/transport/node/socket.js';
import type { NodeTlsSocket } from '../../src/transport/node/tls.js';
import { NodeTransport, nodeTransport } from '../../src/transport/node/transport.js';
import {
  EOF,
  type Interest,
  Ready,
  type Resolution,
  type TransportSocket,
} from '../../src/transport/types.js';
import { offlineTransport } from '../helpers/offline-dns.js';
import { testPki } from '../helpers/tls-certs.js';
import type { TlsServerKind } from './tls.case.js';
import { type PeerConn, runTransportSuite, type TransportFixture } from './transport.case.js';

function peerConn(c: NetSocket): PeerConn {
  return {
    write: (data) => {
      if (!c.destroyed && !c.writableEnded) c.write(data);
    },
    end: () => {
      c.end();
    },
    // SO_LINGER 0 + close: the client gets an RST, not a FIN.
    destroy: () => {
      c.resetAndDestroy();
    },
    onData: (cb) => {
      c.on('data', cb);
    },
    onEnd: (cb) => {
      c.on('end', cb);
    },
  };
}

function listenOn(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const a = server.address();
      if (a === null || typeof a === 'string') reject(new Error('no TCP address'));
      else resolve(a.port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}

const pki = testPki();

/** A node:tls server of the kind the TLS cases ask for (reset and stall are plain TCP servers). */
function tlsServer(kind: TlsServerKind, onConn: (c: NetSocket) => void): Server {
  if (kind === 'reset') return createServer((c) => void c.once('data', () => c.resetAndDestroy()));
  if (kind === 'stall') return createServer((c) => void c.on('data', () => {}));
  const certs: Record<string, string> = {
    good: pki.serverCert,
    tls12: pki.serverCert,
    expired: pki.expiredCert,
    'wrong-host': pki.wrongHostCert,
    untrusted: pki.selfSignedCert,
  };
  const server = createTlsServer(
    {
      cert: pki.read(certs[kind]!),
      key: pki.read(pki.serverKey),
      ALPNProtocols: ['http/1.1'],
      ...(kind === 'tls12' ? { maxVersion: 'TLSv1.2' as const } : {}),
      allowHalfOpen: true,
    },
    onConn,
  );
  server.on('tlsClientError', () => {});
  return server;
}

// Lookups of names are answered in-process (test/helpers/offline-dns.ts): no query leaves the machine.
async function createNodeFixture(transport: NodeTransport = offlineTransport()): Promise<TransportFixture> {
  const servers: Server[] = [];
  const conns = new Set<NetSocket>();
  return {
    transport,
    async listen(handler) {
      // allowHalfOpen: the peer ends its side only when a test says so.
      const server = createServer({ allowHalfOpen: true }, (c) => {
        conns.add(c);
        c.on('error', () => {}); // resets and EPIPEs are what some tests are about
        c.on('close', () => conns.delete(c));
        handler(peerConn(c));
      });
      servers.push(server);
      const port = await listenOn(server);
      return { address: '127.0.0.1', port, family: 4 };
    },
    async listenTls(kind, handler) {
      const server = tlsServer(kind, (c) => handler(peerConn(c)));
      // Tracked from the TCP accept on: a handshake the client abandons never reaches the handler.
      server.on('connection', (c: NetSocket) => {
        conns.add(c);
        c.on('error', () => {});
        c.on('close', () => conns.delete(c));
      });
      servers.push(server);
      const port = await listenOn(server);
      return { address: '127.0.0.1', port, family: 4 };
    },
    tlsConfig: { id: 'test-ca', ca: [pki.read(pki.caCert)] },
    tlsHost: 'localhost',
    async closedPort() {
      const server = createServer();
      const port = await listenOn(server);
      await closeServer(server);
      return port;
    },
    wait: (ms) => sleep(ms),
    async close() {
      for (const c of conns) c.destroy();
      await Promise.all(servers.map(closeServer));
    },
  };
}

runTransportSuite({ name: 'node', create: () => createNodeFixture() });

// Every test above and below, once its fixture is closed, must leave the loop clean: handles close
// a turn or two after destroy(), immediates of ours are cleared at once.
afterEach(async () => {
  for (let t = 0; ; t++) {
    const r = countResources();
    if (r.tcp === 0 && r.immediate === 0) break;
    assert.ok(
      t < 2000,
      `left in the event loop after the test: ${process.getActiveResourcesInfo().join(', ')}`,
    );
    await sleep(1);
  }
});

test('node: the transport is named, and nodeTransport is a NodeTransport', () => {
  assert.equal(nodeTransport.name, 'node');
  assert.ok(nodeTransport instanceof NodeTransport);
  const a = nodeTransport.now();
  assert.ok(a > 0 && nodeTransport.now() >= a);
});

const INOUT: Interest = 3;

function countResources(): { tcp: number; immediate: number; lookups: number } {
  let tcp = 0;
  let immediate = 0;
  let lookups = 0;
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'TCPWrap') tcp++;
    else if (r === 'Immediate') immediate++;
    else if (r === 'GetAddrInfoReqWrap') lookups++;
  }
  return { tcp, immediate, lookups };
}

test('node: after destroy() nothing of ours is left in the event loop (no TCP handle, no immediate)', async () => {
  const before = countResources();
  const fx = await createNodeFixture(offlineTransport());
  const sockets: TransportSocket[] = [];
  const resolutions: Resolution[] = [];
  try {
    const peers: PeerConn[] = [];
    const addr = await fx.listen((c) => peers.push(c));
    const N = 20;
    let connected = 0;
    for (let i = 0; i < N; i++) {
      const s = fx.transport.connect(addr);
      sockets.push(s);
      s.watch(Ready.OUT, () => {
        connected++;
        s.unwatch();
      });
    }
    for (let t = 0; connected < N || peers.length < N; t++) {
      assert.ok(t < 5000, 'all sockets connect');
      await sleep(1);
    }
    for (const peer of peers) peer.write('unread data');
    for (let t = 0; !sockets.every((s) => s.hasPendingInput); t++) {
      assert.ok(t < 5000, 'data arrives');
      await sleep(1);
    }
    // Unwatched, the client sockets do not hold the event loop: only the server's handles count.
    assert.ok(countResources().tcp < before.tcp + 2 * N, "unwatched client sockets are unref'd");

    // Every socket now has a notification due (IN holds); lookups that answered at once too.
    resolutions.push(fx.transport.resolve('127.0.0.1', 0), fx.transport.resolve('localhost', 0));
    const baseImmediates = countResources().immediate;
    let calls = 0;
    for (const s of sockets) s.watch(INOUT, () => calls++);
    assert.ok(countResources().tcp >= before.tcp + 2 * N, 'watched, client and server handles are visible');
    for (const r of resolutions) r.watch(Ready.IN, () => calls++);
    assert.equal(
      countResources().immediate,
      baseImmediates + N + resolutions.length,
      'one immediate per due notification',
    );
    for (const s of sockets) s.destroy();
    for (const r of resolutions) r.cancel();
    assert.equal(countResources().immediate, baseImmediates, 'destroy() and cancel() clear their immediates');

    await fx.close();
    for (let t = 0; countResources().tcp > before.tcp; t++) {
      assert.ok(t < 2000, `TCP handles left: ${countResources().tcp} > ${before.tcp}`);
      await sleep(1);
    }
    await sleep(20);
    assert.equal(calls, 0, 'no notification after destroy()/cancel()');
    const after = countResources();
    assert.equal(after.tcp, before.tcp);
    assert.equal(after.lookups, before.lookups);
  } finally {
    for (const s of sockets) s.destroy();
    for (const r of resolutions) r.cancel();
    await fx.close();
  }
});

test('node: a socket holds the event loop only while watched and not unref()d, whatever the order', async () => {
  const fx = await createNodeFixture();
  let s: TransportSocket | undefined;
  try {
    let accepted = false;
    const addr = await fx.listen(() => {
      accepted = true;
    });
    const sock = fx.transport.connect(addr) as NodeSocket;
    s = sock;
    let connected = false;
    sock.watch(Ready.OUT, () => {
      connected = true;
    });
    for (let t = 0; !connected || !accepted; t++) {
      assert.ok(t < 5000, 'connects');
      await sleep(1);
    }
    assert.ok(countResources().tcp >= 1, 'watched while connecting and connected');
    sock.unwatch();
    // The server's handles count all along; ours only when it holds the loop.
    const base = countResources().tcp;
    const holds = (): boolean => {
      const tcp = countResources().tcp;
      assert.ok(tcp === base || tcp === base + 1, `TCP handles: ${tcp}, ${base} without ours`);
      return tcp === base + 1;
    };
    sock.watch(Ready.OUT, () => {});
    assert.equal(holds(), true, 'watched');
    sock.unref();
    assert.equal(holds(), false, 'unref() while watched');
    sock.watch(Ready.IN, () => {});
    assert.equal(holds(), false, 'watched again after unref()');
    sock.ref();
    assert.equal(holds(), true, 'ref() while watched');
    sock.unwatch();
    assert.equal(holds(), false, 'unwatched');
    sock.ref();
    assert.equal(holds(), false, 'ref() while unwatched');
    sock.watch(Ready.IN, () => {});
    assert.equal(holds(), true, 'watched after ref()');
    sock.unref();
    sock.unwatch();
    sock.ref();
    sock.watch(Ready.IN, () => {});
    assert.equal(holds(), true, 'unref(), unwatch(), ref(), watch()');
    assert.equal(sock.connecting, false);
    assert.equal(sock.error, undefined);
    sock.destroy();
    assert.equal(holds(), true, 'destroy() leaves the handle to close as Node closes it');
  } finally {
    s?.destroy();
    await fx.close();
  }
});

test('node: a socket that cannot connect has a synthetic or real fd, and connect errors never throw', async () => {
  const fx = await createNodeFixture();
  const sockets: TransportSocket[] = [];
  try {
    const port = await fx.closedPort();
    sockets.push(
      ...Array.from({ length: 5 }, () => fx.transport.connect({ address: '127.0.0.1', port, family: 4 })),
    );
    // No watcher at all: the 'error' must still be absorbed, not crash the process.
    for (let t = 0; !sockets.every((s) => s.error !== undefined); t++) {
      assert.ok(t < 5000, 'all refused');
      await sleep(1);
    }
    for (const s of sockets) {
      assert.equal(s.error?.code, 'ECONNREFUSED');
      assert.ok(s.fd >= 0);
    }
  } finally {
    for (const s of sockets) s.destroy();
    await fx.close();
  }
});

/** `n` bytes of a pattern that differs per `seed` and per position. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

/**
 * A connected socket to a server of `fx` over TCP, or TLS over it (handshake done): the receive
 * tests run over both.
 */
async function connectOver(
  fx: TransportFixture,
  over: 'tcp' | 'tls',
  addr: { address: string; port: number; family: 4 | 6 },
): Promise<TransportSocket> {
  const tcp = fx.transport.connect(addr);
  for (let t = 0; tcp.connecting; t++) {
    assert.ok(t < 5000, 'connects');
    await sleep(1);
  }
  if (over === 'tcp') return tcp;
  const s = fx.transport.startTls!(tcp, { config: fx.tlsConfig, host: fx.tlsHost, alpn: [] });
  for (let t = 0; s.connecting; t++) {
    assert.ok(t < 5000, 'handshake');
    await sleep(1);
  }
  assert.equal(s.error, undefined, s.error?.message);
  // Node's internals allow onread on this version (the fallback, a paused stream, is slower).
  assert.equal((s as NodeTlsSocket).receivesThroughOnread, true, 'TLS socket reads through onread');
  return s;
}

/**
 * A watcher that reads everything `s` has into `got` (kept, not copied: later reads must not
 * change a chunk) and calls `onEnd` at EOF, no longer watching.
 */
function keepingReader(s: TransportSocket, got: Uint8Array[], onEnd: () => void): () => void {
  return () => {
    for (let r = s.read(); r !== null; r = s.read()) {
      if (r === EOF) {
        onEnd();
        s.unwatch();
        return;
      }
      got.push(r);
    }
  };
}

for (const over of ['tcp', 'tls'] as const) {
  const listen = (fx: TransportFixture, handler: (c: PeerConn) => void) =>
    over === 'tcp' ? fx.listen(handler) : fx.listenTls('good', handler);

  test(`node: bytes handed out by read() stay intact through later reads of any socket (small and bulk, ${over})`, async () => {
    const fx = await createNodeFixture();
    const sockets: TransportSocket[] = [];
    try {
      // Three peers: one bulk sender (reads fill whole buffers), two sending many small writes, so
      // reads of the three sockets interleave.
      const bulk = pattern(3 * 1024 * 1024 + 123, 1);
      const smallA = Array.from({ length: 300 }, (_, i) => pattern(100 + i, 2 + i));
      const smallB = Array.from({ length: 300 }, (_, i) => pattern(5000 + i, 900 + i));
      const sends = [[bulk], smallA, smallB];
      const addr = await listen(fx, (c) => {
        const parts = sends.shift()!;
        let i = 0;
        const next = (): void => {
          for (let k = 0; k < 10 && i < parts.length; k++) c.write(parts[i++]!);
          if (i < parts.length) setImmediate(next);
          else c.end();
        };
        // Each peer waits for its client's first byte, so the three are told apart.
        c.onData(() => next());
      });
      const got: Uint8Array[][] = [[], [], []];
      const ended = [false, false, false];
      for (let k = 0; k < 3; k++) {
        const s = await connectOver(fx, over, addr);
        sockets.push(s);
        let said = false;
        s.watch(INOUT, () => {
          if (!said && !s.connecting) {
            said = s.write(Buffer.from('x')) === 1;
            s.watch(Ready.IN, onIn);
          }
        });
        const onIn = keepingReader(s, got[k]!, () => {
          ended[k] = true;
        });
        // One at a time: peer k answers socket k.
        for (let t = 0; got[k]!.length === 0; t++) {
          assert.ok(t < 5000, `socket ${k} receives`);
          await sleep(1);
        }
      }
      for (let t = 0; !ended.every(Boolean); t++) {
        assert.ok(t < 10_000, 'all three streams end');
        await sleep(1);
      }
      const expected = [bulk, Buffer.concat(smallA), Buffer.concat(smallB)];
      for (let k = 0; k < 3; k++) {
        const all = Buffer.concat(got[k]!);
        assert.equal(all.length, expected[k]!.length, `socket ${k} byte count`);
        assert.ok(all.equals(expected[k]!), `socket ${k}: bytes intact`);
      }
    } finally {
      for (const s of sockets) s.destroy();
      await fx.close();
    }
  });

  test(`node: many small reads queued while nobody reads come out intact and in order (${over})`, async () => {
    const fx = await createNodeFixture();
    let s: TransportSocket | undefined;
    try {
      // Sizes that are not multiples of 8: the copies of consecutive reads may sit in one pool block
      // with gaps between them, which read() must not hand out as one piece.
      const parts = Array.from({ length: 200 }, (_, i) => pattern(37 + ((i * 13) % 300), 50 + i));
      let sent = false;
      const addr = await listen(fx, (c) => {
        let i = 0;
        const next = (): void => {
          if (i < parts.length) {
            c.write(parts[i++]!);
            setTimeout(next, 0);
          } else sent = true;
        };
        c.onData(() => next());
      });
      const conn = await connectOver(fx, over, addr);
      s = conn;
      assert.equal(conn.write(Buffer.from('go')), 2);
      for (let t = 0; !sent; t++) {
        assert.ok(t < 10_000, 'all sent');
        await sleep(1);
      }
      await sleep(50);
      const want = Buffer.concat(parts);
      const got: Uint8Array[] = [];
      let total = 0;
      for (let t = 0; total < want.length; t++) {
        assert.ok(t < 5000, `all received (${total} of ${want.length})`);
        for (let r = conn.read(); r !== null && r !== EOF; r = conn.read()) {
          got.push(r);
          total += r.length;
        }
        if (total < want.length) await sleep(1);
      }
      assert.ok(Buffer.concat(got).equals(want), 'bytes intact and in order');
    } finally {
      s?.destroy();
      await fx.close();
    }
  });

  test(`node: small reads of several sockets are copied one after the other into shared blocks, and each copy stays intact (${over})`, async () => {
    const fx = await createNodeFixture();
    const sockets: TransportSocket[] = [];
    try {
      // Four peers, each sending 120 small writes (200-1,400 bytes, a timer apart so each is read
      // alone): about 400 KB of copies, several blocks' worth, interleaved between the sockets.
      const sends = Array.from({ length: 4 }, (_, k) =>
        Array.from({ length: 120 }, (_, i) => pattern(200 + ((i * 97 + k * 31) % 1200), 10 * k + i)),
      );
      let next = 0;
      const addr = await listen(fx, (c) => {
        const parts = sends[next++]!;
        let i = 0;
        const step = (): void => {
          if (i < parts.length) {
            c.write(parts[i++]!);
            setTimeout(step, 0);
          } else c.end();
        };
        c.onData(() => step());
      });
      const got: Uint8Array[][] = sends.map(() => []);
      const ended = sends.map(() => false);
      for (let k = 0; k < sends.length; k++) {
        const s = await connectOver(fx, over, addr);
        sockets.push(s);
        s.watch(
          Ready.IN,
          keepingReader(s, got[k]!, () => {
            ended[k] = true;
          }),
        );
      }
      // The peers start together once every socket is connected.
      for (const s of sockets) assert.equal(s.write(Buffer.from('go')), 2);
      for (let t = 0; !ended.every(Boolean); t++) {
        assert.ok(t < 10_000, 'all four streams end');
        await sleep(1);
      }
      const blocks = new Set<ArrayBufferLike>();
      let chunks = 0;
      for (let k = 0; k < sends.length; k++) {
        assert.ok(Buffer.concat(got[k]!).equals(Buffer.concat(sends[k]!)), `socket ${k}: bytes intact`);
        for (const c of got[k]!) blocks.add(c.buffer);
        chunks += got[k]!.length;
      }
      // Not a block per copy: several copies share one.
      assert.ok(blocks.size * 4 < chunks, `${chunks} chunks in ${blocks.size} blocks`);
    } finally {
      for (const s of sockets) s.destroy();
      await fx.close();
    }
  });

  test(`node: a socket nobody reads stops reading from the kernel (the peer is held back), then delivers everything (${over})`, async () => {
    const fx = await createNodeFixture();
    let s: TransportSocket | undefined;
    try {
      const body = pattern(24 * 1024 * 1024, 3);
      let peerWritten = false;
      const addr = await listen(fx, (c) => {
        c.write(body);
        peerWritten = true;
        c.end();
      });
      const conn = await connectOver(fx, over, addr);
      s = conn;
      for (let t = 0; conn.connecting || !peerWritten; t++) {
        assert.ok(t < 5000, 'connects');
        await sleep(1);
      }
      for (let t = 0; !conn.hasPendingInput; t++) {
        assert.ok(t < 5000, 'data arrives');
        await sleep(1);
      }
      await sleep(200);
      // Not read for 200 ms: what the client holds is bounded by its buffer, the rest waits in the
      // kernel and at the peer. Reading now gets it all, in order.
      const first = conn.read();
      assert.ok(first instanceof Uint8Array);
      assert.ok(first.length <= 256 * 1024, `held while unread: ${first.length} bytes`);
      const parts: Uint8Array[] = [first];
      let total = first.length;
      await new Promise<void>((resolve) => {
        conn.watch(Ready.IN, () => {
          for (let r = conn.read(); r !== null; r = conn.read()) {
            if (r === EOF) {
              conn.unwatch();
              resolve();
              return;
            }
            parts.push(r);
            total += r.length;
          }
        });
      });
      assert.equal(total, body.length);
      assert.ok(Buffer.concat(parts).equals(body), 'bytes intact and in order');
    } finally {
      s?.destroy();
      await fx.close();
    }
  });
}
