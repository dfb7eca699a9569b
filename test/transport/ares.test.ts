// dnsServers / dnsLocalIp4 through c-ares against a UDP DNS server of the test's own on loopback:
// A and AAAA asked in parallel, IPv6 first, NXDOMAIN an error, and the default resolver still the
// system's (localhost without any query).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NodeTransport } from '../../src/transport/node/transport.js';
import type { Resolution } from '../../src/transport/types.js';
import { startUdpDns, type UdpDnsServer } from '../helpers/dns-server.js';

let dns: UdpDnsServer;
before(async () => {
  dns = await startUdpDns({
    'dual.test': { a: ['192.0.2.10'], aaaa: ['2001:db8::10'] },
    'alias.test': { cname: 'dual.test' },
  });
});
after(() => dns.close());

function wait(r: Resolution): Promise<Resolution['result']> {
  if (r.result !== undefined) return Promise.resolve(r.result);
  return new Promise((resolve) =>
    r.watch(1, () => {
      r.cancel();
      resolve(r.result);
    }),
  );
}

test('dnsServers: both families from the given server, IPv6 first', async () => {
  const t = new NodeTransport();
  const res = await wait(t.resolve('dual.test', 0, { servers: [`127.0.0.1:${dns.port}`] }));
  assert.deepEqual(res, {
    addresses: [
      { address: '2001:db8::10', family: 6 },
      { address: '192.0.2.10', family: 4 },
    ],
  });
  assert.deepEqual(dns.queries.map((q) => q.type).sort(), [1, 28]);
});

test('a CNAME is followed; family 4 asks only A; dnsLocalIp4 binds the query', async () => {
  const t = new NodeTransport();
  dns.queries.length = 0;
  const res = await wait(
    t.resolve('alias.test', 4, { servers: [`127.0.0.1:${dns.port}`], localIp4: '127.0.0.1' }),
  );
  assert.deepEqual(res, { addresses: [{ address: '192.0.2.10', family: 4 }] });
  assert.deepEqual(dns.queries, [{ name: 'alias.test', type: 1 }]);
});

test('NXDOMAIN is an error; an unknown interface too', async () => {
  const t = new NodeTransport();
  const res = await wait(t.resolve('nope.test', 0, { servers: [`127.0.0.1:${dns.port}`] }));
  assert.ok(res !== undefined && 'error' in res);
  const bad = await wait(
    t.resolve('dual.test', 0, { servers: [`127.0.0.1:${dns.port}`], interface: 'no-such-if0' }),
  );
  assert.ok(bad !== undefined && 'error' in bad);
  assert.match((bad as { error: Error }).error.message, /no such interface/);
});
