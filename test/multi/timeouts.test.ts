// Connect and total timeouts in each phase, at exact virtual times, with curl's messages
// (timeouts are checked in every state from connect to done). Run on the simulator so the deadlines
// are exact and a 5-minute default costs nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { type Fault, SimNetwork } from '../../src/sim.js';

async function run(opts: { faults?: Fault[]; easy: ConstructorParameters<typeof Easy>[0] }) {
  const net = new SimNetwork({ seed: 7 });
  net.listen('svc.test', 80, (_req, res) => res.end('x'.repeat(1000)), {
    latencyMs: 10,
    ...(opts.faults === undefined ? {} : { faults: opts.faults }),
  });
  const multi = net.createMulti();
  const easy = new Easy({ url: 'http://svc.test/', writeFunction: (c) => c.length, ...opts.easy });
  multi.addHandle(easy);
  await net.run();
  const msg = multi.infoRead();
  multi.close();
  return { result: msg?.result, at: net.now(), message: easy.errorBuffer, easy };
}

test('connect timeout while resolving: 28, "Resolving timed out"', async () => {
  const r = await run({ faults: [{ kind: 'dnsDelay', ms: 5000 }], easy: { connectTimeoutMs: 1000 } });
  assert.equal(r.result, CurlCode.OPERATION_TIMEDOUT);
  assert.equal(r.at, 1000);
  assert.match(r.message, /^Resolving timed out after 1000 milliseconds/);
});

test('connect timeout while connecting: 28 at the deadline, "Connection timed out"', async () => {
  const r = await run({ faults: [{ kind: 'blackhole' }], easy: { connectTimeoutMs: 2000 } });
  assert.equal(r.result, CurlCode.OPERATION_TIMEDOUT);
  assert.equal(r.at, 2000);
  assert.match(r.message, /^Connection timed out after 2000 milliseconds/);
});

test('the default connect timeout is 300 s, as libcurl', async () => {
  const r = await run({ faults: [{ kind: 'blackhole' }], easy: {} });
  assert.equal(r.result, CurlCode.OPERATION_TIMEDOUT);
  assert.equal(r.at, 300_000);
});

test('the connect timeout stops applying once connected', async () => {
  const r = await run({
    faults: [{ kind: 'drip', intervalMs: 10, afterBytes: 0, from: 'body' }],
    easy: { connectTimeoutMs: 100 },
  });
  assert.equal(r.result, CurlCode.OK, r.message);
  assert.ok(r.at > 1000, `a slow body after a fast connect is fine (${r.at})`);
});

test('total timeout mid-body: 28 with bytes received out of the size', async () => {
  const r = await run({
    faults: [{ kind: 'stall', afterBytes: 400, from: 'body' }],
    easy: { timeoutMs: 5000 },
  });
  assert.equal(r.result, CurlCode.OPERATION_TIMEDOUT);
  assert.equal(r.at, 5000);
  assert.match(r.message, /^Operation timed out after 5000 milliseconds with 400 out of 1000 bytes received/);
  assert.equal(r.easy.getInfo().sizeDownload, 400);
});

test('total timeout shorter than the connect timeout wins while connecting', async () => {
  const r = await run({ faults: [{ kind: 'blackhole' }], easy: { timeoutMs: 700, connectTimeoutMs: 5000 } });
  assert.equal(r.result, CurlCode.OPERATION_TIMEDOUT);
  assert.equal(r.at, 700);
});

test('a transfer queued for a connection slot times out from its setup; a reused connection still works', async () => {
  const net = new SimNetwork({ seed: 7 });
  net.listen('svc.test', 80, (_req, res) => res.end('x'.repeat(1000)), { latencyMs: 10 });
  net.listen('hole.test', 80, (_req, res) => res.end('x'), { faults: [{ kind: 'blackhole' }] });
  const multi = net.createMulti({ maxHostConnections: 1 });
  const add = (url: string, connectTimeoutMs: number) => {
    const easy = new Easy({ url, writeFunction: (c) => c.length, connectTimeoutMs });
    multi.addHandle(easy);
    return easy;
  };
  const results = () => {
    const out = new Map<Easy, CurlCode>();
    for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) out.set(m.easy, m.result);
    return out;
  };
  // The first holds hole.test's only slot while it connects; the second waits in the queue.
  const holder = add('http://hole.test/', 5000);
  const queued = add('http://hole.test/', 1000);
  const first = add('http://svc.test/', 50);
  await net.run();
  const r1 = results();
  assert.equal(r1.get(queued), CurlCode.OPERATION_TIMEDOUT);
  assert.equal(queued.getInfo().totalTimeT, 1_000_000);
  assert.match(queued.errorBuffer, /^Connection timed out after 1000 milliseconds/);
  assert.equal(r1.get(holder), CurlCode.OPERATION_TIMEDOUT);
  assert.equal(holder.getInfo().totalTimeT, 5_000_000);
  assert.equal(r1.get(first), CurlCode.OK);
  // Later than the first's connect timeout after its setup: the second takes its connection.
  await net.run({ untilMs: net.now() + 100 });
  const second = add('http://svc.test/', 50);
  await net.run();
  assert.equal(results().get(second), CurlCode.OK, second.errorBuffer);
  assert.equal(second.getInfo().numConnects, 0);
  multi.close();
});
