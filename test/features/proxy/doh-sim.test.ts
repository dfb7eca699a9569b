// DNS-over-HTTPS in virtual time: the A and AAAA probes are the engine's own transfers in the same
// Multi, so their timing is exact: 10 ms each way, the DoH server speaks h2 over (simulated) TLS
// 1.3, so a lookup costs connect (20 ms) + TLS (20 ms) + one exchange (20 ms) = 60 ms, both probes
// on one connection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurlCode, Easy, type EasyOptions } from '../../../src/index.js';
import type { Multi } from '../../../src/multi/multi.js';
import { DnsType } from '../../../src/proto/dns/index.js';
import { SimNetwork } from '../../../src/sim.js';
import { type SimDohPlan, simDohHandler, type Zone } from '../../helpers/dns-server.js';

const DOH = 'https://doh.test/dns-query';

interface Run {
  net: SimNetwork;
  multi: Multi;
  seen: Array<{ name: string; type: number; at: number }>;
  dohConnections: () => number;
}

function world(zone: (net: SimNetwork) => Zone, plan?: SimDohPlan, dohUp = true): Run {
  const net = new SimNetwork({ latencyMs: 10 });
  net.listen('app.test', 80, (q, r) => r.end(`app ${q.url}`));
  net.listen('other.test', 80, (_q, r) => r.end('other'));
  const seen: Run['seen'] = [];
  // Down: the name resolves, nothing listens there (connections are refused).
  if (!dohUp) net.setAddresses('doh.test', [{ address: '10.99.0.1', family: 4 }]);
  const listener = dohUp
    ? net.listenHttp2('doh.test', 443, simDohHandler(net, zone(net), seen, plan), { tls: {} })
    : undefined;
  return { net, multi: net.createMulti(), seen, dohConnections: () => listener?.connections ?? 0 };
}

function transfer(url: string, extra: EasyOptions = {}) {
  const out = { body: '', lines: [] as string[], result: -1 };
  const easy = new Easy({
    url,
    dohUrl: DOH,
    writeFunction: (c) => {
      out.body += c.toString();
      return c.length;
    },
    debugFunction: (type, d) => {
      if (type === 'text') out.lines.push(String(d).trimEnd());
    },
    ...extra,
  });
  return { easy, out };
}

async function runAll(r: Run, easies: Easy[]): Promise<Map<Easy, number>> {
  for (const e of easies) r.multi.addHandle(e);
  await r.net.run();
  const results = new Map<Easy, number>();
  for (let m = r.multi.infoRead(); m !== undefined; m = r.multi.infoRead()) results.set(m.easy, m.result);
  return results;
}

const appZone = (net: SimNetwork): Zone => ({
  'www.example': { a: [net.addressOf('app.test')], ttl: 300 },
  'other.example': { a: [net.addressOf('other.test')] },
  'slow.example': { a: [net.addressOf('other.test')] },
  'alias.example': { cname: 'hop.example' },
  'hop.example': { cname: 'www.example' },
});

test('DoH: A and AAAA asked in parallel on one h2 connection; the answer is cached; verbose as curl', async () => {
  const r = world(appZone);
  const a = transfer('http://www.example/x');
  const res = await runAll(r, [a.easy]);
  assert.equal(res.get(a.easy), CurlCode.OK, a.easy.errorBuffer);
  assert.equal(a.out.body, 'app /x');
  assert.deepEqual(
    r.seen.map((q) => [q.name, q.type, q.at]),
    [
      ['www.example', DnsType.A, 50],
      ['www.example', DnsType.AAAA, 50],
    ],
  );
  assert.equal(r.dohConnections(), 1, 'the two probes share one connection (h2, pipeWait)');
  const info = a.easy.getInfo();
  assert.equal(info.namelookupTime, 0.06);
  assert.equal(info.connectTime, 0.08);
  assert.equal(info.primaryIp, r.net.addressOf('app.test'));
  assert.equal(r.multi.easyHandles.length, 1, 'probes are not the application handles');
  for (const line of [
    'a DoH request is completed, 1 to go',
    'a DoH request is completed, 0 to go',
    'DoH: No content type AAAA for www.example',
    'DoH Host name: www.example',
    'TTL: 300 seconds',
    `DoH A: ${r.net.addressOf('app.test')}`,
  ]) {
    assert.ok(a.out.lines.includes(line), `${line}\n${a.out.lines.join('\n')}`);
  }
  // The same name again: from the cache, no query.
  const again = transfer('http://www.example/y');
  const res2 = await runAll(r, [again.easy]);
  assert.equal(res2.get(again.easy), CurlCode.OK);
  assert.equal(r.seen.length, 2);
  assert.equal(again.easy.getInfo().namelookupTime, 0);
  assert.equal(r.multi.runningHandles, 0);
  r.multi.close();
  assert.equal(r.net.activity().openClientSockets, 0);
});

