// The simulator speaks HTTP/2 (h2c with prior knowledge): multiplexing, GOAWAY mid-flight, stream
// resets and SETTINGS changes, deterministic in virtual time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurlCode, Easy, HttpVersion } from '../../src/index.js';
import { type Http2ServerConnection, SimNetwork } from '../../src/sim.js';

const H2 = { httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE } as const;

function collect(net: SimNetwork, n: number, url: (i: number) => string, multiOpts = {}) {
  const multi = net.createMulti(multiOpts);
  const bodies = new Map<Easy, string>();
  const easies = Array.from({ length: n }, (_, i) => {
    const e = new Easy({
      ...H2,
      url: url(i),
      writeFunction: (c) => {
        bodies.set(e, (bodies.get(e) ?? '') + c.toString());
        return c.length;
      },
    });
    multi.addHandle(e);
    return e;
  });
  const results = (): Map<Easy, number> => {
    const out = new Map<Easy, number>();
    for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) out.set(m.easy, m.result);
    return out;
  };
  return { multi, easies, bodies, results };
}

describe('simulated HTTP/2', () => {
  test('100 transfers multiplexed on one connection, answered in reverse order, in one round trip', async () => {
    const net = new SimNetwork({ seed: 7 });
    let conns = 0;
    net.listenHttp2(
      'h2.test',
      80,
      async (req, res) => {
        const i = Number(req.url.slice(1));
        await net.sleep(100 - i); // the last asked is answered first
        res.end(`r${i}`);
      },
      { latencyMs: 10, onConnection: () => conns++ },
    );
    const { easies, bodies, results } = collect(net, 100, (i) => `http://h2.test/${i}`, {
      maxHostConnections: 1,
    });
    await net.run();
    const r = results();
    assert.equal(conns, 1);
    easies.forEach((e, i) => {
      assert.equal(r.get(e), CurlCode.OK);
      assert.equal(bodies.get(e), `r${i}`);
    });
    assert.equal(
      easies.reduce((n, e) => n + e.getInfo().numConnects, 0),
      1,
    );
    // Connect (2 x 10 ms), request and response (10 ms each) plus the longest handler wait.
    assert.ok(net.now() <= 20 + 20 + 100 + 20, `took ${net.now()} ms`);
  });

  test('the server stream limit (SETTINGS_MAX_CONCURRENT_STREAMS 3) caps streams in flight; the rest wait', async () => {
    const net = new SimNetwork({ seed: 3 });
    let inFlight = 0;
    let peak = 0;
    net.listenHttp2(
      'lim.test',
      80,
      async (_req, res) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await net.sleep(50);
        inFlight--;
        res.end('x');
      },
      { maxConcurrentStreams: 3 },
    );
    const { easies, results } = collect(net, 12, () => 'http://lim.test/', { maxHostConnections: 1 });
    await net.run();
    const r = results();
    assert.ok(easies.every((e) => r.get(e) === CurlCode.OK));
    assert.equal(peak, 3);
  });

  test('GOAWAY mid-flight: streams above its last id retried on a new connection, none lost, none hangs', async () => {
    const net = new SimNetwork({ seed: 11 });
    const servers: Http2ServerConnection[] = [];
    let first = true;
    net.listenHttp2(
      'ga.test',
      80,
      async (req, res) => {
        await net.sleep(20);
        res.end(`served ${req.url}`);
      },
      {
        onConnection: (c) => {
          servers.push(c);
          if (first) {
            first = false;
            // After the first three requests arrived, refuse everything above stream 3.
            void net.sleep(5).then(() => c.goaway(3));
          }
        },
      },
    );
    const { easies, bodies, results } = collect(net, 10, (i) => `http://ga.test/${i}`, {
      maxHostConnections: 1,
    });
    await net.run();
    const r = results();
    easies.forEach((e, i) => {
      assert.equal(r.get(e), CurlCode.OK, `transfer ${i}`);
      assert.equal(bodies.get(e), `served /${i}`);
    });
    assert.equal(servers.length, 2);
    assert.ok(servers[1]!.requests > 0, 'the refused streams went to the second connection');
  });

  test('a reset stream fails only its transfer with 92; the connection carries the others', async () => {
    const net = new SimNetwork({ seed: 5 });
    net.listenHttp2('rst.test', 80, (req, res) => {
      if (req.url === '/bad') (res as unknown as { resetStream(code: number): void }).resetStream(0xb);
      else res.end('fine');
    });
    const { easies, results } = collect(
      net,
      3,
      (i) => (i === 1 ? 'http://rst.test/bad' : 'http://rst.test/ok'),
      {
        maxHostConnections: 1,
      },
    );
    await net.run();
    const r = results();
    assert.deepEqual(
      easies.map((e) => r.get(e)),
      [CurlCode.OK, CurlCode.HTTP2_STREAM, CurlCode.OK],
    );
    assert.match(easies[1]!.errorBuffer, /ENHANCE_YOUR_CALM \(err 11\)/);
  });

  test('maxHostConnections 1: 10,000 transfers over one connection, numConnects adds up to 1', async () => {
    const net = new SimNetwork({ seed: 13 });
    net.listenHttp2('many.test', 80, (req, res) => res.end(req.url), { maxConcurrentStreams: 100 });
    const { easies, bodies, results } = collect(net, 10_000, (i) => `http://many.test/${i}`, {
      maxHostConnections: 1,
    });
    await net.run();
    const r = results();
    assert.ok(easies.every((e, i) => r.get(e) === CurlCode.OK && bodies.get(e) === `/${i}`));
    assert.equal(
      easies.reduce((n, e) => n + e.getInfo().numConnects, 0),
      1,
    );
  });

  test('runs replay exactly: the same seed gives the same trace', async () => {
    const once = async () => {
      const net = new SimNetwork({ seed: 99 });
      net.listenHttp2('d.test', 80, async (req, res) => {
        await net.sleep(req.url.length * 3);
        res.end('d');
      });
      collect(net, 20, (i) => `http://d.test/${'x'.repeat(i)}`, { maxHostConnections: 1 });
      await net.run();
      return net.trace().join('\n');
    };
    assert.equal(await once(), await once());
  });
});
