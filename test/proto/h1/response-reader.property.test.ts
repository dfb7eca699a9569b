// Properties of the response reader over generated input:
// - valid responses (interim heads, all framings, trailers, pipelined pairs) give exactly the
//   events of the model they were encoded from, whatever the split of the bytes into chunks;
// - arbitrary and mutated input never makes the reader throw anything but ProtocolError, never
//   stalls, never yields more body than it was given, and gives the same outcome for any split;
// - a sequence of readers, each reading heads the readers before it read (or heads that differ
//   from those in a few bytes), with other methods, limits and options, gives the same events and
//   errors with the last head kept (a head with its bytes taken from it) as without.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type HeaderList, latin1Decode, ProtocolError } from '../../../src/proto/h1/index.js';
import { forgetKeptHead, headKeeping } from '../../../src/proto/h1/response-reader.js';
import { bytes, drive, type FlatEvent, oneByteChunks, outcome, splitAt } from './h1-test-utils.js';

// --- a model of valid responses and its encoding ------------------------------------------------

interface Head {
  status: number;
  reason: string;
  /** Whether an empty reason is preceded by SP (both are accepted). */
  spBeforeEmptyReason: boolean;
  headers: HeaderList;
  /** OWS written around each value (trimmed by the reader). */
  ows: [string, string][];
}

interface ModelResponse {
  method: 'GET' | 'HEAD';
  version: 10 | 11;
  le: '\r\n' | '\n';
  interim: Head[];
  final: Head;
  framing: 'length' | 'chunked' | 'close' | 'none-status';
  connection: 'close' | 'keep-alive' | undefined;
  /** Index among the other fields where the framing/connection fields go. */
  insertAt: number;
  body: Uint8Array;
  /** Sizes the chunked body is cut into (cycled). */
  chunkSizes: number[];
  chunkExt: string;
  upperHex: boolean;
  trailers: HeaderList;
}

const TCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
const SPECIAL = new Set(['content-length', 'transfer-encoding', 'connection']);
const fieldName = fc
  .string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 10 })
  .filter((n) => !SPECIAL.has(n.toLowerCase()));
/** field-content: VCHAR / obs-text, with SP/HTAB inside only. */
const fieldChar = fc.oneof(
  fc.integer({ min: 0x21, max: 0x7e }),
  fc.integer({ min: 0x80, max: 0xff }),
  fc.constantFrom(0x20, 0x09),
);
const fieldValue = fc
  .array(fieldChar, { maxLength: 16 })
  .map((cs) => String.fromCharCode(...cs).replace(/^[ \t]+|[ \t]+$/g, ''));
const ows = fc.constantFrom('', ' ', '\t', '  ', ' \t');
const fields = fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 5 });
const reason = fc
  .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), {
    maxLength: 12,
  })
  .map((cs) => String.fromCharCode(...cs));

function head(status: fc.Arbitrary<number>): fc.Arbitrary<Head> {
  return fc
    .record({
      status,
      reason,
      spBeforeEmptyReason: fc.boolean(),
      headers: fields,
      owsPool: fc.array(fc.tuple(ows, ows), { minLength: 5, maxLength: 5 }),
    })
    .map(({ owsPool, ...h }) => ({ ...h, ows: h.headers.map((_, i) => owsPool[i % owsPool.length]!) }));
}

const modelResponse: fc.Arbitrary<ModelResponse> = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
  version: fc.constantFrom(10, 11, 11),
  le: fc.constantFrom('\r\n', '\r\n', '\n'),
  interim: fc.array(head(fc.constantFrom(100, 102, 103, 199)), { maxLength: 2 }),
  final: head(fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304)),
  framing: fc.constantFrom('length', 'chunked', 'close', 'none-status'),
  connection: fc.constantFrom(undefined, 'close', 'keep-alive'),
  insertAt: fc.nat({ max: 5 }),
  body: fc.uint8Array({ maxLength: 200 }),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 4 }),
  chunkExt: fc.constantFrom('', ';a=b', ' ; q="x;y\\"z"', ';n'),
  upperHex: fc.boolean(),
  trailers: fields,
}) as fc.Arbitrary<ModelResponse>;