test('DoH over an HTTP/1.1-only server: the AAAA probe opens its own connection once ALPN says no h2', async () => {
  const net = new SimNetwork({ latencyMs: 10 });
  net.listen('app.test', 80, (q, res) => res.end(`app ${q.url}`));
  const seen: Run['seen'] = [];
  // TLS without h2 in the server's ALPN: each probe needs a connection of its own.
  const doh = net.listen('doh.test', 443, simDohHandler(net, appZone(net), seen), { tls: {} });
  const r: Run = { net, multi: net.createMulti(), seen, dohConnections: () => doh.connections };
  const a = transfer('http://www.example/x');
  const res = await runAll(r, [a.easy]);
  assert.equal(res.get(a.easy), CurlCode.OK, a.easy.errorBuffer);
  assert.equal(a.out.body, 'app /x');
  // The A probe connects (20 ms), agrees on http/1.1 in TLS (20 ms) and asks at 50 ms. The AAAA
  // probe waited for that connection (pipeWait) and, told at 40 ms it cannot multiplex, opens its
  // own (libcurl's ConnectionExists once the bundle is known not to multiplex): it asks at 90 ms,
  // not after the A exchange on the first connection.
  assert.deepEqual(
    r.seen.map((q) => [q.type, q.at]),
    [
      [DnsType.A, 50],
      [DnsType.AAAA, 90],
    ],
  );
  assert.equal(r.dohConnections(), 2);
  assert.equal(a.easy.getInfo().namelookupTime, 0.1);
  r.multi.close();
  assert.equal(r.net.activity().openClientSockets, 0);
});

test('DoH: a slow DoH answer for one name holds up only the transfers that need it', async () => {
  const r = world(appZone, (q) => (q.name === 'slow.example' ? { delayMs: 5000 } : undefined));
  const slow = transfer('http://slow.example/');
  const fast = transfer('http://www.example/');
  const direct = transfer('http://other.test/', { dohUrl: '' });
  const res = await runAll(r, [slow.easy, fast.easy, direct.easy]);
  assert.equal(res.get(slow.easy), CurlCode.OK, slow.easy.errorBuffer);
  assert.equal(res.get(fast.easy), CurlCode.OK, fast.easy.errorBuffer);
  assert.equal(res.get(direct.easy), CurlCode.OK);
  assert.equal(fast.easy.getInfo().totalTime, 0.1);
  assert.equal(direct.easy.getInfo().totalTime, 0.04);
  assert.equal(slow.easy.getInfo().namelookupTime, 5.06);
  r.multi.close();
});

test('DoH: A answers, AAAA fails (SERVFAIL): the transfer goes on over IPv4', async () => {
  const r = world(appZone, (q) =>
    q.type === DnsType.AAAA ? { status: 200, body: servfail(q.name) } : undefined,
  );
  const a = transfer('http://www.example/');
  const res = await runAll(r, [a.easy]);
  assert.equal(res.get(a.easy), CurlCode.OK, a.easy.errorBuffer);
  assert.ok(a.out.lines.includes('DoH: Bad RCODE 2 type AAAA for www.example'), a.out.lines.join('\n'));
  r.multi.close();
});

test('DoH: a CNAME chain is followed to the addresses', async () => {
  const r = world(appZone);
  const a = transfer('http://alias.example/c');
  const res = await runAll(r, [a.easy]);
  assert.equal(res.get(a.easy), CurlCode.OK, a.easy.errorBuffer);
  assert.equal(a.out.body, 'app /c');
  assert.ok(a.out.lines.includes('CNAME: hop.example'));
  assert.ok(a.out.lines.includes('CNAME: www.example'));
  r.multi.close();
});

