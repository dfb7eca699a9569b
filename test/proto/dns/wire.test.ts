// DNS wire format for DoH: query bytes, answers with CNAME chains and TTLs, libcurl's error
// texts, compression loops, and a fuzz that only ever gives an answer or a DnsError.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  DnsError,
  DnsType,
  decodeQuestion,
  decodeResponse,
  encodeQuery,
  encodeResponse,
} from '../../../src/proto/dns/index.js';
import { formatIPv6, ipVersion, parseIPv4, parseIPv6, prefixMatch } from '../../../src/proto/ip.js';

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DnsError, String(e));
    return e.message;
  }
  return 'no error';
};

describe('query', () => {
  test('exact bytes of an A query (RFC 8484 id 0, RD)', () => {
    assert.deepEqual(
      [...encodeQuery('a.example.', DnsType.A)],
      [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 97, 7, 101, 120, 97, 109, 112, 108, 101, 0, 0, 1, 0, 1],
    );
    assert.deepEqual(decodeQuestion(encodeQuery('Host.Test', DnsType.AAAA)), {
      id: 0,
      name: 'host.test',
      type: 28,
    });
  });
  test('bad names', () => {
    assert.match(
      errorOf(() => encodeQuery('a..b', DnsType.A)),
      /Bad label/,
    );
    assert.match(
      errorOf(() => encodeQuery(`${'a'.repeat(64)}.b`, DnsType.A)),
      /Bad label/,
    );
    assert.match(
      errorOf(() => encodeQuery(Array(130).fill('a').join('.'), DnsType.A)),
      /Name too long/,
    );
  });
});

describe('answers', () => {
  const q4 = encodeQuery('www.example.com', DnsType.A);
  const q6 = encodeQuery('www.example.com', DnsType.AAAA);
  test('A records and the smallest TTL', () => {
    const r = encodeResponse(q4, [
      { name: 'www.example.com', type: DnsType.A, ttl: 300, data: '192.0.2.1' },
      { name: 'www.example.com', type: DnsType.A, ttl: 60, data: '192.0.2.2' },
    ]);
    assert.deepEqual(decodeResponse(r, 'www.example.com', DnsType.A), {
      addresses: [
        { address: '192.0.2.1', family: 4 },
        { address: '192.0.2.2', family: 4 },
      ],
      cnames: [],
      ttl: 60,
    });
  });
  test('a CNAME chain is followed, records of other names are ignored', () => {
    const r = encodeResponse(q6, [
      { name: 'www.example.com', type: DnsType.CNAME, ttl: 30, data: 'cdn.example.net' },
      { name: 'other.test', type: DnsType.AAAA, ttl: 1, data: '2001:db8::99' },
      { name: 'cdn.example.net', type: DnsType.CNAME, ttl: 600, data: 'edge.example.org' },
      { name: 'edge.example.org', type: DnsType.AAAA, ttl: 120, data: '2001:db8::1' },
    ]);
    assert.deepEqual(decodeResponse(r, 'WWW.example.com.', DnsType.AAAA), {
      addresses: [{ address: '2001:db8::1', family: 6 }],
      cnames: ['cdn.example.net', 'edge.example.org'],
      ttl: 30,
    });
  });
  test('compressed names (pointers) are read', () => {
    // Answer owner is a pointer to the question's name at offset 12.
    const body = [...q4];
    body[2] = 0x81;
    body[3] = 0x80;
    body[7] = 1;
    body.push(0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, 7);
    assert.deepEqual(decodeResponse(new Uint8Array(body), 'www.example.com', DnsType.A).addresses, [
      { address: '10.0.0.7', family: 4 },
    ]);
  });
  test("errors carry libcurl's DOH texts", () => {
    assert.equal(
      errorOf(() => decodeResponse(encodeResponse(q4, [], 3), 'www.example.com', DnsType.A)),
      'Bad RCODE 3 (NXDOMAIN)',
    );
    assert.equal(
      errorOf(() => decodeResponse(encodeResponse(q4, []), 'www.example.com', DnsType.A)),
      'No content',
    );
    const other = encodeResponse(encodeQuery('www.example.com', DnsType.A, 7), []);
    assert.equal(
      errorOf(() => decodeResponse(other, 'www.example.com', DnsType.A)),
      'Bad ID',
    );
    assert.equal(
      errorOf(() => decodeResponse(new Uint8Array(5), 'x', DnsType.A)),
      'Too small',
    );
    const loop = [...q4];
    loop[2] = 0x81;
    loop[7] = 1;
    const at = loop.length;
    loop.push(0xc0, at, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 1, 1, 1);
    assert.equal(
      errorOf(() => decodeResponse(new Uint8Array(loop), 'www.example.com', DnsType.A)),
      'Label loop',
    );
    const cnameLoop = encodeResponse(q4, [
      { name: 'www.example.com', type: DnsType.CNAME, ttl: 1, data: 'b.test' },
      { name: 'b.test', type: DnsType.CNAME, ttl: 1, data: 'www.example.com' },
    ]);
    assert.equal(
      errorOf(() => decodeResponse(cnameLoop, 'www.example.com', DnsType.A)),
      'CNAME loop',
    );
  });
  test('fuzz: any bytes give an answer or a DnsError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.nat(80),
        fc.uint8Array({ maxLength: 8 }),
        (tail, cut, patch) => {
          const base = [
            ...encodeResponse(q4, [{ name: 'www.example.com', type: DnsType.A, ttl: 1, data: '1.2.3.4' }]),
          ];
          const msg = new Uint8Array([...base.slice(0, cut % (base.length + 1)), ...patch, ...tail]);
          try {
            decodeResponse(msg, 'www.example.com', DnsType.A);
          } catch (e) {
            assert.ok(e instanceof DnsError, String(e));
          }
        },
      ),
    );
  });
});

