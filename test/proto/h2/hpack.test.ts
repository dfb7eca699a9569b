// HPACK against RFC 7541 appendix C (every example, decoder and encoder), then the decoder's
// defences against compression bombs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  HpackDecoder,
  HpackEncoder,
  HpackError,
  huffmanDecode,
  huffmanEncodeInto,
  huffmanLength,
} from '../../../src/proto/h2/index.js';

type Headers = Array<[string, string]>;

function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const REQ1: Headers = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const REQ2: Headers = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: Headers = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const RES1: Headers = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
  ['location', 'https://www.example.com'],
];
const RES2: Headers = [[':status', '307'], ...RES1.slice(1)];
const RES3: Headers = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
];

const C3 = [
  '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '8286 84be 5808 6e6f 2d63 6163 6865',
  '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
];
const C4 = [
  '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
  '8286 84be 5886 a8eb 1064 9cbf',
  '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
];
const C5 = [
  `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
   2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
  '4803 3330 37c1 c0bf',
  `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
   54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
   5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
];
const C6 = [
  `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
   2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
  '4883 640e ffc1 c0bf',
  `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
   77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
   9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
];

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A literal field without indexing and with a literal name, each string raw or Huffman-coded. */
function literal(name: string, value: string, huffName: boolean, huffValue: boolean): Uint8Array {
  const str = (s: string, huffman: boolean): Uint8Array => {
    const bytes = huffman ? new Uint8Array(huffmanLength(s)) : Uint8Array.from(s, (c) => c.charCodeAt(0));
    if (huffman) huffmanEncodeInto(s, bytes, 0);
    assert.ok(bytes.length < 127);
    return concat([new Uint8Array([(huffman ? 0x80 : 0) | bytes.length]), bytes]);
  };
  return concat([new Uint8Array([0]), str(name, huffName), str(value, huffValue)]);
}

describe('RFC 7541 appendix C', () => {
  test('C.2: literal with indexing, without indexing, never indexed, indexed', () => {
    const d = new HpackDecoder();
    assert.deepEqual(
      d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'), 1e6).headers,
      [['custom-key', 'custom-header']],
    );
    assert.equal(d.tableSize, 55);
    const d2 = new HpackDecoder();
    assert.deepEqual(d2.decode(hex('040c 2f73 616d 706c 652f 7061 7468'), 1e6).headers, [
      [':path', '/sample/path'],
    ]);
    assert.equal(d2.tableSize, 0);
    assert.deepEqual(d2.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'), 1e6).headers, [
      ['password', 'secret'],
    ]);
    assert.equal(d2.tableSize, 0);
    assert.deepEqual(d2.decode(hex('82'), 1e6).headers, [[':method', 'GET']]);
  });

  for (const [name, blocks] of [
    ['C.3 requests without Huffman', C3],
    ['C.4 requests with Huffman', C4],
  ] as const) {
    test(`${name}: decoded lists and table sizes`, () => {
      const d = new HpackDecoder();
      const expected = [REQ1, REQ2, REQ3];
      const sizes = [57, 110, 164];
      blocks.forEach((b, i) => {
        assert.deepEqual(d.decode(hex(b), 1e6).headers, expected[i]);
        assert.equal(d.tableSize, sizes[i]);
      });
    });
  }

  test('C.4: the encoder produces exactly the Huffman request examples', () => {
    const e = new HpackEncoder();
    assert.equal(toHex(e.encode(REQ1)), C4[0]!.replace(/\s+/g, ''));
    assert.equal(toHex(e.encode(REQ2)), C4[1]!.replace(/\s+/g, ''));
    assert.equal(toHex(e.encode(REQ3)), C4[2]!.replace(/\s+/g, ''));
  });

  for (const [name, blocks] of [
    ['C.5 responses without Huffman', C5],
    ['C.6 responses with Huffman', C6],
  ] as const) {
    test(`${name}: a 256-byte table evicts as the RFC shows`, () => {
      const d = new HpackDecoder(256);
      const expected = [RES1, RES2, RES3];
      const sizes = [222, 222, 215];
      const entries = [4, 4, 3];
      blocks.forEach((b, i) => {
        assert.deepEqual(d.decode(hex(b), 1e6).headers, expected[i]);
        assert.equal(d.tableSize, sizes[i]);
        assert.equal(d.tableEntries, entries[i]);
      });
    });
  }

  test('C.1 integers: 1337 with a 5-bit prefix is a table size update of 1337', () => {
    const d = new HpackDecoder(4096);
    d.decode(hex('3f9a0a'), 1e6);
    assert.equal(d.tableSize, 0);
    assert.throws(
      () => new HpackDecoder(1000).decode(hex('3f9a0a'), 1e6),
      /size update to 1337 above the 1000 allowed/,
    );
  });
});

