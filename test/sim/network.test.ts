import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latin1 } from '../../src/transport/sim/bytes.js';
import { SimNet } from '../../src/transport/sim/network.js';
import type { PeerConn } from '../../src/transport/sim/peer.js';
import type { SimSocket } from '../../src/transport/sim/socket.js';
import { EOF, Ready, type Resolution, type TransportSocket } from '../../src/transport/types.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Connect to host:port through the transport, resolving first. */
async function connectTo(net: SimNet, host: string, port: number): Promise<TransportSocket> {
  const r = net.transport.resolve(host, 0);
  await net.advance(0);
  await untilResolved(net, r);
  const res = r.result;
  if (!res || 'error' in res)
    throw new Error(`resolve failed: ${String(res && 'error' in res && res.error)}`);
  const a = res.addresses[0]!;
  return net.transport.connect({ address: a.address, port, family: a.family });
}

async function untilResolved(net: SimNet, r: Resolution): Promise<void> {
  for (let i = 0; i < 1000 && r.result === undefined; i++) await net.advance(1);
}

function readAll(s: TransportSocket): { text: string; eof: boolean } {
  let text = '';
  let eof = false;
  for (;;) {
    const r = s.read();
    if (r === null) break;
    if (r === EOF) {
      eof = true;
      break;
    }
    text += latin1(r);
  }
  return { text, eof };
}

describe('sim network: connections', () => {
  test('connect takes one round trip; bytes take one latency each way', async () => {
    const net = new SimNet({ seed: 1 });
    let peer: PeerConn | undefined;
    net.listenRaw(
      'a.test',
      80,
      (c) => {
        peer = c;
        c.onData((b) => c.write(`echo:${latin1(b)}`));
      },
      { latencyMs: 10 },
    );
    const s = await connectTo(net, 'a.test', 80);
    assert.equal(s.connecting, true);
    const events: Array<[number, number]> = [];
    s.watch(Ready.OUT, (ev) => events.push([net.now(), ev]));
    await net.advance(19);
    assert.equal(s.connecting, true);
    await net.advance(1);
    assert.equal(s.connecting, false);
    assert.deepEqual(events, [[20, Ready.OUT]]);
    assert.ok(peer);
    assert.equal(s.localAddress, peer.remoteAddress);
    assert.equal(s.remoteAddress, net.addressOf('a.test'));
    assert.equal(s.write(enc('hi')), 2);
    s.watch(Ready.IN, (ev) => events.push([net.now(), ev]));
    await net.advance(100);
    assert.deepEqual(events.slice(1), [[40, Ready.IN]]);
    assert.deepEqual(readAll(s), { text: 'echo:hi', eof: false });
    assert.equal(s.read(), null);
  });

  test('refused connect reports ERR with ECONNREFUSED after a round trip', async () => {
    const net = new SimNet({ latencyMs: 5 });
    const s = net.transport.connect({ address: '10.9.9.9', port: 80, family: 4 });
    let got = 0;
    s.watch(Ready.OUT, (ev) => {
      got = ev;
    });
    await net.advance(10);
    assert.equal(got, Ready.ERR | Ready.OUT);
    assert.equal(s.error?.code, 'ECONNREFUSED');
    assert.equal(s.write(enc('x')), 0);
    assert.equal(s.read(), null);
  });

  test('watch never calls back synchronously, and not after unwatch', async () => {
    const net = new SimNet();
    net.listenRaw('a.test', 1, (c) => c.write('x'));
    const s = await connectTo(net, 'a.test', 1);
    await net.advance(0);
    let calls = 0;
    s.watch(Ready.IN, () => calls++);
    assert.equal(calls, 0);
    s.unwatch();
    await net.advance(10);
    assert.equal(calls, 0);
    s.watch(Ready.IN, () => calls++);
    assert.equal(calls, 0);
    await net.advance(0);
    assert.equal(calls, 1);
  });

  test('half-close from the server: data then EOF, and the client can still write', async () => {
    const net = new SimNet();
    let peer: PeerConn | undefined;
    net.listenRaw('a.test', 1, (c) => {
      peer = c;
      c.end('bye');
    });
    const s = await connectTo(net, 'a.test', 1);
    await net.advance(1);
    assert.deepEqual(readAll(s), { text: 'bye', eof: true });
    assert.equal(s.read(), EOF);
    assert.equal(s.hasPendingInput, true);
    assert.equal(s.write(enc('after')), 5);
    await net.advance(1);
    assert.equal(peer?.receivedText(), 'after');
  });

  test('client end() reaches the server as end of stream', async () => {
    const net = new SimNet();
    let ended = false;
    net.listenRaw('a.test', 1, (c) => c.onEnd(() => (ended = true)));
    const s = await connectTo(net, 'a.test', 1);
    await net.advance(0);
    s.end();
    await net.advance(0);
    assert.equal(ended, true);
  });

  test('backpressure: a full window makes write() short, OUT comes once the peer reads', async () => {
    const net = new SimNet({ windowBytes: 1000, latencyMs: 1 });
    let peer: PeerConn | undefined;
    net.listenRaw('a.test', 1, (c) => {
      peer = c;
      c.pause();
    });
    const s = await connectTo(net, 'a.test', 1);
    await net.advance(2);
    assert.equal(s.write(new Uint8Array(600)), 600);
    assert.equal(s.write(new Uint8Array(600)), 400);
    let out = 0;
    s.watch(Ready.OUT, () => out++);
    await net.advance(50);
    assert.equal(out, 0);
    peer!.resume();
    await net.advance(0);
    assert.equal(out, 0, 'the ack needs one latency to come back');
    await net.advance(1);
    assert.equal(out, 1);
    assert.equal(s.write(new Uint8Array(600)), 600);
  });

  test('reset: buffered bytes first, then null with ECONNRESET', async () => {
    const net = new SimNet();
    net.listenRaw('a.test', 1, (c) => {
      c.write('abc');
      c.reset();
    });
    const s = await connectTo(net, 'a.test', 1);
    let ev = 0;
    s.watch(Ready.IN, (e) => (ev |= e));
    await net.advance(1);
    assert.ok(ev & Ready.ERR);
    assert.equal(s.error?.code, 'ECONNRESET');
    assert.equal(latin1(s.read() as Uint8Array), 'abc');
    assert.equal(s.read(), null);
    assert.equal(s.write(enc('x')), 0);
  });

  test('bandwidth paces delivery', async () => {
    const net = new SimNet();
    net.listenRaw('a.test', 1, (c) => c.write(new Uint8Array(10_000)), { bytesPerSecond: 100_000 });
    const s = await connectTo(net, 'a.test', 1);
    let at = -1;
    s.watch(Ready.IN, () => (at = net.now()));
    await net.advance(1000);
    assert.equal(at, 100);
  });

  test('destroy drops watchers and the server sees the close', async () => {
    const net = new SimNet();
    let ended = false;
    net.listenRaw('a.test', 1, (c) => c.onEnd(() => (ended = true)));
    const s = await connectTo(net, 'a.test', 1);
    await net.advance(0);
    s.watch(Ready.IN, () => assert.fail('no callback after destroy'));
    s.destroy();
    s.destroy();
    await net.advance(5);
    assert.equal(ended, true);
    assert.equal(net.activity().openClientSockets, 0);
  });

  test('fds are unique; each network numbers its sockets from 3', async () => {
    const a = new SimNet();
    const b = new SimNet();
    const s1 = a.transport.connect({ address: '10.0.0.1', port: 1, family: 4 }) as SimSocket;
    const s2 = b.transport.connect({ address: '10.0.0.1', port: 1, family: 4 }) as SimSocket;
    assert.notEqual(s1.fd, s2.fd);
    assert.equal(s1.localFd, 3);
    assert.equal(s2.localFd, 3);
  });
});