describe('ip literals', () => {
  test('parse and format like inet_pton / inet_ntop', () => {
    assert.deepEqual([...parseIPv4('192.168.0.1')!], [192, 168, 0, 1]);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', 'a.b.c.d', '1..2.3'])
      assert.equal(parseIPv4(bad), undefined, bad);
    for (const [s, f] of [
      ['::1', '::1'],
      ['0:0::1', '::1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['fe80::ab47:4396:55c9:8474', 'fe80::ab47:4396:55c9:8474'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
      ['::', '::'],
    ]) {
      assert.equal(formatIPv6(parseIPv6(s!)!), f, s);
    }
    for (const bad of ['1::2::3', ':1', '1:2:3:4:5:6:7:8:9', 'g::1', '12345::1'])
      assert.equal(parseIPv6(bad), undefined, bad);
    assert.deepEqual([ipVersion('1.2.3.4'), ipVersion('::1'), ipVersion('example.com')], [4, 6, 0]);
  });
  test('CIDR prefix matching (curl unit1614 cidr cases)', () => {
    const v4 = (s: string) => parseIPv4(s)!;
    assert.equal(prefixMatch(v4('192.160.0.1'), v4('192.160.0.1'), 33), false);
    assert.equal(prefixMatch(v4('192.160.0.1'), v4('192.160.0.1'), 32), true);
    assert.equal(prefixMatch(v4('192.160.0.1'), v4('192.160.0.1'), 12), true);
    assert.equal(prefixMatch(v4('192.160.0.1'), v4('10.0.0.1'), 8), false);
    assert.equal(prefixMatch(parseIPv6('::1')!, parseIPv6('0:0::1')!, 128), true);
    assert.equal(prefixMatch(parseIPv6('::1')!, parseIPv6('0:0::1')!, 129), false);
    assert.equal(prefixMatch(parseIPv6('fe80::1')!, parseIPv6('fe80::2')!, 64), true);
    assert.equal(prefixMatch(parseIPv6('fe80::1')!, parseIPv6('fe81::2')!, 15), true);
    assert.equal(prefixMatch(parseIPv6('fe80::1')!, parseIPv6('fe81::2')!, 16), false);
  });
});
