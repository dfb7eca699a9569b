// Happy eyeballs through the Multi in virtual time: a host with an IPv6 and an IPv4 address, the
// IPv6 one blackholed. IPv4 starts after happyEyeballsTimeoutMs and wins; the times getInfo shows
// are exact; the engine's timer (not a socket) wakes the transfer for the second attempt.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurlCode, Easy } from '../../../src/index.js';
import { SimNetwork } from '../../../src/sim.js';

async function fetchOnce(heMs: number | undefined, blackholeV6: boolean) {
  const net = new SimNetwork({ latencyMs: 10 });
  net.setAddresses('dual.test', [
    { address: 'fd00::1', family: 6 },
    { address: '10.0.0.1', family: 4 },
  ]);
  net.listen('dual.test', 80, (_q, r) => r.end('ok'));
  if (blackholeV6) net.blackhole(['fd00::1']);
  const multi = net.createMulti();
  const lines: string[] = [];
  const easy = new Easy({
    url: 'http://dual.test/',
    writeFunction: (c) => c.length,
    verbose: true,
    debugFunction: (type, data) => {
      if (type === 'text') lines.push(String(data).trimEnd());
    },
    ...(heMs === undefined ? {} : { happyEyeballsTimeoutMs: heMs }),
  });
  multi.addHandle(easy);
  await net.run();
  const info = easy.getInfo();
  multi.close();
  return { info, lines, activity: net.activity() };
}

test('IPv6 answers: it wins after one round trip (20 ms), IPv4 is never tried', async () => {
  const { info, lines } = await fetchOnce(undefined, false);
  assert.equal(info.result, CurlCode.OK);
  assert.equal(info.primaryIp, 'fd00::1');
  assert.equal(info.connectTime, 0.02);
  assert.deepEqual(
    lines.filter((l) => l.includes('Trying')),
    ['  Trying [fd00::1]:80...'],
  );
});

test('IPv6 blackholed: IPv4 at 200 ms, connected at 220 ms; at 50 ms with happyEyeballsTimeoutMs 50', async () => {
  const slow = await fetchOnce(undefined, true);
  assert.equal(slow.info.result, CurlCode.OK);
  assert.equal(slow.info.primaryIp, '10.0.0.1');
  assert.equal(slow.info.connectTime, 0.22);
  assert.deepEqual(
    slow.lines.filter((l) => l.includes('Trying')),
    ['  Trying [fd00::1]:80...', '  Trying 10.0.0.1:80...'],
  );
  assert.equal(slow.activity.openClientSockets, 0, 'the IPv6 attempt is closed');
  const fast = await fetchOnce(50, true);
  assert.equal(fast.info.connectTime, 0.07);
});