describe('sim network: names', () => {
  test('IP literals and localhost resolve synchronously; names through the scheduler', async () => {
    const net = new SimNet({ dnsDelayMs: 7 });
    net.listen('api.test', 80, (_q, r) => r.end());
    assert.deepEqual(net.transport.resolve('10.1.2.3', 0).result, {
      addresses: [{ address: '10.1.2.3', family: 4 }],
    });
    assert.deepEqual(net.transport.resolve('localhost', 6).result, {
      addresses: [{ address: '::1', family: 6 }],
    });
    const r = net.transport.resolve('API.test', 0);
    assert.equal(r.result, undefined);
    let when = -1;
    r.watch(Ready.IN, () => (when = net.now()));
    await net.advance(20);
    assert.equal(when, 7);
    assert.deepEqual(r.result, { addresses: [{ address: net.addressOf('api.test'), family: 4 }] });
  });

  test('unknown names fail with ENOTFOUND; cancel drops the watcher', async () => {
    const net = new SimNet();
    const r = net.transport.resolve('nowhere.test', 0);
    await net.advance(0);
    assert.ok(r.result && 'error' in r.result && r.result.error.code === 'ENOTFOUND');
    const r2 = net.transport.resolve('nowhere.test', 0);
    r2.watch(Ready.IN, () => assert.fail('cancelled'));
    r2.cancel();
    await net.advance(1);
    assert.equal(r2.result, undefined);
  });
});

describe('sim network: virtual time', () => {
  test('sleep resolves in virtual time, in order', async () => {
    const net = new SimNet();
    const order: string[] = [];
    void net.sleep(30).then(() => order.push(`b@${net.now()}`));
    void net.sleep(10).then(() => order.push(`a@${net.now()}`));
    const t0 = Date.now();
    await net.advance(24 * 3600 * 1000);
    assert.ok(Date.now() - t0 < 1000);
    assert.deepEqual(order, ['a@10', 'b@30']);
    assert.equal(net.now(), 24 * 3600 * 1000);
  });
});
