// Proxy selection as libcurl does it: NO_PROXY matching (every case of curl's unit1614), the
// environment variables and their precedence, the proxy string's parts and defaults.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurlCode } from '../../../src/core/codes.js';
import { TransferError } from '../../../src/core/errors.js';
import { chooseProxy, proxyEnvironment } from '../../../src/multi/features/proxy/env.js';
import { checkNoProxy } from '../../../src/multi/features/proxy/noproxy.js';
import { ProxyType, parseProxy } from '../../../src/multi/features/proxy/parse.js';
import { encodeConnectRequest } from '../../../src/proto/h1/index.js';

describe('checkNoProxy', () => {
  // curl tests/unit/unit1614.c, then cases of our own.
  const cases: Array<[string, string, boolean]> = [
    ['www.example.com', 'localhost,.example.com,.example.de', true],
    ['www.example.com.', 'localhost,.example.com,.example.de', true],
    ['example.com', 'localhost,.example.com,.example.de', true],
    ['example.com.', 'localhost,.example.com,.example.de', true],
    ['www.example.com', 'localhost,.example.com.,.example.de', true],
    ['www.example.com', 'localhost,www.example.com.,.example.de', true],
    ['example.com', 'localhost,example.com,.example.de', true],
    ['example.com.', 'localhost,example.com,.example.de', true],
    // curl 7.87+ matches subdomains of an entry without a leading dot again (unit1614 of 7.86 said false)
    ['www.example.com', 'localhost,example.com,.example.de', true],
    ['127.0.0.1', '127.0.0.1,localhost', true],
    ['127.0.0.1', '127.0.0.1,localhost,', true],
    ['127.0.0.1', '127.0.0.1/8,localhost,', true],
    ['127.0.0.1', '127.0.0.1/28,localhost,', true],
    ['127.0.0.1', '127.0.0.1/31,localhost,', true],
    ['127.0.0.1', 'localhost,127.0.0.1', true],
    ['localhost', 'localhost,127.0.0.1', true],
    ['localhost', '127.0.0.1,localhost', true],
    ['foobar', 'barfoo', false],
    ['foobar', 'foobar', true],
    ['192.168.0.1', 'foobar', false],
    ['192.168.0.1', '192.168.0.0/16', true],
    ['192.168.0.1', '192.168.0.0/24', true],
    ['192.168.0.1', '192.168.0.0/32', false],
    ['192.168.0.1', '192.168.0.0', false],
    ['192.168.1.1', '192.168.0.0/24', false],
    ['192.168.1.1', 'foo, bar, 192.168.0.0/24', false],
    ['192.168.1.1', 'foo, bar, 192.168.0.0/16', true],
    ['[::1]', 'foo, bar, 192.168.0.0/16', false],
    ['[::1]', 'foo, bar, ::1/64', true],
    ['bar', 'foo, bar, ::1/64', true],
    ['BAr', 'foo, bar, ::1/64', true],
    ['BAr', 'foo,,,,,              bar, ::1/64', true],
    ['www.example.com', 'foo, .example.com', true],
    ['www.example.com', 'www2.example.com, .example.net', false],
    ['example.com', '.example.com, .example.net', true],
    ['nonexample.com', '.example.com, .example.net', false],
    // ours
    ['anything.test', '*', true],
    ['anything.test', '*,foo', false],
    ['[2001:db8::5]', '2001:db8::/32', true],
    ['[2001:db8::5]', '[2001:db8::5]', true],
    ['[2001:db9::5]', '2001:db8::/32', false],
    ['10.1.2.3', '10.0.0.0/8', true],
    ['10.1.2.3', '10.1', false],
    ['example.com', 'example.com:8080', false],
    ['example.com', '', false],
    ['a.b', 'x y,a.b', true],
    ['a.b', 'x y a.b', true],
    ['x.example.com', '*.example.com', false],
    ['192.168.0.1', '192.168.0.0', false],
    ['EXAMPLE.COM', 'example.com', true],
  ];
  for (const [host, list, match] of cases) {
    test(`${host} in '${list}' ${match ? 'matches' : 'does not match'}`, () => {
      assert.equal(checkNoProxy(host, list), match);
    });
  }
});