describe('Huffman', () => {
  test('any latin1 string round-trips, and the length is what huffmanLength says', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 80 }), (codes) => {
        const s = String.fromCharCode(...codes);
        const out = new Uint8Array(huffmanLength(s));
        assert.equal(huffmanEncodeInto(s, out, 0), out.length);
        assert.equal(huffmanDecode(out, 0, out.length, 1e6), s);
      }),
    );
  });
  test('padding longer than 7 bits, padding with a zero, and EOS are errors', () => {
    // "0" is 00000 (5 bits); a whole byte of ones after it is 11 bits of padding.
    assert.throws(() => huffmanDecode(hex('07ff'), 0, 2, 100), /padding longer than 7 bits/);
    assert.throws(() => huffmanDecode(hex('00'), 0, 1, 100), /padding is not the EOS prefix/);
    assert.throws(() => huffmanDecode(hex('ffffffff'), 0, 4, 100), /EOS/);
  });
  test('output beyond the budget is refused', () => {
    const s = 'aaaaaaaaaa';
    const out = new Uint8Array(huffmanLength(s));
    huffmanEncodeInto(s, out, 0);
    assert.equal(huffmanDecode(out, 0, out.length, 9), null);
  });
});

describe('encoder and decoder together', () => {
  test('lists round-trip through both tables over many blocks, with evictions and size changes', () => {
    const field = fc.tuple(
      fc.constantFrom('x-a', 'x-b', 'cookie', 'authorization', ':path', 'accept', 'x-long-name-here'),
      fc.string({ unit: fc.constantFrom(...'abc /=;é\x7f'.split('')), maxLength: 60 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(field, { maxLength: 8 }), fc.option(fc.constantFrom(0, 64, 256, 4096))), {
          maxLength: 20,
        }),
        (blocks) => {
          const e = new HpackEncoder();
          const d = new HpackDecoder(4096);
          for (const [list, resize] of blocks) {
            if (resize !== null) e.setPeerMaxTableSize(resize);
            assert.deepEqual(d.decode(e.encode(list), 1e6).headers, list);
          }
        },
      ),
    );
  });
  test('blocks written into memory the caller reuses (a pool) still decode: the literal memo keeps copies', () => {
    // One scratch array for every block, overwritten each time (as a pool's memory is once freed).
    const scratch = new Uint8Array(4096);
    const alloc = (size: number) => {
      scratch.fill(0xff);
      return scratch.subarray(0, size);
    };
    const e = new HpackEncoder();
    const d = new HpackDecoder(4096);
    const lists: Headers[] = [
      [
        [':method', 'GET'],
        [':path', '/a'],
        ['authorization', 'Basic x'],
      ],
      [
        [':method', 'GET'],
        [':path', '/b'],
        ['authorization', 'Basic x'],
      ],
      [
        [':method', 'GET'],
        [':path', '/b'],
        ['authorization', 'Basic x'],
      ],
    ];
    for (const list of lists) {
      const block = e.encode(list, 9, alloc);
      assert.equal(block.byteOffset, 9);
      assert.deepEqual(d.decode(block.slice(), 1e6).headers, list);
    }
  });
  test('literal-only blocks (as nginx sends them) decode right block after block, repeated strings too', () => {
    // Repeated literal strings come from the decoder's memo: equal encoded bytes, equal string;
    // any other bytes (one differing, or the Huffman flag) decode afresh.
    const field = fc.tuple(
      fc.constantFrom('etag', 'accept-ranges', 'x-a', 'x-b'),
      fc.string({ unit: fc.constantFrom(...'ab"-0é'.split('')), maxLength: 6 }),
      fc.boolean(),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.array(fc.array(field, { maxLength: 6 }), { maxLength: 30 }), (blocks) => {
        const d = new HpackDecoder(4096);
        for (const list of blocks) {
          const block = concat(list.map(([n, v, hn, hv]) => literal(n, v, hn, hv)));
          assert.deepEqual(
            d.decode(block, 1e6).headers,
            list.map(([n, v]) => [n, v]),
          );
        }
      }),
    );
  });
  test('the same bytes as a raw string and as a Huffman string are two different strings', () => {
    const huff = new Uint8Array(huffmanLength('nginx'));
    huffmanEncodeInto('nginx', huff, 0);
    const asRaw = String.fromCharCode(...huff);
    const d = new HpackDecoder(4096);
    // server (static name 54), literal without indexing: the Huffman string, then its bytes raw.
    const field = (flag: number) => concat([new Uint8Array([0x0f, 54 - 15, flag | huff.length]), huff]);
    assert.deepEqual(d.decode(field(0x80), 1e6).headers, [['server', 'nginx']]);
    assert.deepEqual(d.decode(field(0), 1e6).headers, [['server', asRaw]]);
    assert.deepEqual(d.decode(field(0x80), 1e6).headers, [['server', 'nginx']]);
  });
  test('authorization and short cookies are never indexed (RFC 7541 7.1)', () => {
    const e = new HpackEncoder();
    const block = e.encode([['authorization', 'Basic abc']]);
    assert.equal(block[0]! & 0xf0, 0x10);
  });
});

