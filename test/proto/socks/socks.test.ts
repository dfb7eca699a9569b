// SOCKS4/4a/5 client handshakes: exact request bytes, every refusal's CURLproxycode and curl's
// message, and byte-split properties (any split of the proxy's replies gives the same outcome).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ProxyCode } from '../../../src/core/codes.js';
import { SocksClient, SocksError, type SocksRequest } from '../../../src/proto/socks/index.js';

const b = (...x: number[]): Uint8Array => new Uint8Array(x);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Runs a handshake against scripted replies (one per request sent); returns what was sent. */
function run(req: SocksRequest, replies: Uint8Array[], split: (r: Uint8Array) => Uint8Array[] = (r) => [r]) {
  const c = new SocksClient(req);
  const sent: number[][] = [];
  let leftover = new Uint8Array(0);
  for (const reply of replies) {
    const out = c.output();
    assert.ok(out !== undefined, 'a request to send before each reply');
    sent.push([...out]);
    for (const part of split(reply)) leftover = new Uint8Array([...leftover, ...c.receiveData(part)]);
  }
  return { c, sent, leftover };
}

function refusal(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SocksError, String(e));
    return { code: e.proxyCode, message: e.message };
  }
  assert.fail('expected a SocksError');
}

describe('SOCKS4', () => {
  test('request bytes with a user id, granted', () => {
    const { c, sent } = run({ version: 'socks4', host: '10.1.2.3', port: 8080, user: 'bob' }, [
      b(0, 90, 0, 0, 0, 0, 0, 0),
    ]);
    assert.deepEqual(sent[0], [4, 1, 0x1f, 0x90, 10, 1, 2, 3, ...ascii('bob'), 0]);
    assert.equal(c.done, true);
    assert.deepEqual(c.takeInfo(), [
      'SOCKS4 communication to 10.1.2.3:8080',
      'SOCKS4 connect to IPv4 10.1.2.3 (locally resolved)',
      'SOCKS4 request granted.',
    ]);
  });
  test("curl's verbose lines: the destination's name, and an HTTP proxy behind SOCKS named", () => {
    const local = run({ version: 'socks4', host: '127.0.0.1', name: 'localhost', port: 80 }, [
      b(0, 90, 0, 0, 0, 0, 0, 0),
    ]);
    assert.deepEqual(local.c.takeInfo(), [
      'SOCKS4 communication to localhost:80',
      'SOCKS4 connect to IPv4 127.0.0.1 (locally resolved)',
      'SOCKS4 request granted.',
    ]);
    const s4a = run({ version: 'socks4a', host: 'proxy.test', port: 3128, toHttpProxy: true }, [
      b(0, 90, 0, 0, 0, 0, 0, 0),
    ]);
    assert.deepEqual(s4a.c.takeInfo(), [
      'SOCKS4a: connecting to HTTP proxy proxy.test port 3128',
      'SOCKS4 communication to proxy.test:3128',
      'SOCKS4a request granted.',
    ]);
    const s5 = run({ version: 'socks5h', host: 'proxy.test', port: 3128, toHttpProxy: true }, [
      b(5, 0),
      b(5, 0, 0, 1, 0, 0, 0, 0, 0, 0),
    ]);
    assert.deepEqual(s5.c.takeInfo(), [
      'SOCKS5: connecting to HTTP proxy proxy.test port 3128',
      'SOCKS5 connect to proxy.test:3128 (remotely resolved)',
      'SOCKS5 request granted.',
    ]);
  });
  test('SOCKS4a sends 0.0.0.1 and the name', () => {
    const { sent } = run({ version: 'socks4a', host: 'example.com', port: 80 }, [b(0, 90, 0, 0, 0, 0, 0, 0)]);
    assert.deepEqual(sent[0], [4, 1, 0, 80, 0, 0, 0, 1, 0, ...ascii('example.com'), 0]);
  });
  test('SOCKS4 needs an IPv4 address', () => {
    const r = refusal(() => new SocksClient({ version: 'socks4', host: '::1', port: 80 }));
    assert.deepEqual(r, { code: ProxyCode.RESOLVE_HOST, message: 'SOCKS4 connection to ::1 not supported' });
  });
  for (const [code, px, why] of [
    [91, ProxyCode.REQUEST_FAILED, 'request rejected or failed.'],
    [92, ProxyCode.IDENTD, 'request rejected because SOCKS server cannot connect to identd on the client.'],
    [
      93,
      ProxyCode.IDENTD_DIFFER,
      'request rejected because the client program and identd report different user-ids.',
    ],
    [94, ProxyCode.UNKNOWN_FAIL, 'Unknown.'],
  ] as const) {
    test(`reply ${code} -> CURLPX ${px}`, () => {
      const r = refusal(() =>
        run({ version: 'socks4', host: '1.2.3.4', port: 80 }, [b(0, code, 0, 80, 1, 2, 3, 4)]),
      );
      assert.deepEqual(r, {
        code: px,
        message: `Can't complete SOCKS4 connection to 1.2.3.4:80. (${code}), ${why}`,
      });
    });
  }
  test('wrong reply version', () => {
    const r = refusal(() =>
      run({ version: 'socks4', host: '1.2.3.4', port: 80 }, [b(4, 90, 0, 0, 0, 0, 0, 0)]),
    );
    assert.equal(r.code, ProxyCode.BAD_VERSION);
  });
  test('too long user id', () => {
    assert.equal(
      refusal(() => new SocksClient({ version: 'socks4', host: '1.2.3.4', port: 1, user: 'u'.repeat(256) }))
        .code,
      ProxyCode.LONG_USER,
    );
  });
});

