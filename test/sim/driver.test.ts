// The simulator as the application's event loop: user callbacks are wrapped, not replaced; several
// Multis can share one network; the trace is the exact callback sequence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurlCode, Easy, MultiCode, Poll } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';

describe('createMulti / run / trace', () => {
  test('user socket and timer callbacks see every call the trace records', async () => {
    const net = new SimNetwork();
    net.listen('a.test', 80, (_q, r) => r.end('ok'), { latencyMs: 5 });
    const calls: string[] = [];
    const multi = net.createMulti({
      socketFunction: (easy, socket, what) => {
        calls.push(`socket ${what} ${easy ? 'easy' : 'null'} ${socket.fd > 0}`);
      },
      timerFunction: (ms) => {
        calls.push(`timer ${ms}`);
      },
    });
    multi.addHandle(new Easy({ url: 'http://a.test/', writeFunction: (c) => c.length }));
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
    const fromTrace = net
      .trace()
      .map((l) => l.replace(/^t=\S+ /, ''))
      .filter((l) => l.startsWith('socket') || l.startsWith('timer'))
      .map((l) => {
        const [kind, a, b] = l.split(' ');
        if (kind === 'timer') return `timer ${a}`;
        const what = { IN: Poll.IN, OUT: Poll.OUT, INOUT: Poll.INOUT, REMOVE: Poll.REMOVE }[b as 'IN'];
        return `socket ${what} easy true`;
      });
    assert.deepEqual(calls, fromTrace);
    assert.ok(calls.length >= 6);
  });

  test('a user socket callback returning -1 kills the multi: the transfer fails with 42', async () => {
    const net = new SimNetwork();
    net.listen('a.test', 80, (_q, r) => r.end('ok'));
    const multi = net.createMulti({ socketFunction: () => -1 });
    const easy = new Easy({ url: 'http://a.test/', writeFunction: (c) => c.length });
    multi.addHandle(easy);
    // The socketAction that met the -1 fails with MultiCode.ABORTED_BY_CALLBACK; run() passes it on.
    await assert.rejects(
      net.run(),
      (err: Error & { code?: number }) => err.code === MultiCode.ABORTED_BY_CALLBACK,
    );
    assert.ok(net.trace().at(-1)?.endsWith('error Operation was aborted by an application callback'));
    assert.equal(multi.runningHandles, 0);
    assert.equal(multi.infoRead()?.result, CurlCode.ABORTED_BY_CALLBACK);
    multi.close();
    assert.equal(net.timerArmed(), false);
  });

  test('two multis on one network run together; trace lines carry m1/m2', async () => {
    const net = new SimNetwork({ latencyMs: 1 });
    net.listen('a.test', 80, (_q, r) => r.end('a'));
    const m1 = net.createMulti();
    const m2 = net.createMulti();
    m1.addHandle(new Easy({ url: 'http://a.test/1', writeFunction: (c) => c.length }));
    m2.addHandle(new Easy({ url: 'http://a.test/2', writeFunction: (c) => c.length }));
    await net.run();
    assert.equal(m1.infoRead()?.result, CurlCode.OK);
    assert.equal(m2.infoRead()?.result, CurlCode.OK);
    const trace = net.trace();
    assert.ok(trace.some((l) => / m1 done easy#\d result=0$/.test(l)));
    assert.ok(trace.some((l) => / m2 done easy#\d result=0$/.test(l)));
    m1.close();
    m2.close();
  });

  test('trace: false records nothing; results are the same', async () => {
    const net = new SimNetwork({ trace: false });
    net.listen('a.test', 80, (_q, r) => r.end('a'));
    const multi = net.createMulti();
    multi.addHandle(new Easy({ url: 'http://a.test/', writeFunction: (c) => c.length }));
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
    assert.deepEqual(net.trace(), []);
  });

  test('keep-alive reuse under maxHostConnections: one connection, REMOVE then re-announce', async () => {
    const net = new SimNetwork({ latencyMs: 2 });
    net.listen('a.test', 80, (req, r) => r.end(req.url));
    const multi = net.createMulti({ maxHostConnections: 1 });
    for (let i = 0; i < 3; i++)
      multi.addHandle(new Easy({ url: `http://a.test/${i}`, writeFunction: (c) => c.length }));
    await net.run();
    const results = [multi.infoRead(), multi.infoRead(), multi.infoRead()].map((m) => m?.result);
    assert.deepEqual(results, [0, 0, 0]);
    assert.equal(net.stats.connections, 1);
    const conn = net.trace().filter((l) => / socket fd=\d+ (IN|REMOVE) easy#[23]$/.test(l));
    assert.ok(conn.length >= 4, net.trace().join('\n'));
    multi.close();
  });
});

describe('pooled connections meet server-side closes', () => {
  test('an idle connection the server closed (keep-alive timeout) is not reused', async () => {
    const net = new SimNetwork({ latencyMs: 3 });
    net.listen('a.test', 80, (req, r) => r.end(req.url), { keepAliveTimeoutMs: 1000 });
    const multi = net.createMulti();
    multi.addHandle(new Easy({ url: 'http://a.test/1', writeFunction: (c) => c.length }));
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
    await net.advance(5000);
    multi.addHandle(new Easy({ url: 'http://a.test/2', writeFunction: (c) => c.length }));
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
    assert.equal(net.stats.connections, 2);
    multi.close();
  });

  test('a still-open idle connection is reused', async () => {
    const net = new SimNetwork({ latencyMs: 3 });
    net.listen('a.test', 80, (req, r) => r.end(req.url), { keepAliveTimeoutMs: 10_000 });
    const multi = net.createMulti();
    multi.addHandle(new Easy({ url: 'http://a.test/1', writeFunction: (c) => c.length }));
    await net.run();
    await net.advance(5000);
    multi.addHandle(new Easy({ url: 'http://a.test/2', writeFunction: (c) => c.length }));
    await net.run();
    assert.deepEqual([multi.infoRead()?.result, multi.infoRead()?.result], [0, 0]);
    assert.equal(net.stats.connections, 1);
    multi.close();
  });
});
