// getInfo(field), libcurl's one-field curl_easy_getinfo: for every field it reads what getInfo()
// has there, in every state of a transfer (never run, running, finished, failed, redirected,
// removed), on the simulator so virtual time makes the times of two calls equal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurlCode, Easy, EasyError, type EasyInfo } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';

/** Each field alone equals the whole info's. */
function sameAsWhole(easy: Easy, state: string): void {
  const whole = easy.getInfo();
  const keys = Object.keys(whole) as (keyof EasyInfo)[];
  assert.ok(keys.length > 50, `${keys.length} fields`);
  for (const k of keys) {
    const one = easy.getInfo(k);
    assert.deepEqual(one, whole[k], `${state}: ${k}`);
  }
}

function network(): SimNetwork {
  const net = new SimNetwork({ seed: 3 });
  net.listen(
    'svc.test',
    80,
    (req, res) => {
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/body' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'retry-after': '7' });
      res.end('x'.repeat(5000));
    },
    { latencyMs: 10, faults: [{ kind: 'drip', intervalMs: 1, afterBytes: 100, from: 'body' }] },
  );
  net.listen('hole.test', 80, (_req, res) => res.end('x'), { faults: [{ kind: 'refuse' }] });
  return net;
}

test('getInfo(field) equals getInfo()[field]: never run, running, finished, redirected, removed', async () => {
  const net = network();
  const multi = net.createMulti();
  const fresh = new Easy({ url: 'http://svc.test/', private: { tag: 1 } });
  sameAsWhole(fresh, 'never run');
  const done = new Easy({ url: 'http://svc.test/body', writeFunction: (c) => c.length, private: 'p' });
  const moved = new Easy({
    url: 'http://svc.test/moved',
    followLocation: true,
    customRequest: 'GET',
    writeFunction: (c) => c.length,
  });
  const stopped = new Easy({ url: 'http://svc.test/body', writeFunction: (c) => c.length });
  multi.addHandle(done);
  multi.addHandle(moved);
  multi.addHandle(stopped);
  sameAsWhole(done, 'added');
  await net.run({ untilMs: net.now() + 200 });
  assert.ok(done.getInfo('sizeDownload') > 0 && done.getInfo('sizeDownload') < 5000, 'mid-body');
  assert.ok(done.getInfo('totalTimeT') > 0);
  sameAsWhole(done, 'running');
  sameAsWhole(moved, 'running a redirect');
  const removedAt = net.now();
  const startedFor = stopped.getInfo('totalTime');
  multi.removeHandle(stopped);
  await net.run();
  // Its times stop at the removal, on the network's virtual clock (not the system's).
  assert.equal(stopped.getInfo('totalTime'), startedFor);
  assert.ok(net.now() > removedAt + 100, 'the network ran on after the removal');
  for (let m = multi.infoRead(); m; m = multi.infoRead()) assert.equal(m.result, CurlCode.OK);
  assert.equal(done.getInfo('responseCode'), 200);
  assert.ok(done.getInfo('totalTime') > 0);
  assert.equal(moved.getInfo('redirectCount'), 1);
  sameAsWhole(done, 'finished');
  sameAsWhole(moved, 'redirected');
  sameAsWhole(stopped, 'removed while running');
  multi.removeHandle(done);
  sameAsWhole(done, 'removed after the end');
  multi.close();
});

test('getInfo(field) equals getInfo()[field] for a failed transfer; an unknown field throws', async () => {
  const net = network();
  const multi = net.createMulti();
  const failed = new Easy({ url: 'http://hole.test/', certInfo: true });
  multi.addHandle(failed);
  await net.run();
  assert.equal(multi.infoRead()?.result, CurlCode.COULDNT_CONNECT);
  sameAsWhole(failed, 'failed');
  multi.close();
  for (const e of [failed, new Easy()]) {
    assert.throws(
      () => e.getInfo('statusCode' as keyof EasyInfo),
      (err: unknown) =>
        err instanceof EasyError && err.code === CurlCode.UNKNOWN_OPTION && /'statusCode'/.test(err.message),
    );
    assert.throws(() => e.getInfo('toString' as keyof EasyInfo), EasyError);
  }
});
