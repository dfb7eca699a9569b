// Request writer: exact bytes, validation (CurlCode 43 naming the culprit), chunk framing, and a
// round trip through a small test-only request parser over generated requests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  encodeChunk,
  encodeLastChunk,
  encodeRequestHead,
  type HeaderList,
  installLatin1Decoder,
  latin1Decode,
  latin1Encode,
  NEED_DATA,
  ProtocolError,
  ResponseReader,
} from '../../../src/proto/h1/index.js';

const text = (b: Uint8Array): string => latin1Decode(b);
const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const isCtlOrSp = (c: string): boolean => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f;

/** A strict request parser for the tests: CRLF only, tokens, no obs-fold. */
function parseRequest(wire: string): {
  method: string;
  target: string;
  version: string;
  headers: HeaderList;
  rest: string;
} {
  const end = wire.indexOf('\r\n\r\n');
  assert.ok(end !== -1, 'no end of head');
  const lines = wire.slice(0, end).split('\r\n');
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^ ]+) (HTTP\/1\.[01])$/.exec(lines[0]!);
  assert.ok(m, `bad request line ${JSON.stringify(lines[0])}`);
  assert.ok(![...m[2]!].some(isCtlOrSp), 'CTL or SP in target');
  const headers: HeaderList = lines.slice(1).map((l) => {
    // An empty value is written 'name:' (no space), as libcurl sends 'Name;' headers.
    const f = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):(?: (.*)|())$/s.exec(l);
    assert.ok(f, `bad field ${JSON.stringify(l)}`);
    assert.ok(![...(f[2] ?? '')].some((c) => c === '\r' || c === '\n' || c === '\0'));
    return [f[1]!, f[2] ?? ''];
  });
  return { method: m[1]!, target: m[2]!, version: m[3]!, headers, rest: wire.slice(end + 4) };
}

/** Decodes a chunked body (test-only): returns data and trailers, and checks the framing. */
function parseChunked(wire: string): { data: string; trailers: HeaderList; rest: string } {
  let data = '';
  let i = 0;
  for (;;) {
    const eol = wire.indexOf('\r\n', i);
    const size = Number.parseInt(wire.slice(i, eol), 16);
    assert.match(wire.slice(i, eol), /^[0-9a-f]+$/);
    i = eol + 2;
    if (size === 0) break;
    data += wire.slice(i, i + size);
    assert.equal(wire.slice(i + size, i + size + 2), '\r\n');
    i += size + 2;
  }
  const trailers: HeaderList = [];
  for (;;) {
    const eol = wire.indexOf('\r\n', i);
    const line = wire.slice(i, eol);
    i = eol + 2;
    if (line === '') break;
    const c = line.indexOf(':');
    trailers.push([line.slice(0, c), line.slice(c + 2)]);
  }
  return { data, trailers, rest: wire.slice(i) };
}

function throws43(fn: () => unknown, part: string): void {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof ProtocolError, String(e));
    assert.equal(e.code, 43);
    assert.ok(e.message.includes(part), `${JSON.stringify(e.message)} lacks ${JSON.stringify(part)}`);
    return true;
  });
}

