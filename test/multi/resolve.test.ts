// Shared lookups and cached answers: one query however many transfers wait for a name, a lookup
// abandoned by one of them goes on for the others, resolve entries and ipResolve apply to cached
// answers, and dnsCacheTimeout (seconds, -1 forever, 0 off) decides how long an answer is used.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DnsCache } from '../../src/multi/dns-cache.js';
import { cachedLookup, dnsTimeoutMs, InflightLookups, storeLookup } from '../../src/multi/resolve.js';
import { SimNetwork } from '../../src/sim.js';

describe('InflightLookups', () => {
  test('two askers share one query; the first to cancel does not stop it for the other', async () => {
    const net = new SimNetwork({ dnsDelayMs: 100 });
    net.setAddresses('slow.test', [{ address: '10.9.9.9', family: 4 }]);
    const inflight = new InflightLookups();
    const a = inflight.start(net.transport, 'slow.test', 0, undefined);
    const b = inflight.start(net.transport, 'SLOW.test', 0, undefined);
    assert.equal(a, b);
    assert.equal(net.stats.lookups, 1);
    inflight.release(a);
    let readyAt = -1;
    b.watch(1, () => {
      readyAt = net.now();
    });
    await net.advance(200);
    assert.equal(readyAt, 100);
    assert.deepEqual(b.result, { addresses: [{ address: '10.9.9.9', family: 4 }] });
    inflight.release(b);
    assert.equal(inflight.size, 0);
    assert.equal(net.activity().openClientSockets, 0);
  });
  test('a different family or resolver is another query', () => {
    const net = new SimNetwork({ dnsDelayMs: 100 });
    const inflight = new InflightLookups();
    const a = inflight.start(net.transport, 'x.test', 0, undefined);
    const b = inflight.start(net.transport, 'x.test', 4, undefined);
    const c = inflight.start(net.transport, 'x.test', 0, { servers: ['127.0.0.1:53'] });
    assert.notEqual(a, b);
    assert.notEqual(a, c);
    for (const r of [a, b, c]) inflight.release(r);
    assert.equal(inflight.size, 0);
  });
});

describe('cachedLookup', () => {
  const v4 = { address: '192.0.2.1', family: 4 as const };
  const v6 = { address: '2001:db8::1', family: 6 as const };
  test('dnsCacheTimeout in seconds; the owner default otherwise', () => {
    assert.equal(dnsTimeoutMs({}), 60_000);
    assert.equal(dnsTimeoutMs({}, 5000), 5000);
    assert.equal(dnsTimeoutMs({ dnsCacheTimeout: 2 }), 2000);
    assert.equal(dnsTimeoutMs({ dnsCacheTimeout: -1 }), -1);
    assert.equal(dnsTimeoutMs({ dnsCacheTimeout: 0 }), 0);
  });
  test('stored answers age per transfer; ipResolve filters them', () => {
    const cache = new DnsCache();
    storeLookup(cache, {}, 'h.test', 80, [v6, v4], 0);
    assert.deepEqual(cachedLookup(cache, {}, 'h.test', 80, 59_999), [v6, v4]);
    assert.deepEqual(cachedLookup(cache, { ipResolve: 1 }, 'h.test', 80, 1), [v4]);
    assert.equal(cachedLookup(cache, { dnsCacheTimeout: 1 }, 'h.test', 80, 1000), undefined);
    storeLookup(cache, { dnsCacheTimeout: 0 }, 'off.test', 80, [v4], 0);
    assert.equal(cachedLookup(cache, { dnsCacheTimeout: -1 }, 'off.test', 80, 0), undefined);
  });
  test('resolve entries are loaded first', () => {
    const cache = new DnsCache();
    assert.deepEqual(cachedLookup(cache, { resolve: ['h.test:443:192.0.2.1'] }, 'h.test', 443, 0), [v4]);
    assert.deepEqual(
      cachedLookup(cache, {}, 'h.test', 443, 1e9),
      [v4],
      'permanent for every handle of the cache',
    );
    assert.equal(cachedLookup(cache, { resolve: ['-h.test:443'] }, 'h.test', 443, 0), undefined);
  });
});