function encodeHead(
  h: Head,
  version: 10 | 11,
  le: string,
  extra: [string, string][],
  insertAt: number,
): string {
  const all: [string, string, string, string][] = h.headers.map(([n, v], i) => [n, v, ...h.ows[i]!]);
  all.splice(
    Math.min(insertAt, all.length),
    0,
    ...extra.map(([n, v]): [string, string, string, string] => [n, v, ' ', '']),
  );
  const sp = h.reason === '' && !h.spBeforeEmptyReason ? '' : ' ';
  let s = `HTTP/1.${version === 10 ? 0 : 1} ${h.status}${sp}${h.reason}${le}`;
  for (const [n, v, o1, o2] of all) s += `${n}:${o1}${v}${o2}${le}`;
  return `${s}${le}`;
}

function rawLinesOf(text: string): string[] {
  return text.match(/[^\n]*\n/g) ?? [];
}

/** Encodes a response and returns its bytes and the events the reader must produce. */
function encode(m: ModelResponse): { wire: string; events: FlatEvent[] } {
  const events: FlatEvent[] = [];
  let wire = '';
  for (const h of m.interim) {
    const text = encodeHead(h, m.version, m.le, [], 0);
    wire += text;
    events.push(headEvent(h, m.version, true, text, [], 'none', undefined));
  }
  const final =
    m.framing === 'none-status' ? { ...m.final, status: m.final.status % 2 ? 204 : 304 } : m.final;
  const extra: [string, string][] = [];
  if (m.framing === 'length' || m.framing === 'none-status')
    extra.push(['Content-Length', `${m.body.length}`]);
  if (m.framing === 'chunked') extra.push(['Transfer-Encoding', 'chunked']);
  if (m.connection) extra.push(['Connection', m.connection]);
  const text = encodeHead(final, m.version, m.le, extra, m.insertAt);
  wire += text;
  const noBody = m.method === 'HEAD' || m.framing === 'none-status';
  const framing = noBody ? 'none' : m.framing === 'none-status' ? 'none' : m.framing;
  const headers = [...final.headers];
  headers.splice(Math.min(m.insertAt, headers.length), 0, ...extra);
  events.push(
    headEvent(
      final,
      m.version,
      false,
      text,
      headers,
      framing,
      framing === 'length' ? m.body.length : undefined,
    ),
  );
  const bodyText = latin1Decode(m.body);
  let trailers: HeaderList = [];
  const rawTrailerLines: string[] = [];
  if (!noBody) {
    if (m.framing === 'chunked') {
      let off = 0;
      for (let i = 0; off < m.body.length; i++) {
        const n = Math.min(m.chunkSizes[i % m.chunkSizes.length]!, m.body.length - off);
        const hex = m.upperHex ? n.toString(16).toUpperCase() : n.toString(16);
        wire += `${hex}${m.chunkExt}${m.le}${bodyText.slice(off, off + n)}${m.le}`;
        off += n;
      }
      wire += `0${m.chunkExt}${m.le}`;
      for (const [n, v] of m.trailers) {
        const line = `${n}: ${v}${m.le}`;
        wire += line;
        rawTrailerLines.push(line);
      }
      wire += m.le;
      trailers = m.trailers;
    } else {
      wire += bodyText;
    }
    if (m.body.length > 0) events.push({ type: 'data', data: bodyText });
  }
  let keepAlive = m.version === 11 ? m.connection !== 'close' : m.connection === 'keep-alive';
  if (framing === 'close') keepAlive = false;
  events.push({ type: 'end', trailers, rawTrailerLines, keepAlive });
  return { wire, events };

  function headEvent(
    h: Head,
    version: 10 | 11,
    interim: boolean,
    text: string,
    hdrs: HeaderList,
    fr: string,
    cl: number | undefined,
  ): FlatEvent {
    return {
      type: 'head',
      interim,
      status: h.status,
      reason: h.reason,
      version,
      headers: interim ? h.headers : hdrs,
      rawLines: rawLinesOf(text),
      headerBytes: text.length,
      framing: fr,
      contentLength: cl,
    };
  }
}

/** One to three responses for one connection; only the last may be close-delimited. */
const conversation = fc
  .array(modelResponse, { minLength: 1, maxLength: 3 })
  .map((ms) => ms.filter((m, i) => m.framing !== 'close' || i === ms.length - 1))
  .filter((ms) => ms.length > 0);

const cuts = fc.array(fc.nat(), { maxLength: 24 });