describe('chooseProxy: the environment', () => {
  const pick = (env: Record<string, string>, scheme = 'http', host = 'example.com', opts = {}) =>
    chooseProxy(opts, scheme, host, env);
  const table: Array<[string, Record<string, string>, string, string | undefined, string | undefined]> = [
    ['http_proxy for http', { http_proxy: 'p1:3128' }, 'http', 'p1:3128', 'http_proxy'],
    ['HTTP_PROXY is ignored', { HTTP_PROXY: 'p1:3128' }, 'http', undefined, undefined],
    ['https_proxy for https', { https_proxy: 'p2' }, 'https', 'p2', 'https_proxy'],
    ['HTTPS_PROXY for https', { HTTPS_PROXY: 'p3' }, 'https', 'p3', 'HTTPS_PROXY'],
    ['lower case wins', { https_proxy: 'lo', HTTPS_PROXY: 'up' }, 'https', 'lo', 'https_proxy'],
    ['http_proxy is not used for https', { http_proxy: 'p1' }, 'https', undefined, undefined],
    ['all_proxy as the fallback', { all_proxy: 'socks5://s' }, 'https', 'socks5://s', 'all_proxy'],
    ['ALL_PROXY as the fallback', { ALL_PROXY: 'a' }, 'http', 'a', 'ALL_PROXY'],
    ['scheme variable before all_proxy', { all_proxy: 'a', http_proxy: 'h' }, 'http', 'h', 'http_proxy'],
    ['empty variable is unset', { http_proxy: '', all_proxy: 'a' }, 'http', 'a', 'all_proxy'],
    ['no_proxy match', { http_proxy: 'h', no_proxy: '.example.com' }, 'http', undefined, undefined],
    ['NO_PROXY match', { http_proxy: 'h', NO_PROXY: 'example.com' }, 'http', undefined, undefined],
    [
      'no_proxy before NO_PROXY',
      { http_proxy: 'h', no_proxy: 'other', NO_PROXY: 'example.com' },
      'http',
      'h',
      'http_proxy',
    ],
    ['no_proxy=*', { https_proxy: 'h', no_proxy: '*' }, 'https', undefined, undefined],
  ];
  for (const [name, env, scheme, proxy, source] of table) {
    test(name, () => {
      const c = pick(env, scheme);
      assert.equal(c.proxy, proxy);
      assert.equal(c.source, source);
    });
  }
  test('without a proxy variable set, no_proxy and NO_PROXY are not read (the answer is no proxy anyway)', () => {
    const reads: string[] = [];
    const recording = (vars: Record<string, string>) =>
      new Proxy(vars, {
        get(target, name: string) {
          reads.push(name);
          return target[name];
        },
      });
    assert.equal(chooseProxy({}, 'http', 'example.com', recording({ no_proxy: 'x' })).proxy, undefined);
    assert.deepEqual(reads, ['http_proxy', 'all_proxy', 'ALL_PROXY']);
    reads.length = 0;
    assert.equal(
      chooseProxy({}, 'http', 'example.com', recording({ no_proxy: 'example.com', all_proxy: 'a' })).proxy,
      undefined,
    );
    assert.deepEqual(reads, ['http_proxy', 'all_proxy', 'no_proxy']);
  });
  test('options: proxy wins over the environment, "" turns the proxy off, noProxy replaces the variables', () => {
    assert.equal(pick({ http_proxy: 'h' }, 'http', 'example.com', { proxy: 'opt' }).proxy, 'opt');
    assert.equal(pick({ http_proxy: 'h' }, 'http', 'example.com', { proxy: '' }).proxy, undefined);
    assert.equal(pick({ http_proxy: 'h', no_proxy: '*' }, 'http', 'example.com', { noProxy: '' }).proxy, 'h');
    assert.equal(pick({}, 'http', 'example.com', { proxy: 'opt', noProxy: 'example.com' }).proxy, undefined);
    assert.equal(
      pick({ http_proxy: 'h' }, 'http', 'example.com', { preProxy: 'socks5://s' }).proxy,
      undefined,
    );
  });
  test("curl's verbose lines", () => {
    assert.deepEqual(pick({ no_proxy: 'x', http_proxy: 'h:1' }).info, [
      "Uses proxy env variable no_proxy == 'x'",
      "Uses proxy env variable http_proxy == 'h:1'",
    ]);
  });
});

