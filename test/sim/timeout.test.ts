// Virtual time is real: a 30-minute total timeout against a stalled server ends with 28 at exactly
// the virtual deadline, in well under a second of wall time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';

const THIRTY_MINUTES = 30 * 60 * 1000;

test('30-minute timeout against a stalled server: 28 at exactly t=30min, fast in wall time', async () => {
  const net = new SimNetwork({ seed: 3 });
  net.listen('slow.test', 80, (_req, res) => res.end('never arrives'), {
    latencyMs: 25,
    faults: [{ kind: 'stall' }],
  });
  const multi = net.createMulti();
  const easy = new Easy({
    url: 'http://slow.test/',
    timeoutMs: THIRTY_MINUTES,
    writeFunction: (c) => c.length,
  });
  const wall = performance.now();
  multi.addHandle(easy);
  await net.run();
  const elapsed = performance.now() - wall;
  const msg = multi.infoRead();
  assert.equal(msg?.result, CurlCode.OPERATION_TIMEDOUT, easy.errorBuffer);
  assert.equal(net.now(), THIRTY_MINUTES);
  // getInfo() reads the virtual clock: the transfer started at t=0 and lasted exactly 30 minutes.
  const info = easy.getInfo();
  assert.equal(info.totalTime, THIRTY_MINUTES / 1000);
  assert.equal(info.connectTime, 0.05, 'the handshake takes one round trip of the 25 ms link');
  assert.match(easy.errorBuffer, /^Operation timed out after 1800000 milliseconds with 0 bytes received/);
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(1)} ms of wall time`);
  const trace = net.trace();
  assert.ok(trace.includes('t=1800000.000 timeout'), trace.join('\n'));
  assert.ok(trace.includes('t=1800000.000 done easy#1 result=28'), trace.join('\n'));
  multi.close();
});

test('the same stall without any timeout is reported, not hung', async () => {
  const net = new SimNetwork();
  net.listen('slow.test', 80, (_req, res) => res.end('x'), { faults: [{ kind: 'stall' }] });
  const multi = net.createMulti();
  multi.addHandle(new Easy({ url: 'http://slow.test/', writeFunction: (c) => c.length }));
  await assert.rejects(net.run(), /1 transfer\(s\) still running .* nothing left to happen/);
  multi.close();
});

test('run({ untilMs }) stops at that virtual time with the transfer still running', async () => {
  const net = new SimNetwork();
  net.listen('slow.test', 80, (_req, res) => res.end('x'), { faults: [{ kind: 'stall' }] });
  const multi = net.createMulti();
  multi.addHandle(new Easy({ url: 'http://slow.test/', timeoutMs: 60_000, writeFunction: (c) => c.length }));
  await net.run({ untilMs: 5000 });
  assert.equal(net.now(), 5000);
  assert.equal(multi.runningHandles, 1);
  await net.run();
  assert.equal(net.now(), 60_000);
  assert.equal(multi.infoRead()?.result, CurlCode.OPERATION_TIMEDOUT);
  multi.close();
});