function encodeAll(ms: ModelResponse[]): { input: Uint8Array; events: FlatEvent[]; bodyBytes: number } {
  let wire = '';
  const events: FlatEvent[] = [];
  for (const m of ms) {
    const e = encode(m);
    wire += e.wire;
    events.push(...e.events);
  }
  const bodyBytes = events.reduce((n, e) => n + (e.type === 'data' ? e.data.length : 0), 0);
  return { input: bytes(wire), events, bodyBytes };
}

describe('ResponseReader: properties', () => {
  test('valid responses: any split gives the model events, body bytes intact', () => {
    fc.assert(
      fc.property(conversation, cuts, (ms, cutPoints) => {
        const { input, events, bodyBytes } = encodeAll(ms);
        const methods = ms.map((m) => m.method);
        const whole = drive([input], { methods });
        assert.equal(whole.error, undefined, whole.error?.message);
        assert.deepEqual(whole.events, events);
        assert.equal(whole.dataBytes, bodyBytes);
        assert.equal(whole.leftover, 0);
        const split = drive(splitAt(input, cutPoints), { methods });
        assert.equal(split.error, undefined, split.error?.message);
        assert.deepEqual(split.events, events);
      }),
      { numRuns: 400 },
    );
  });

  test('valid responses fed one byte at a time', () => {
    fc.assert(
      fc.property(conversation, (ms) => {
        const { input, events } = encodeAll(ms);
        const r = drive(oneByteChunks(input), { methods: ms.map((m) => m.method) });
        assert.equal(r.error, undefined, r.error?.message);
        assert.deepEqual(r.events, events);
      }),
      { numRuns: 60 },
    );
  });

  test('bytes after a response stay buffered for the next one', () => {
    fc.assert(
      fc.property(conversation, cuts, (ms, cutPoints) => {
        fc.pre(ms.length > 1);
        const { input } = encodeAll(ms);
        const firstLen = bytes(encode(ms[0]!).wire).length;
        const r = drive(splitAt(input, cutPoints), { methods: [ms[0]!.method], eof: false });
        assert.equal(r.error, undefined);
        assert.equal(r.leftover, input.length - firstLen);
      }),
      { numRuns: 100 },
    );
  });
});

// --- fuzzing ------------------------------------------------------------------------------------

type Mutation =
  | { kind: 'flip'; pos: number; bit: number }
  | { kind: 'truncate'; len: number }
  | { kind: 'insert'; pos: number; data: Uint8Array }
  | { kind: 'delete'; pos: number; len: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), len: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    pos: fc.nat(),
    data: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc
        .constantFrom('\r\n', '\n', '\r', ':', ' ', '0\r\n\r\n', 'HTTP/1.1 ', ';', 'ffffffffffffffff')
        .map(bytes),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(input: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = input;
  for (const m of ms) {
    const at = (n: number): number => n % (b.length + 1);
    switch (m.kind) {
      case 'flip': {
        if (b.length === 0) break;
        b = b.slice();
        b[m.pos % b.length]! ^= 1 << m.bit;
        break;
      }
      case 'truncate':
        b = b.subarray(0, at(m.len));
        break;
      case 'insert': {
        const p = at(m.pos);
        const out = new Uint8Array(b.length + m.data.length);
        out.set(b.subarray(0, p));
        out.set(m.data, p);
        out.set(b.subarray(p), p + m.data.length);
        b = out;
        break;
      }
      case 'delete': {
        const p = at(m.pos);
        const rest = b.subarray(Math.min(b.length, p + m.len));
        const out = new Uint8Array(p + rest.length);
        out.set(b.subarray(0, p));
        out.set(rest, p);
        b = out;
        break;
      }
    }
  }
  return b;
}

// libcurl's codes for a bad peer: 1 not HTTP/1, 8 weird reply, 18 partial, 52 empty, 56 recv,
// 61 transfer coding, 100 too large.
const PEER_CODES = new Set([1, 8, 18, 52, 56, 61, 100]);
const fuzzMethods = fc.array(fc.constantFrom('GET', 'HEAD', 'CONNECT', 'POST'), {
  minLength: 1,
  maxLength: 4,
});
const fuzzLimits = fc.constantFrom(
  {},
  { maxHeaderBytes: 48 },
  { maxHeaderCount: 2, maxChunkLineBytes: 8, maxInterimResponses: 1 },
);

