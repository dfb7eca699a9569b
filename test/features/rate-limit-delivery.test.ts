// maxRecvSpeed paces what reaches the write callback (regression: a body that arrived in one read
// sat unseen for the whole rate-limit sleep with sizeDownload at 0, then came all at once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Easy } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';

test('maxRecvSpeed: a body that arrives in one read is delivered at the limited pace, never stuck at 0', async () => {
  const net = new SimNetwork({ seed: 1 });
  const body = Buffer.alloc(30_000, 7);
  net.listen('files.test', 80, (_req, res) => res.end(body), { latencyMs: 5 });
  const multi = net.createMulti();
  let written = 0;
  const easy = new Easy({
    url: 'http://files.test/one-read',
    maxRecvSpeed: 1_000, // 30 s worth of body at this rate
    writeFunction: (c) => {
      written += c.length;
      return c.length;
    },
  });
  multi.addHandle(easy);
  for (const second of [1, 5, 20]) {
    await net.run({ untilMs: second * 1000 });
    const info = easy.getInfo();
    assert.equal(info.sizeDownload, written, 'every byte counted was delivered');
    assert.ok(written > (second - 1) * 1000 * 0.9, `by ${second} s: ${written} bytes, not stuck`);
    assert.ok(written <= second * 1000 + 100, `by ${second} s: ${written} bytes, not ahead of the limit`);
  }
  await net.run();
  assert.equal(multi.infoRead()?.result, 0);
  assert.equal(written, body.length);
  assert.ok(net.now() >= 29_900, `${net.now()} ms`);
  multi.close();
});

test('maxRecvSpeed: a long body still averages within 5% of the limit', async () => {
  const net = new SimNetwork({ seed: 2 });
  const body = Buffer.alloc(400_000, 7);
  net.listen('files.test', 80, (_req, res) => res.end(body), { latencyMs: 5, bytesPerSecond: 10_000_000 });
  const multi = net.createMulti();
  const easy = new Easy({
    url: 'http://files.test/big',
    maxRecvSpeed: 100_000,
    writeFunction: (c) => c.length,
  });
  multi.addHandle(easy);
  await net.run();
  assert.equal(multi.infoRead()?.result, 0);
  assert.equal(easy.getInfo().sizeDownload, body.length);
  const rate = body.length / (net.now() / 1000);
  assert.ok(rate <= 100_000 * 1.05 && rate >= 100_000 * 0.95, `average ${Math.round(rate)} B/s`);
  multi.close();
});