describe('parseProxy', () => {
  const fail = (s: string, opts = {}): number => {
    try {
      parseProxy(s, opts);
    } catch (e) {
      assert.ok(e instanceof TransferError);
      return e.code;
    }
    return 0;
  };
  test('schemes, default ports, proxyType without a scheme', () => {
    const p = (s: string, o = {}) => {
      const r = parseProxy(s, o);
      return `${r.kind} ${r.host} ${r.port}`;
    };
    assert.equal(p('proxy.test'), 'http proxy.test 1080');
    assert.equal(p('http://proxy.test:3128/ignored'), 'http proxy.test 3128');
    assert.equal(p('https://proxy.test'), 'https proxy.test 443');
    assert.equal(p('socks://s'), 'socks4 s 1080');
    assert.equal(p('socks4a://s'), 'socks4a s 1080');
    assert.equal(p('socks5://s:9'), 'socks5 s 9');
    assert.equal(p('SOCKS5H://S'), 'socks5h s 1080');
    assert.equal(p('[::1]:8080'), 'http ::1 8080');
    assert.equal(p('s', { proxyType: ProxyType.SOCKS5_HOSTNAME }), 'socks5h s 1080');
    assert.equal(p('s', { proxyPort: 8888 }), 'http s 8888');
    assert.equal(p('s:81', { proxyPort: 8888 }), 'http s 81');
    assert.equal(parseProxy('s', { proxyType: ProxyType.HTTP_1_0 }).http10, true);
  });
  test('a string is parsed once per defaults (the same target again); a bad one throws every time', () => {
    const a = parseProxy('http://cache.test:3128', {});
    assert.equal(parseProxy('http://cache.test:3128', {}), a);
    const s5 = parseProxy('cache.test', { proxyType: ProxyType.SOCKS5 });
    assert.equal(s5.kind, 'socks5');
    assert.equal(parseProxy('cache.test', {}).kind, 'http', 'the defaults are part of the key');
    assert.equal(parseProxy('cache.test', { proxyPort: 81 }).port, 81);
    assert.equal(fail('gopher://cache.test'), CurlCode.COULDNT_CONNECT);
    assert.equal(fail('gopher://cache.test'), CurlCode.COULDNT_CONNECT);
  });
  test('credentials are percent-decoded', () => {
    const r = parseProxy('http://us%40er:p%3Ass@h:1', {});
    assert.deepEqual([r.user, r.password], ['us@er', 'p:ss']);
  });
  test('errors: unknown scheme 7, no host 5', () => {
    assert.equal(fail('ftp://h'), CurlCode.COULDNT_CONNECT);
    assert.equal(fail('http://:80'), CurlCode.COULDNT_RESOLVE_PROXY);
    assert.equal(fail('h:99999'), CurlCode.COULDNT_RESOLVE_PROXY);
  });
});

describe('CONNECT request', () => {
  test('authority form, Host first, IPv6 in brackets', () => {
    const text = (b: Uint8Array) => String.fromCharCode(...b);
    assert.equal(
      text(encodeConnectRequest('example.com', 443, [['Proxy-Connection', 'Keep-Alive']])),
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Connection: Keep-Alive\r\n\r\n',
    );
    assert.equal(
      text(encodeConnectRequest('::1', 80, [], 10)),
      'CONNECT [::1]:80 HTTP/1.0\r\nHost: [::1]:80\r\n\r\n',
    );
    assert.equal(
      text(encodeConnectRequest('h', 1, [['host', 'x']])),
      'CONNECT h:1 HTTP/1.1\r\nhost: x\r\n\r\n',
    );
  });
});

describe('proxyEnvironment: one read per variable', () => {
  test('each variable is read from the source once, and gives the same choice', () => {
    const reads: string[] = [];
    const source = new Proxy(
      { https_proxy: 'p2:3128', no_proxy: 'internal.test' } as Record<string, string>,
      {
        get(target, name: string) {
          reads.push(name);
          return target[name];
        },
      },
    );
    const env = proxyEnvironment(source);
    for (let i = 0; i < 3; i++) {
      assert.equal(chooseProxy({}, 'https', 'example.com', env).proxy, 'p2:3128');
      assert.equal(chooseProxy({}, 'https', 'internal.test', env).proxy, undefined);
      assert.equal(chooseProxy({}, 'http', 'example.com', env).proxy, undefined);
    }
    assert.deepEqual(reads.sort(), ['ALL_PROXY', 'all_proxy', 'http_proxy', 'https_proxy', 'no_proxy']);
  });
});

describe('proxyEnvironment: every variable through the view', () => {
  test('each of the seven names gives its own value, an empty one counts as unset', () => {
    const direct = {
      http_proxy: 'h:1',
      https_proxy: '',
      HTTPS_PROXY: 'H:2',
      all_proxy: 'a:3',
      ALL_PROXY: 'A:4',
      no_proxy: '',
      NO_PROXY: 'skip.test',
    };
    const env = proxyEnvironment(direct);
    for (const name of Object.keys(direct) as (keyof typeof direct)[])
      assert.equal(env[name], direct[name], name);
    const choose = (scheme: string, host: string, e: Record<string, string | undefined>) => {
      const c = chooseProxy({}, scheme, host, e);
      return [c.proxy, c.source];
    };
    for (const [scheme, host] of [
      ['http', 'example.com'],
      ['https', 'example.com'],
      ['https', 'skip.test'],
      ['ftp', 'example.com'],
    ] as const) {
      assert.deepEqual(choose(scheme, host, proxyEnvironment(direct)), choose(scheme, host, direct), scheme);
    }
    assert.deepEqual(choose('https', 'example.com', env), ['H:2', 'HTTPS_PROXY']);
    assert.deepEqual(choose('https', 'skip.test', env), [undefined, undefined]);
    const allOnly = { all_proxy: '', ALL_PROXY: 'A:4' };
    assert.deepEqual(choose('http', 'example.com', proxyEnvironment(allOnly)), ['A:4', 'ALL_PROXY']);
  });
});