describe('compression bombs', () => {
  test('a huge dynamic entry referenced many times stops at the list budget without building the list', () => {
    const d = new HpackDecoder(4096);
    const big = 'v'.repeat(3000);
    const e = new HpackEncoder();
    d.decode(e.encode([['x-big', big]]), 1e6);
    assert.equal(d.tableEntries, 1);
    // 10,000 one-byte references to entry 62: 30 MB if materialised.
    const refs = new Uint8Array(10000).fill(0xbe);
    const r = d.decode(refs, 100 * 1024);
    assert.equal(r.tooLarge, true);
    assert.ok(r.headers.length <= 34, `kept ${r.headers.length} fields`);
    assert.equal(r.listSize, 10000 * (5 + 3000 + 32));
  });
  test('a literal longer than the budget and the table is skipped unread and empties the table', () => {
    const d = new HpackDecoder(4096);
    d.decode(new HpackEncoder().encode([['x-a', 'b']]), 1e6);
    const value = 'z'.repeat(20000);
    const block = new Uint8Array(4 + 5 + value.length);
    let pos = 0;
    block[pos++] = 0x40;
    block[pos++] = 1;
    block[pos++] = 0x78; // "x"
    // 7-bit prefix length 20000: 0x7f then 19873 in 7-bit groups.
    block[pos++] = 0x7f;
    let rest = value.length - 127;
    while (rest >= 0x80) {
      block[pos++] = (rest & 0x7f) | 0x80;
      rest >>= 7;
    }
    block[pos++] = rest;
    for (let i = 0; i < value.length; i++) block[pos++] = 0x7a;
    const r = d.decode(block.subarray(0, pos), 1000);
    assert.equal(r.tooLarge, true);
    assert.equal(d.tableSize, 0);
  });
  test('table size updates: above our setting, after a field, or three in a row are errors', () => {
    assert.throws(() => new HpackDecoder(4096).decode(hex('3fe21f'), 1e6), HpackError); // 4097 > 4096
    assert.throws(() => new HpackDecoder(4096).decode(hex('82 20'), 1e6), /after a field/);
    assert.throws(
      () => new HpackDecoder(4096).decode(hex('20 20 20'), 1e6),
      /too many dynamic table size updates/,
    );
    assert.doesNotThrow(() => new HpackDecoder(4096).decode(hex('20 3fe10f 82'), 1e6));
  });
  test('malformed blocks: index 0, index beyond the table, truncated integer and string, integer overflow', () => {
    assert.throws(() => new HpackDecoder().decode(hex('80'), 1e6), /index 0/);
    assert.throws(() => new HpackDecoder().decode(hex('be'), 1e6), /beyond the dynamic table/);
    assert.throws(() => new HpackDecoder().decode(hex('ff'), 1e6), /truncated integer/);
    assert.throws(
      () => new HpackDecoder().decode(hex('400a 6162'), 1e6),
      /string longer than the header block/,
    );
    assert.throws(() => new HpackDecoder().decode(hex('ffffffffffff7f'), 1e6), /integer too large/);
  });
});