function checkRobust(input: Uint8Array, cutPoints: number[], methods: string[], limits: object): void {
  const maxCalls = 4 * input.length + 50;
  const whole = drive([input], { methods, limits, maxCalls });
  const split = drive(splitAt(input, cutPoints), { methods, limits, maxCalls });
  for (const r of [whole, split]) {
    assert.ok(r.dataBytes <= input.length, 'more body bytes out than bytes in');
    if (r.error) {
      assert.ok(r.error instanceof ProtocolError);
      assert.ok(PEER_CODES.has(r.error.code), `unexpected code ${r.error.code}`);
      assert.ok(r.error.message.length > 0);
    }
  }
  // The outcome does not depend on how the bytes were cut (only the size quoted in a
  // "Too large" message may: it is counted where the limit was crossed).
  assert.deepEqual(split.events, whole.events);
  assert.equal(split.error?.code, whole.error?.code);
  if (whole.error && !whole.error.message.startsWith('Too large')) {
    assert.equal(split.error?.message, whole.error.message);
  }
}

describe('ResponseReader: fuzz', () => {
  test('random bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 120 }).map((b) => {
            const out = new Uint8Array(b.length + 9);
            out.set(bytes('HTTP/1.1 '));
            out.set(b, 9);
            return out;
          }),
        ),
        cuts,
        fuzzMethods,
        fuzzLimits,
        checkRobust,
      ),
      { numRuns: 500 },
    );
  });

  test('mutated valid responses', () => {
    fc.assert(
      fc.property(
        conversation,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        cuts,
        fuzzMethods,
        fuzzLimits,
        (ms, mutations, cutPoints, methods, limits) => {
          const input = mutate(encodeAll(ms).input, mutations);
          checkRobust(input, cutPoints, methods, limits);
        },
      ),
      { numRuns: 800 },
    );
  });
});

// --- heads kept from one response to the next -----------------------------------------------

/** nginx's head for a 5-byte body, with `extra` field lines before its Connection field. */
function nginx(date: string, extra = '', status = '200 OK'): string {
  return (
    `HTTP/1.1 ${status}\r\nServer: nginx/1.22.1\r\nDate: ${date}\r\n` +
    `Content-Type: application/octet-stream\r\nContent-Length: 5\r\n${extra}` +
    'Connection: keep-alive\r\nETag: "6932d8f0-5"\r\nAccept-Ranges: bytes\r\n\r\nhello'
  );
}
const DATE1 = 'Sun, 06 Dec 2026 08:00:00 GMT';
const DATE2 = 'Sun, 06 Dec 2026 08:00:01 GMT';

/** Responses whose heads repeat, and heads that differ from them in what the reader acts on. */
const KEEP_INPUTS: string[] = [
  nginx(DATE1),
  nginx(DATE2),
  nginx(DATE1) + nginx(DATE1),
  `HTTP/1.1 100 Continue\r\n\r\n${nginx(DATE1)}`,
  `HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${nginx(DATE1)}`,
  `${nginx(DATE1)}HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${nginx(DATE1)}`,
  'HTTP/2 200\r\nContent-Length: 2\r\n\r\nok',
  `${nginx(DATE1)}HTTP/2 200\r\nContent-Length: 2\r\n\r\nok`,
  'HTTP/2 200\r\nContent-Length: 2\r\n\r\nokHTTP/2 200\r\nContent-Length: 2\r\n\r\nok',
  nginx(DATE1, 'Content-Length: 5\r\n'),
  nginx(DATE1, 'Content-Length: 6\r\n'),
  nginx(DATE1, 'Content-Length: 5, 5\r\n'),
  nginx(DATE1, 'Content-Length: 99999999999999999999\r\n'),
  nginx(DATE1, 'Transfer-Encoding: chunked\r\n').replace(/hello$/, '5\r\nhello\r\n0\r\n\r\n'),
  nginx(DATE1, 'Transfer-Encoding: gzip\r\n'),
  nginx(DATE1, 'Transfer-Encoding: gzip, chunked\r\n'),
  nginx(DATE1, 'Connection: close\r\n'),
  nginx(DATE1, 'Retry-After: 5\r\nLast-Modified: x\r\nContent-Encoding: gzip\r\nContent-Type: b\r\n'),
  nginx(DATE1, 'X-Fold: a\r\n  b\r\n'),
  nginx(DATE1, ' Lead: x\r\n'),
  nginx(DATE1, 'No colon\r\n'),
  nginx(DATE1, `X-Long: ${'y'.repeat(60)}\r\n`),
  nginx(DATE1, '', '204 No Content').replace(/hello$/, ''),
  nginx(DATE1, '', '304 Not Modified').replace(/hello$/, ''),
  nginx(DATE1, '', '101 Switching Protocols'),
  nginx(DATE1).replace('HTTP/1.1', 'HTTP/1.0'),
  nginx(DATE1).replace(/\r\n/g, '\n'),
  nginx(DATE1).replace('Date', 'Da\0te'),
  'HTTP/1.1 200 OK\r\n\r\nbody until close',
];