describe('SOCKS5', () => {
  const ok5 = b(5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90);
  test('no auth, remote name (socks5h)', () => {
    const { c, sent } = run({ version: 'socks5h', host: 'example.com', port: 443 }, [b(5, 0), ok5]);
    assert.deepEqual(sent, [
      [5, 1, 0],
      [5, 1, 0, 3, 11, ...ascii('example.com'), 1, 0xbb],
    ]);
    assert.equal(c.done, true);
    assert.deepEqual(c.takeInfo(), [
      'SOCKS5 connect to example.com:443 (remotely resolved)',
      'SOCKS5 request granted.',
    ]);
  });
  test('IPv4 and IPv6 destinations use ATYP 1 and 4', () => {
    assert.deepEqual(
      run({ version: 'socks5', host: '1.2.3.4', port: 80 }, [b(5, 0), ok5]).sent[1],
      [5, 1, 0, 1, 1, 2, 3, 4, 0, 80],
    );
    const v6 = run({ version: 'socks5', host: '::1', port: 80 }, [b(5, 0), ok5]);
    assert.deepEqual(v6.sent[1], [5, 1, 0, 4, ...new Array(15).fill(0), 1, 0, 80]);
    assert.deepEqual(v6.c.takeInfo()[0], 'SOCKS5 connect to [::1]:80 (locally resolved)');
  });
  test('socks5 (local resolve) refuses a name', () => {
    const c = new SocksClient({ version: 'socks5', host: 'example.com', port: 80 });
    c.output();
    assert.deepEqual(
      refusal(() => c.receiveData(b(5, 0))),
      {
        code: ProxyCode.RESOLVE_HOST,
        message: 'Failed to resolve "example.com" for SOCKS5 connect.',
      },
    );
  });
  test('username/password auth (RFC 1929)', () => {
    const { sent, c } = run({ version: 'socks5h', host: 'h', port: 1, user: 'user', password: 'pw' }, [
      b(5, 2),
      b(1, 0),
      ok5,
    ]);
    assert.deepEqual(sent, [
      [5, 2, 0, 2],
      [1, 4, ...ascii('user'), 2, ...ascii('pw')],
      [5, 1, 0, 3, 1, 104, 0, 1],
    ]);
    assert.equal(c.done, true);
  });
  test('user rejected', () => {
    const r = refusal(() =>
      run({ version: 'socks5h', host: 'h', port: 1, user: 'u', password: 'p' }, [b(5, 2), b(1, 1)]),
    );
    assert.deepEqual(r, {
      code: ProxyCode.USER_REJECTED,
      message: 'User was rejected by the SOCKS5 server (1 1).',
    });
  });
  test('no acceptable method, GSSAPI, unknown mode, bad version', () => {
    const req: SocksRequest = { version: 'socks5h', host: 'h', port: 1 };
    assert.deepEqual(
      refusal(() => run(req, [b(5, 255)])),
      { code: ProxyCode.NO_AUTH, message: 'No authentication method was acceptable.' },
    );
    assert.equal(refusal(() => run(req, [b(5, 1)])).code, ProxyCode.GSSAPI_PERMSG);
    assert.equal(refusal(() => run(req, [b(5, 2)])).code, ProxyCode.UNKNOWN_MODE);
    assert.equal(refusal(() => run(req, [b(4, 0)])).code, ProxyCode.BAD_VERSION);
  });
  const replies: Array<[number, number]> = [
    [1, ProxyCode.REPLY_GENERAL_SERVER_FAILURE],
    [2, ProxyCode.REPLY_NOT_ALLOWED],
    [3, ProxyCode.REPLY_NETWORK_UNREACHABLE],
    [4, ProxyCode.REPLY_HOST_UNREACHABLE],
    [5, ProxyCode.REPLY_CONNECTION_REFUSED],
    [6, ProxyCode.REPLY_TTL_EXPIRED],
    [7, ProxyCode.REPLY_COMMAND_NOT_SUPPORTED],
    [8, ProxyCode.REPLY_ADDRESS_TYPE_NOT_SUPPORTED],
    [9, ProxyCode.REPLY_UNASSIGNED],
  ];
  for (const [rep, px] of replies) {
    test(`reply ${rep} -> CURLPX ${px}`, () => {
      const r = refusal(() =>
        run({ version: 'socks5h', host: 'example.com', port: 80 }, [
          b(5, 0),
          b(5, rep, 0, 1, 0, 0, 0, 0, 0, 0),
        ]),
      );
      assert.deepEqual(r, { code: px, message: `Can't complete SOCKS5 connection to example.com. (${rep})` });
    });
  }
  test('bound address of every type is read whole; bytes after it are the tunnel', () => {
    const tail = b(0x48, 0x49);
    for (const reply of [
      ok5,
      b(5, 0, 0, 4, ...new Array(16).fill(0), 0, 1),
      b(5, 0, 0, 3, 3, 97, 98, 99, 0, 1),
    ]) {
      const all = new Uint8Array([...reply, ...tail]);
      const { c, leftover } = run({ version: 'socks5h', host: 'h', port: 1 }, [b(5, 0), all]);
      assert.equal(c.done, true);
      assert.deepEqual([...leftover], [...tail]);
    }
    assert.equal(
      refusal(() =>
        run({ version: 'socks5h', host: 'h', port: 1 }, [b(5, 0), b(5, 0, 0, 9, 0, 0, 0, 0, 0, 0)]),
      ).code,
      ProxyCode.BAD_ADDRESS_TYPE,
    );
  });
  test('limits: a name over 255 bytes, a long user or password', () => {
    assert.equal(
      refusal(() => new SocksClient({ version: 'socks5h', host: 'a'.repeat(256), port: 1 })).code,
      ProxyCode.LONG_HOSTNAME,
    );
    assert.equal(
      refusal(() =>
        run({ version: 'socks5h', host: 'h', port: 1, user: 'u'.repeat(256), password: '' }, [b(5, 2)]),
      ).code,
      ProxyCode.LONG_USER,
    );
    assert.equal(
      refusal(() =>
        run({ version: 'socks5h', host: 'h', port: 1, user: 'u', password: 'p'.repeat(256) }, [b(5, 2)]),
      ).code,
      ProxyCode.LONG_PASSWD,
    );
  });
  test('EOF during the handshake is CLOSED', () => {
    const c = new SocksClient({ version: 'socks5h', host: 'h', port: 1 });
    c.output();
    assert.deepEqual(
      refusal(() => c.receiveEof()),
      { code: ProxyCode.CLOSED, message: 'connection to proxy closed' },
    );
  });
});