describe('encodeRequestHead', () => {
  test('exact bytes', () => {
    const b = encodeRequestHead('GET', '/a?b=c', [
      ['Host', 'example.com'],
      ['User-Agent', 'tscurl/0.1'],
      ['Accept', '*/*'],
    ]);
    assert.equal(
      text(b),
      'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: tscurl/0.1\r\nAccept: */*\r\n\r\n',
    );
  });

  test('HTTP/1.0, no fields, empty value, latin1 value', () => {
    assert.equal(text(encodeRequestHead('HEAD', '*', [], 10)), 'HEAD * HTTP/1.0\r\n\r\n');
    const b = encodeRequestHead('OPTIONS', 'http://h/', [
      ['X-Empty', ''],
      ['X-Lat', 'caf\xe9'],
    ]);
    assert.equal(text(b), 'OPTIONS http://h/ HTTP/1.1\r\nX-Empty:\r\nX-Lat: caf\xe9\r\n\r\n');
    assert.equal(b[b.length - 5], 0xe9);
  });

  test('invalid method', () => {
    throws43(() => encodeRequestHead('', '/', []), 'Invalid request method');
    throws43(() => encodeRequestHead('GET /x HTTP/1.1\r\nX:', '/', []), 'Invalid request method');
    throws43(() => encodeRequestHead('G\xe9T', '/', []), 'Invalid request method');
  });

  test('invalid target', () => {
    throws43(() => encodeRequestHead('GET', '', []), 'Invalid request target: empty');
    throws43(() => encodeRequestHead('GET', '/a b', []), 'Invalid request target: "/a b"');
    throws43(() => encodeRequestHead('GET', '/a\r\nX: y', []), 'Invalid request target: "/a\\r\\nX: y"');
    throws43(() => encodeRequestHead('GET', '/\x7f', []), 'Invalid request target');
    throws43(() => encodeRequestHead('GET', '/\u0100', []), 'Invalid request target');
  });

  test('invalid header name names it', () => {
    throws43(
      () => encodeRequestHead('GET', '/', [['Bad Name', 'x']]),
      'Invalid request header name: "Bad Name"',
    );
    throws43(() => encodeRequestHead('GET', '/', [['', 'x']]), 'Invalid request header name: ""');
    throws43(() => encodeRequestHead('GET', '/', [['X:Y', 'x']]), 'header name');
  });

  test('invalid header value names the header', () => {
    throws43(() => encodeRequestHead('GET', '/', [['X-A', 'a\r\nInjected: 1']]), 'value for "X-A"');
    throws43(() => encodeRequestHead('GET', '/', [['X-B', 'a\nb']]), 'value for "X-B"');
    throws43(() => encodeRequestHead('GET', '/', [['X-C', 'a\x00b']]), 'value for "X-C"');
    throws43(() => encodeRequestHead('GET', '/', [['X-D', '\u20ac']]), 'value for "X-D"');
  });

  test('several bad parts: the first one sent is the one named', () => {
    throws43(() => encodeRequestHead('GET', '/a b', [['Bad Name', 'a\nb']]), 'Invalid request target');
    throws43(() => encodeRequestHead('GET', '/', [['Bad Name', 'a\nb']]), 'header name: "Bad Name"');
    throws43(
      () =>
        encodeRequestHead('GET', '/', [
          ['X-A', 'a\nb'],
          ['Bad Name', 'x'],
        ]),
      'value for "X-A"',
    );
    throws43(
      () =>
        encodeRequestHead('GET', '/', [
          ['X-A', 'ok'],
          ['', 'a\nb'],
        ]),
      'header name: ""',
    );
  });

  test('round trip through a strict parser (generated)', () => {
    const tchar = fc.constantFrom(
      ..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    );
    const token = fc.string({ unit: tchar, minLength: 1, maxLength: 12 });
    const targetChar = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f);
    const target = fc
      .array(targetChar, { minLength: 1, maxLength: 30 })
      .map((cs) => String.fromCharCode(...cs));
    const valueChar = fc.integer({ min: 0x01, max: 0xff }).filter((c) => c !== 0x0a && c !== 0x0d);
    const value = fc.array(valueChar, { maxLength: 30 }).map((cs) => String.fromCharCode(...cs));
    fc.assert(
      fc.property(
        token,
        target,
        fc.array(fc.tuple(token, value), { maxLength: 8 }),
        fc.constantFrom(10 as const, 11 as const),
        (method, tgt, headers, version) => {
          const bytes = encodeRequestHead(method, tgt, headers, version);
          // An allocator's array need not be zeroed (the engine's comes from Buffer's pool): every
          // byte of it is written.
          const dirty = encodeRequestHead(method, tgt, headers, version, (n) => new Uint8Array(n).fill(0xaa));
          assert.deepEqual(dirty, bytes);
          const wire = text(bytes);
          const p = parseRequest(wire);
          assert.deepEqual(p, {
            method,
            target: tgt,
            version: version === 10 ? 'HTTP/1.0' : 'HTTP/1.1',
            headers,
            rest: '',
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('chunked request body', () => {
  test('encodeChunk: size line, the same data object, CRLF', () => {
    const data = latin1Encode('x'.repeat(26));
    const parts = encodeChunk(data);
    assert.equal(parts.length, 3);
    assert.equal(text(parts[0]!), '1a\r\n');
    assert.equal(parts[1], data);
    assert.equal(text(parts[2]!), '\r\n');
  });

  test('encodeChunk of nothing yields nothing (it would read as the last chunk)', () => {
    assert.deepEqual(encodeChunk(new Uint8Array(0)), []);
  });

  test('encodeLastChunk with and without trailers', () => {
    assert.equal(text(encodeLastChunk()), '0\r\n\r\n');
    assert.equal(text(encodeLastChunk([['X-Sum', 'abc']])), '0\r\nX-Sum: abc\r\n\r\n');
    throws43(() => encodeLastChunk([['X-Sum', 'a\r\nb']]), 'trailer value for "X-Sum"');
    throws43(() => encodeLastChunk([['X Sum', 'a']]), 'trailer name');
  });

  test('round trip of a chunked body (generated)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.array(fc.tuple(fc.constantFrom('X-A', 'Digest', 'Server-Timing'), fc.string({ maxLength: 10 })), {
          maxLength: 3,
        }),
        (pieces, rawTrailers) => {
          const trailers: HeaderList = rawTrailers.map(([n, v]) => [
            n,
            [...v]
              .filter((c) => c !== '\r' && c !== '\n' && c !== '\0')
              .join('')
              .trim(),
          ]);
          const wire = concat([...pieces.flatMap((p) => encodeChunk(p)), encodeLastChunk(trailers)]);
          const parsed = parseChunked(text(wire));
          assert.equal(parsed.data, pieces.map((p) => text(p)).join(''));
          assert.deepEqual(parsed.trailers, trailers);
          assert.equal(parsed.rest, '');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('latin1', () => {
  test('decode covers every byte value and long inputs', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const s = latin1Decode(all);
    assert.equal(s.length, 256);
    for (let i = 0; i < 256; i++) assert.equal(s.charCodeAt(i), i);
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    const t = latin1Decode(big, 5, 99_990);
    assert.equal(t.length, 99_985);
    assert.equal(t.charCodeAt(0), big[5]);
    assert.equal(t.charCodeAt(t.length - 1), big[99_989]);
    assert.deepEqual(latin1Encode(t), big.subarray(5, 99_990));
    assert.equal(latin1Decode(all, 10, 10), '');
    assert.equal(latin1Decode(all, 65, 70), 'ABCDE');
  });

  test('a platform decoder is used once installed, and checked first', () => {
    let calls = 0;
    const native = (b: Uint8Array, s: number, e: number): string => {
      calls++;
      return Buffer.prototype.latin1Slice.call(b, s, e);
    };
    const long = new Uint8Array(100).map((_, i) => 0x80 + i);
    try {
      installLatin1Decoder(native);
      calls = 0;
      assert.equal(latin1Decode(long), String.fromCharCode(...long));
      assert.equal(calls, 1);
      assert.equal(latin1Decode(long, 0, 3), '\x80\x81\x82'); // short: no call needed
      assert.equal(calls, 1);
      // A reader decodes its head lines through it too.
      const r = new ResponseReader();
      r.startResponse({ method: 'GET' });
      r.receiveData(latin1Encode(`HTTP/1.1 200 OK\r\nX-Long: ${'v'.repeat(40)}\r\n\r\n`));
      const head = r.nextEvent();
      assert.ok(head !== NEED_DATA && head.type === 'head');
      assert.equal(head.headers[0]![1], 'v'.repeat(40));
      assert.ok(calls > 1);
      // utf-8 is not latin1: refused.
      assert.throws(
        () => installLatin1Decoder((b, s, e) => Buffer.from(b.subarray(s, e)).toString('utf8')),
        /does not decode latin1/,
      );
    } finally {
      installLatin1Decoder(undefined);
    }
    calls = 0;
    latin1Decode(long);
    assert.equal(calls, 0);
  });

  test('encode refuses code units above 0xFF', () => {
    assert.deepEqual(latin1Encode('a\xff'), new Uint8Array([0x61, 0xff]));
    assert.throws(() => latin1Encode('\u20ac'), RangeError);
  });
});