const keepLimits = fc.constantFrom(
  {},
  {},
  { maxHeaderBytes: 150 },
  { maxHeaderCount: 3 },
  { maxHeaderCount: 8 },
  { maxHeaderLineBytes: 40 },
);

/** One to three responses to read, most of them one of KEEP_INPUTS. */
const keepInput = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: KEEP_INPUTS.length - 1 }).map((i) => bytes(KEEP_INPUTS[i]!)) },
  { weight: 1, arbitrary: conversation.map((ms) => encodeAll(ms).input) },
);

/** One reader of a sequence: which input of the pool, changed how, cut how, asking what. */
const keepDrive = (poolSize: number) =>
  fc.record({
    pick: fc.nat({ max: poolSize - 1 }),
    mutations: fc.oneof(
      { weight: 3, arbitrary: fc.constant([] as Mutation[]) },
      { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) },
    ),
    whole: fc.oneof(
      { weight: 3, arbitrary: fc.constant(true) },
      { weight: 1, arbitrary: fc.constant(false) },
    ),
    cuts,
    methods: fuzzMethods,
    limits: keepLimits,
    ignoreContentLength: fc.boolean(),
    rawLines: fc.boolean(),
  });

/** A pool of one to three inputs, and two to six readers of them (so that heads repeat). */
const keepSequence = fc
  .array(keepInput, { minLength: 1, maxLength: 3 })
  .chain((pool) =>
    fc.array(keepDrive(pool.length), { minLength: 2, maxLength: 6 }).map((drives) => ({ pool, drives })),
  );

describe('ResponseReader: kept heads', () => {
  test('a sequence of readers gives the same events and errors with heads kept as without', () => {
    fc.assert(
      fc.property(keepSequence, ({ pool, drives }) => {
        const inputs = drives.map((d) => mutate(pool[d.pick]!, d.mutations));
        const run = (): ReturnType<typeof outcome>[] =>
          drives.map((d, i) => {
            const input = inputs[i]!;
            const opts = {
              methods: d.methods,
              limits: d.limits,
              ignoreContentLength: d.ignoreContentLength,
              rawLines: d.rawLines,
              maxCalls: 4 * input.length + 50,
            };
            return outcome(drive(d.whole ? [input] : splitAt(input, d.cuts), opts));
          });
        forgetKeptHead();
        headKeeping.enabled = false;
        let without: ReturnType<typeof outcome>[];
        try {
          without = run();
        } finally {
          headKeeping.enabled = true;
        }
        forgetKeptHead();
        assert.deepEqual(run(), without);
      }),
      { numRuns: 1500 },
    );
  });

  test('the sequences above take heads from kept ones', () => {
    // The property above compares something only if heads are taken: nginx's head read whole
    // after the same bytes is, after other bytes it is not, and with keeping off never.
    const read = (text: string, limits = {}): void => {
      assert.equal(drive([bytes(text)], { limits }).error, undefined);
    };
    forgetKeptHead();
    const uses = headKeeping.uses;
    read(nginx(DATE1));
    assert.equal(headKeeping.uses, uses);
    read(nginx(DATE1));
    assert.equal(headKeeping.uses, uses + 1);
    read(nginx(DATE2));
    assert.equal(headKeeping.uses, uses + 1);
    assert.equal(drive([bytes(nginx(DATE2) + nginx(DATE2))], { methods: ['GET', 'GET'] }).error, undefined);
    assert.equal(headKeeping.uses, uses + 3);
    // A reader whose limits the kept head does not pass: it is read line by line, and fails.
    assert.equal(drive([bytes(nginx(DATE2))], { limits: { maxHeaderCount: 3 } }).error?.code, 100);
    assert.equal(headKeeping.uses, uses + 3);
    headKeeping.enabled = false;
    try {
      read(nginx(DATE2));
    } finally {
      headKeeping.enabled = true;
    }
    assert.equal(headKeeping.uses, uses + 3);
  });
});