test('DoH: NXDOMAIN ends the transfer with 6 naming the reason; another transfer carries on', async () => {
  const r = world(appZone);
  const bad = transfer('http://nowhere.example/');
  const good = transfer('http://www.example/');
  const res = await runAll(r, [bad.easy, good.easy]);
  assert.equal(res.get(bad.easy), CurlCode.COULDNT_RESOLVE_HOST);
  assert.equal(
    bad.easy.errorBuffer,
    'Could not resolve host: nowhere.example (DoH: A: Bad RCODE 3 (NXDOMAIN); AAAA: Bad RCODE 3 (NXDOMAIN))',
  );
  assert.equal(res.get(good.easy), CurlCode.OK);
  r.multi.close();
  assert.equal(r.net.activity().openClientSockets, 0);
});

test('DoH: a malformed answer, an error status, an over-long answer: 6 with the reason of each', async () => {
  const garbage = new Uint8Array([0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 3, 0x77]);
  const r = world(appZone, (q) =>
    q.type === DnsType.A ? { body: garbage } : { status: 500, body: new Uint8Array(0) },
  );
  const a = transfer('http://www.example/');
  const res = await runAll(r, [a.easy]);
  assert.equal(res.get(a.easy), CurlCode.COULDNT_RESOLVE_HOST);
  assert.equal(
    a.easy.errorBuffer,
    'Could not resolve host: www.example (DoH: A: Out of range; AAAA: Too small (HTTP 500))',
  );
  const big = world(appZone, () => ({ body: new Uint8Array(4000) }));
  const b = transfer('http://www.example/');
  const res2 = await runAll(big, [b.easy]);
  assert.equal(res2.get(b.easy), CurlCode.COULDNT_RESOLVE_HOST);
  assert.match(b.easy.errorBuffer, /^Could not resolve host: www\.example \(DoH: A: Failure writing output/);
  assert.ok(b.out.lines.includes('DoH request Failed writing received data to disk/application'));
  r.multi.close();
  big.multi.close();
});

test('DoH: the DoH server cannot be reached: 6 naming the connect failure; a proxy name gives 5', async () => {
  const r = world(appZone, undefined, false);
  const a = transfer('http://www.example/');
  const p = transfer('http://www.example/', { proxy: 'http://proxy.example:3128' });
  const res = await runAll(r, [a.easy, p.easy]);
  assert.equal(res.get(a.easy), CurlCode.COULDNT_RESOLVE_HOST);
  assert.match(
    a.easy.errorBuffer,
    /^Could not resolve host: www\.example \(DoH: A: Failed to connect to doh\.test port 443/,
  );
  assert.equal(res.get(p.easy), CurlCode.COULDNT_RESOLVE_PROXY);
  assert.match(p.easy.errorBuffer, /^Could not resolve proxy: proxy\.example \(DoH: /);
  r.multi.close();
});

test('DoH: the answer lives for its TTL within dnsCacheTimeout', async () => {
  const r = world((net) => ({ 'www.example': { a: [net.addressOf('app.test')], ttl: 2 } }));
  const times: number[] = [];
  for (const at of [0, 1000, 2500]) {
    if (at > 0) await r.net.advance(at - r.net.now());
    // A fresh connection each time: a reused one would need no name.
    const a = transfer('http://www.example/', { freshConnect: true });
    const res = await runAll(r, [a.easy]);
    assert.equal(res.get(a.easy), CurlCode.OK);
    times.push(r.seen.length);
  }
  assert.deepEqual(times, [2, 2, 4], 'asked again once the 2 s TTL passed');
  const short = transfer('http://www.example/', { dnsCacheTimeout: 0, freshConnect: true });
  await runAll(r, [short.easy]);
  assert.equal(r.seen.length, 6, 'dnsCacheTimeout 0: asked every time');
  r.multi.close();
});

test('DoH: removing the transfer while it resolves removes its probes', async () => {
  const r = world(appZone, () => ({ delayMs: 1000 }));
  const a = transfer('http://www.example/');
  r.multi.addHandle(a.easy);
  await r.net.advance(100);
  assert.equal(r.multi.runningHandles, 3, 'the transfer and its two probes');
  r.multi.removeHandle(a.easy);
  assert.equal(r.multi.runningHandles, 0);
  await r.net.run();
  assert.equal(r.net.activity().openClientSockets, 1, 'the DoH connection, idle in the pool');
  r.multi.close();
  assert.equal(r.net.activity().openClientSockets, 0);
});

/** A SERVFAIL answer to a query for `name` (rcode 2). */
function servfail(name: string): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  return new Uint8Array([0, 0, 0x81, 0x82, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 28, 0, 1]);
}
