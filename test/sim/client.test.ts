// net.createClient(): the promise API (fetch, request, Client) over the simulated network, driven
// by the network itself in virtual time; and the guard against driving calls left un-awaited.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Easy } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';

describe('createClient', () => {
  test('fetch() and request() run in virtual time: one round trip to connect, one per exchange', async () => {
    const net = new SimNetwork({ seed: 5 });
    net.listen('api.test', 80, (req, res) => res.end(`hello ${req.url}`), { latencyMs: 25 });
    const client = net.createClient();
    const res = await client.fetch('http://api.test/a');
    assert.equal(await res.text(), 'hello /a');
    assert.equal(net.now(), 100); // connect 2 x 25, request 25, response 25
    const r = await client.request('http://api.test/b');
    assert.equal(await r.body.text(), 'hello /b');
    assert.equal(net.now(), 150); // the pooled connection: request and response only
    assert.equal(r.info.numConnects, 0);
    await client.close();
    assert.equal(net.activity().watchedSockets, 0);
  });

  test("fan-out under the client's limits takes the virtual time the limits imply", async () => {
    const net = new SimNetwork();
    let open = 0;
    let most = 0;
    net.listen('slow.test', 80, async (_req, res) => {
      most = Math.max(most, ++open);
      await net.sleep(1000);
      open--;
      res.end('ok');
    });
    const client = net.createClient({ maxHostConnections: 2 });
    const wall = performance.now();
    const bodies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.fetch(`http://slow.test/${i}`).then((r) => r.text())),
    );
    assert.deepEqual(bodies, Array(10).fill('ok'));
    assert.equal(most, 2);
    assert.ok(net.now() >= 5000 && net.now() < 5100, `t=${net.now()}`); // 5 rounds of 1 s
    assert.ok(performance.now() - wall < 5000, 'virtual seconds, not wall seconds');
    // getInfo() tells the story: two connections, the others waited their turn in the queue.
    const records = net.transferRecords();
    assert.equal(records.length, 10);
    assert.equal(new Set(records.map((r) => r.connId)).size, 2);
    const queued = records.map((r) => Math.round(r.queueTimeT / 1e6)).sort((a, b) => a - b);
    assert.deepEqual(queued, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]); // seconds
    await client.close();
  });

  test('faults reject with the CurlCode the fault table gives; timeouts fire at the virtual deadline', async () => {
    const net = new SimNetwork();
    net.listen('refused.test', 80, (_req, res) => res.end('x'), { faults: [{ kind: 'refuse' }] });
    net.listen('stalled.test', 80, (_req, res) => res.end('x'), { faults: [{ kind: 'stall' }] });
    const client = net.createClient();
    await assert.rejects(client.fetch('http://refused.test/'), { code: 'COULDNT_CONNECT', curlCode: 7 });
    const t0 = net.now();
    await assert.rejects(client.request('http://stalled.test/', { timeoutMs: 30 * 60_000 }), {
      code: 'OPERATION_TIMEDOUT',
    });
    assert.equal(Math.round(net.now() - t0), 30 * 60_000);
    await client.close();
  });

  test('a Client and a Multi share one network and one clock', async () => {
    const net = new SimNetwork();
    net.listen('api.test', 80, (_req, res) => res.end('y'), { latencyMs: 10 });
    const multi = net.createMulti();
    const client = net.createClient();
    multi.addHandle(new Easy({ url: 'http://api.test/m', writeFunction: (c) => c.length }));
    await net.run();
    assert.equal(multi.infoRead()?.result, 0);
    assert.equal(net.now(), 40);
    assert.equal(await (await client.fetch('http://api.test/c')).text(), 'y');
    assert.equal(net.now(), 80);
    multi.close();
    await client.close();
  });
});

describe('driving calls must be awaited', () => {
  test('advance() while run() has not finished rejects, naming both', async () => {
    const net = new SimNetwork();
    net.listen('api.test', 80, (_req, res) => res.end('z'), { latencyMs: 10 });
    const multi = net.createMulti();
    multi.addHandle(new Easy({ url: 'http://api.test/', writeFunction: (c) => c.length }));
    const running = net.run(); // not awaited (yet)
    await assert.rejects(net.advance(5), /net\.advance\(\) called while net\.run\(\) has not finished/);
    await assert.rejects(net.runUntilIdle(), /net\.runUntilIdle\(\) called while net\.run\(\)/);
    await running;
    assert.equal(multi.infoRead()?.result, 0);
    await net.advance(5); // once the first finished, the next one is fine
    multi.close();
  });
});
