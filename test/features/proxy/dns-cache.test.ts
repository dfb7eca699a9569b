// The DNS cache's aging per transfer timeout, resolve entries ('-' removes, '+' ages, plain ones
// never go stale), connectTo matching, and the proxy / DNS options refused at the call (43, 48).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurlCode } from '../../../src/core/codes.js';
import { EasyError } from '../../../src/core/errors.js';
import {
  connectToTarget,
  DnsCache,
  loadResolveEntries,
  parseResolveEntry,
} from '../../../src/multi/dns-cache.js';
import { validateOptions } from '../../../src/multi/options.js';

const A = [{ address: '192.0.2.1', family: 4 as const }];

describe('DnsCache', () => {
  test('an entry is used while younger than the asking transfer timeout', () => {
    const c = new DnsCache();
    c.put('Example.com', 80, A, 1000, 60_000);
    assert.deepEqual(c.get('example.com', 80, 60_999, 60_000), A);
    assert.equal(c.get('example.com', 443, 1000, 60_000), undefined, 'keyed by port too');
    assert.deepEqual(c.get('example.com', 80, 1_000_000, -1), A, '-1: forever');
    assert.equal(c.get('example.com', 80, 1000, 0), undefined, '0: the cache is not used');
    assert.equal(c.get('example.com', 80, 61_000, 60_000), undefined, 'stale at 60 s');
    assert.equal(c.size, 0, 'a stale entry is dropped');
    c.put('x', 1, A, 0, 0);
    assert.equal(c.size, 0, 'timeout 0 stores nothing');
  });
  test('bounded: the oldest entry goes', () => {
    const c = new DnsCache(2);
    c.put('a', 1, A, 0, 1);
    c.put('b', 1, A, 0, 1);
    c.put('c', 1, A, 0, 1);
    assert.equal(c.get('a', 1, 0, -1), undefined);
    assert.deepEqual(c.get('c', 1, 0, -1), A);
  });
  test("resolve entries: permanent, '+' ages, '-' removes", () => {
    const c = new DnsCache();
    loadResolveEntries(
      c,
      ['example.com:80:192.0.2.1', '+timed.test:443:[2001:db8::1],192.0.2.9', 'bad entry'],
      100,
    );
    assert.deepEqual(c.get('example.com', 80, 10_000_000, 60_000), A);
    assert.deepEqual(c.get('timed.test', 443, 100, 60_000), [
      { address: '2001:db8::1', family: 6 },
      { address: '192.0.2.9', family: 4 },
    ]);
    assert.equal(c.get('timed.test', 443, 60_100, 60_000), undefined);
    loadResolveEntries(c, ['-example.com:80'], 200);
    assert.equal(c.get('example.com', 80, 200, 60_000), undefined);
    assert.equal(parseResolveEntry('h:99999:1.2.3.4'), undefined);
    assert.equal(parseResolveEntry('h:80:'), undefined);
  });
  test('connectTo: empty parts match anything or keep the original; first match wins', () => {
    const entries = ['example.com:443:other.test:8443', '::alt.test:', 'x.test:80:[::1]:81'];
    assert.deepEqual(connectToTarget(entries, 'example.com', 443), { host: 'other.test', port: 8443 });
    assert.deepEqual(connectToTarget(entries, 'example.com', 80), { host: 'alt.test', port: 80 });
    assert.deepEqual(connectToTarget(['x.test:80:[::1]:81'], 'x.test', 80), { host: '::1', port: 81 });
    assert.equal(connectToTarget(['x.test:80:y:81'], 'z', 80), undefined);
  });
});

describe('proxy and DNS options at the call', () => {
  const code = (o: object): number => {
    try {
      validateOptions(o);
      return 0;
    } catch (e) {
      assert.ok(e instanceof EasyError);
      return e.code;
    }
  };
  test('good values pass', () => {
    assert.equal(
      code({
        proxy: 'http://p:3128',
        proxyType: 7,
        proxyPort: 1080,
        proxyUserPwd: 'u:p',
        proxyAuth: 2,
        httpProxyTunnel: true,
        noProxy: 'localhost',
        preProxy: 'socks5://s',
        proxyHeader: ['X: y'],
        suppressConnectHeaders: true,
        proxySslVerifyPeer: false,
        proxySslVerifyHost: 0,
        proxyCaInfo: '/x',
        dnsCacheTimeout: -1,
        connectTo: ['::h:1'],
        dohUrl: 'https://doh.test/dns-query',
        happyEyeballsTimeoutMs: 100,
      }),
      0,
    );
  });
  test('ill-typed or out of range: 43; unknown names: 48', () => {
    assert.equal(code({ proxy: 5 }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ proxyType: 9 }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ proxyPort: 70000 }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ proxySslVerifyHost: 3 }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ dnsCacheTimeout: -2 }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ proxyHeader: 'X: y' }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ connectTo: ['a:b'] }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ proxySslCertType: 'XYZ' }), CurlCode.BAD_FUNCTION_ARGUMENT);
    assert.equal(code({ proxyServer: 'x' }), CurlCode.UNKNOWN_OPTION);
    assert.equal(code({ socks5Proxy: 'x' }), CurlCode.UNKNOWN_OPTION);
  });
});