describe('byte splits', () => {
  const splits = (r: Uint8Array, cuts: number[]): Uint8Array[] => {
    const at = [...new Set(cuts.map((x) => x % (r.length + 1)))].sort((x, y) => x - y);
    const parts: Uint8Array[] = [];
    let prev = 0;
    for (const a of [...at, r.length]) {
      parts.push(r.subarray(prev, a));
      prev = a;
    }
    return parts;
  };
  test('any split of the replies gives the same requests, outcome and leftover', () => {
    const scripts: Array<[SocksRequest, Uint8Array[]]> = [
      [{ version: 'socks4', host: '1.2.3.4', port: 80 }, [b(0, 90, 0, 0, 0, 0, 0, 0, 7, 7)]],
      [
        { version: 'socks5h', host: 'x.test', port: 443, user: 'a', password: 'b' },
        [b(5, 2), b(1, 0), b(5, 0, 0, 3, 2, 97, 98, 0, 1, 9)],
      ],
      [{ version: 'socks5h', host: 'x.test', port: 443 }, [b(5, 0), b(5, 5, 0, 1, 0, 0, 0, 0, 0, 0)]],
    ];
    const outcome = (req: SocksRequest, replies: Uint8Array[], split?: (r: Uint8Array) => Uint8Array[]) => {
      try {
        const r = run(req, replies, split);
        return { sent: r.sent, done: r.c.done, leftover: [...r.leftover] };
      } catch (e) {
        return { error: (e as SocksError).proxyCode };
      }
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: scripts.length - 1 }),
        fc.array(fc.nat(20), { maxLength: 6 }),
        (i, cuts) => {
          const [req, replies] = scripts[i]!;
          assert.deepEqual(
            outcome(req, replies, (r) => splits(r, cuts)),
            outcome(req, replies),
          );
        },
      ),
    );
  });
  test('fuzz: arbitrary replies end in done or a SocksError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 4 }),
        fc.boolean(),
        (chunks, auth) => {
          const c = new SocksClient({
            version: 'socks5h',
            host: 'h',
            port: 1,
            ...(auth ? { user: 'u', password: 'p' } : {}),
          });
          try {
            for (const ch of chunks) {
              c.output();
              c.receiveData(new Uint8Array(0));
              c.receiveData(ch);
            }
          } catch (e) {
            assert.ok(e instanceof SocksError, String(e));
          }
        },
      ),
    );
  });
});
