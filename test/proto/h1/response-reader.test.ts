// Table-driven cases for the HTTP/1.1 response reader: every framing, keep-alive and error rule.
// Each case runs fed whole, fed one byte at a time, and fed in two halves; all must agree.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CurlCode as Codes } from '../../../src/core/codes.js';
import {
  H1_LIMITS,
  type H1Limits,
  NEED_DATA,
  ProtocolError,
  ResponseReader,
} from '../../../src/proto/h1/index.js';
import { bytes, type DriveResult, drive, type FlatEvent, oneByteChunks } from './h1-test-utils.js';

interface Case {
  name: string;
  input: string;
  methods?: string[];
  ignoreContentLength?: boolean;
  limits?: Partial<H1Limits>;
  /** Checks on the events (when no error is expected, or the events before the error). */
  check?: (events: FlatEvent[], r: DriveResult) => void;
  /** Expected error: code and a substring of the message. */
  error?: [code: number, message: string];
}

function heads(events: FlatEvent[]): Extract<FlatEvent, { type: 'head' }>[] {
  return events.filter((e): e is Extract<FlatEvent, { type: 'head' }> => e.type === 'head');
}
function ends(events: FlatEvent[]): Extract<FlatEvent, { type: 'end' }>[] {
  return events.filter((e): e is Extract<FlatEvent, { type: 'end' }> => e.type === 'end');
}
function body(events: FlatEvent[]): string {
  return events.map((e) => (e.type === 'data' ? e.data : '')).join('');
}
function final(events: FlatEvent[]): Extract<FlatEvent, { type: 'head' }> {
  const h = heads(events).filter((e) => !e.interim);
  assert.equal(h.length, 1);
  return h[0]!;
}

function runCase(c: Case): void {
  const input = bytes(c.input);
  const splits: [string, Uint8Array[]][] = [
    ['whole', [input]],
    ['bytewise', oneByteChunks(input)],
    ['halves', [input.subarray(0, input.length >> 1), input.subarray(input.length >> 1)]],
  ];
  let first: DriveResult | undefined;
  for (const [how, chunks] of splits) {
    const opts = {
      ...(c.methods ? { methods: c.methods } : {}),
      ...(c.ignoreContentLength === undefined ? {} : { ignoreContentLength: c.ignoreContentLength }),
      ...(c.limits ? { limits: c.limits } : {}),
    };
    const r = drive(chunks, opts);
    if (c.error) {
      assert.ok(r.error, `${how}: expected error ${c.error[0]}, got events ${JSON.stringify(r.events)}`);
      assert.equal(r.error.code, c.error[0], `${how}: code (message: ${r.error.message})`);
      assert.ok(
        r.error.message.includes(c.error[1]),
        `${how}: message ${JSON.stringify(r.error.message)} lacks ${JSON.stringify(c.error[1])}`,
      );
    } else {
      assert.equal(r.error, undefined, `${how}: unexpected ${r.error?.code}: ${r.error?.message}`);
    }
    if (first === undefined) first = r;
    else assert.deepEqual(r.events, first.events, `${how}: events differ from whole`);
    c.check?.(r.events, r);
  }
}

const CASES: Case[] = [
  // --- status line ---------------------------------------------------------------------------
  {
    name: 'Content-Length body, CRLF',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello',
    check: (ev, r) => {
      const h = final(ev);
      assert.deepEqual(
        [h.status, h.reason, h.version, h.framing, h.contentLength],
        [200, 'OK', 11, 'length', 5],
      );
      assert.deepEqual(h.headers, [
        ['Content-Length', '5'],
        ['X-A', 'b'],
      ]);
      assert.deepEqual(h.rawLines, ['HTTP/1.1 200 OK\r\n', 'Content-Length: 5\r\n', 'X-A: b\r\n', '\r\n']);
      assert.equal(h.headerBytes, 46);
      assert.equal(body(ev), 'hello');
      assert.deepEqual(ends(ev), [{ type: 'end', trailers: [], rawTrailerLines: [], keepAlive: true }]);
      assert.equal(r.buffered, 0);
    },
  },
  {
    name: 'LF-only line endings accepted, kept in rawLines',
    input: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nhi',
    check: (ev) => {
      assert.deepEqual(final(ev).rawLines, ['HTTP/1.1 200 OK\n', 'Content-Length: 2\n', '\n']);
      assert.equal(final(ev).headerBytes, 35);
      assert.equal(body(ev), 'hi');
    },
  },
  {
    name: 'empty reason after SP',
    input: 'HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.deepEqual([final(ev).status, final(ev).reason], [404, '']),
  },
  {
    name: 'missing SP before empty reason tolerated',
    input: 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.deepEqual([final(ev).status, final(ev).reason], [200, '']),
  },
  {
    name: 'reason with spaces and obs-text',
    input: 'HTTP/1.1 200 Tr\xe8s  bien \r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.equal(final(ev).reason, 'Tr\xe8s  bien '),
  },
  // Status lines as libcurl 8 judges them (lib/http.c http_rw_hd, checkhttpprefix).
  { name: 'garbage', input: 'garbage\r\n\r\n', error: [1, 'Received HTTP/0.9 when not allowed'] },
  { name: 'HTTP/0.9 body', input: '<html>hi</html>', error: [1, 'Received HTTP/0.9 when not allowed'] },
  { name: 'control characters', input: '\x01\x7fHT\r\n', error: [1, 'Received HTTP/0.9 when not allowed'] },
  { name: 'long garbage', input: `${'x'.repeat(200)}\r\n`, error: [1, 'Received HTTP/0.9 when not allowed'] },
  {
    name: 'HTTP/2 status line on a new connection is accepted (libcurl: version 2)',
    input: 'HTTP/2 200\r\nContent-Length: 1\r\n\r\nx',
    check: (ev) => assert.deepEqual([final(ev).status, final(ev).version, body(ev)], [200, 20, 'x']),
  },
  {
    name: 'HTTP/3 status line on a new connection is accepted',
    input: 'HTTP/3 204 \r\n\r\n',
    check: (ev) => assert.deepEqual([final(ev).status, final(ev).version], [204, 30]),
  },
  {
    name: 'HTTP/2 after an HTTP/1.1 response on the same connection',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/2 200\r\n\r\n',
    methods: ['GET', 'GET'],
    error: [8, 'Version mismatch (from HTTP/1 to HTTP/2)'],
  },
  {
    name: 'HTTP/2 after a 100 Continue',
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/2 200\r\n\r\n',
    error: [8, 'Version mismatch (from HTTP/1 to HTTP/2)'],
  },
  {
    name: 'HTTP/1.2',
    input: 'HTTP/1.2 200 OK\r\n\r\n',
    error: [1, 'Unsupported HTTP/1 subversion in response'],
  },
  {
    name: 'HTTP/1.10',
    input: 'HTTP/1.10 200 OK\r\n\r\n',
    error: [1, 'Unsupported HTTP/1 subversion in response'],
  },
  { name: 'HTTP/4', input: 'HTTP/4 200 OK\r\n\r\n', error: [1, 'Unsupported HTTP version in response'] },
  {
    name: 'HTTP/11.1',
    input: 'HTTP/11.1 200 OK\r\n\r\n',
    error: [1, 'Unsupported HTTP/1 subversion in response'],
  },
  {
    name: 'HTTP/99999999999999999999.1',
    input: 'HTTP/99999999999999999999.1 200\r\n\r\n',
    error: [1, 'Unsupported HTTP version in response'],
  },
  {
    name: 'two-digit status',
    input: 'HTTP/1.1 20 OK\r\n\r\n',
    error: [1, 'Unsupported HTTP/1 subversion in response'],
  },
  {
    name: 'four-digit status',
    input: 'HTTP/1.1 2000 OK\r\n\r\n',
    error: [1, 'Unsupported HTTP/1 subversion in response'],
  },
  {
    name: 'negative status',
    input: 'HTTP/1.1 -200 OK\r\n\r\n',
    error: [1, 'Unsupported HTTP/1 subversion in response'],
  },
  {
    name: 'status glued to reason',
    input: 'HTTP/1.1 200OK\r\n\r\n',
    error: [1, 'Unsupported HTTP/1 subversion in response'],
  },
  {
    name: 'status below 100',
    input: 'HTTP/1.1 099 x\r\n\r\n',
    error: [1, 'Unsupported response code in HTTP response'],
  },
  {
    name: 'status 999 is accepted',
    input: 'HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.deepEqual([final(ev).status, final(ev).reason], [999, 'Odd']),
  },
  {
    name: 'tabs around the status code',
    input: 'HTTP/1.1\t200\tOK\r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.deepEqual([final(ev).status, final(ev).reason], [200, 'OK']),
  },
  {
    name: "lower-case http/ is libcurl's 200 alias: HTTP/1.0 200",
    input: 'http/1.1 404 Nope\r\nContent-Length: 2\r\n\r\nhi',
    check: (ev) => assert.deepEqual([final(ev).status, final(ev).version, body(ev)], [200, 10, 'hi']),
  },
  {
    name: 'leading empty line',
    input: '\r\nHTTP/1.1 200 OK\r\n\r\n',
    error: [1, 'Received HTTP/0.9 when not allowed'],
  },
  {
    name: 'leading space',
    input: ' HTTP/1.1 200 OK\r\n\r\n',
    error: [1, 'Received HTTP/0.9 when not allowed'],
  },
  { name: 'NUL in reason', input: 'HTTP/1.1 200 O\x00K\r\n\r\n', error: [8, 'Nul byte in header'] },
  { name: 'CR in reason', input: 'HTTP/1.1 200 O\rK\r\n\r\n', error: [8, 'Carriage return found in header'] },
  {
    name: 'garbage after an interim response is an invalid status line',
    input: 'HTTP/1.1 100 Continue\r\n\r\n<html>',
    error: [8, 'Invalid status line'],
  },
  {
    name: 'garbage as the second response on a connection is an invalid status line',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nnope\r\n',
    methods: ['GET', 'GET'],
    error: [8, 'Invalid status line'],
  },

  // --- header fields -------------------------------------------------------------------------
  {
    name: 'OWS trimmed, empty value, case kept, obs-text decoded as latin1',
    input:
      'HTTP/1.1 200 OK\r\nX-Sp:   a  b \t\r\nX-Empty:\r\nX-TAB:\tv\r\nX-Lat: caf\xe9\r\nContent-Length: 0\r\n\r\n',
    check: (ev) =>
      assert.deepEqual(final(ev).headers, [
        ['X-Sp', 'a  b'],
        ['X-Empty', ''],
        ['X-TAB', 'v'],
        ['X-Lat', 'caf\xe9'],
        ['Content-Length', '0'],
      ]),
  },
  {
    name: 'obs-fold: the line continues the previous value (raw line kept); framing not changed',
    input:
      'HTTP/1.1 200 OK\r\nX-A: b\r\n  continued \r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 1\r\n\r\nx',
    check: (ev) => {
      const h = final(ev);
      assert.deepEqual(h.headers.slice(0, 2), [
        ['X-A', 'b continued'],
        ['Transfer-Encoding', 'chunked'],
      ]);
      assert.equal(h.rawLines[2], '  continued \r\n');
      assert.deepEqual([h.framing, body(ev)], ['length', 'x']);
    },
  },
  {
    name: 'noted fields: the last Content-Type (unfolded), Retry-After, Last-Modified and Content-Encoding seen; pairs as sent',
    input:
      'HTTP/1.1 200 OK\r\ncontent-type: a/b\r\nX: 1\r\nContent-TYPE: text/html;\r\n charset=x\r\n' +
      'Retry-After: 5\r\nY: 2\r\nCONTENT-encoding: gzip\r\nContent-Length: 0\r\n\r\n',
    check: (ev, r) => {
      // drive() checks every head's noted fields against its pairs; here the pairs themselves.
      assert.deepEqual(final(ev).headers, [
        ['content-type', 'a/b'],
        ['X', '1'],
        ['Content-TYPE', 'text/html; charset=x'],
        ['Retry-After', '5'],
        ['Y', '2'],
        ['CONTENT-encoding', 'gzip'],
        ['Content-Length', '0'],
      ]);
      const reader = new ResponseReader();
      reader.startResponse({ method: 'GET' });
      reader.receiveData(bytes('HTTP/1.1 204 No\r\nLast-Modified: x\r\nContent-Type: t/u\r\n\r\n'));
      const head = reader.nextEvent();
      assert.ok(head !== NEED_DATA && head.type === 'head');
      assert.deepEqual(head.noted, {
        contentType: 't/u',
        retryAfter: false,
        lastModified: true,
        contentEncoding: false,
      });
      assert.deepEqual(head.headers, [
        ['Last-Modified', 'x'],
        ['Content-Type', 't/u'],
      ]);
      assert.equal(r.error, undefined);
    },
  },
  {
    name: 'first header line starting with blanks: blanks skipped, no framing from it',
    input: 'HTTP/1.1 200 OK\r\n Content-Length: 9\r\nX: y\r\n\r\nabc',
    check: (ev) => {
      assert.deepEqual(final(ev).headers, [
        ['Content-Length', '9'],
        ['X', 'y'],
      ]);
      assert.deepEqual([final(ev).framing, body(ev)], ['close', 'abc']);
    },
  },
  {
    name: 'first header line starting with blanks and without a colon',
    input: 'HTTP/1.1 200 OK\r\n X-A b\r\n\r\n',
    error: [8, 'Header without colon'],
  },
  {
    name: 'header without colon',
    input: 'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n',
    error: [8, 'Header without colon'],
  },
  {
    name: 'names libcurl takes as they are: space inside, space before the colon, empty',
    input: 'HTTP/1.1 200 OK\r\nBad Name: x\r\nName : y\r\n: z\r\nContent-Length: 0\r\n\r\n',
    check: (ev) =>
      assert.deepEqual(final(ev).headers.slice(0, 3), [
        ['Bad Name', 'x'],
        ['Name ', 'y'],
        ['', 'z'],
      ]),
  },
  { name: 'NUL in value', input: 'HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n', error: [8, 'Nul byte in header'] },
  {
    name: 'bare CR in value',
    input: 'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n',
    error: [8, 'Carriage return found in header'],
  },
  {
    // The whole head is checked at once when it arrives in one piece: the error is still the
    // first failing line's, not the first bad character kind found in the block.
    name: 'bare CR in one line, NUL in a later one: the earlier line fails',
    input: 'HTTP/1.1 200 OK\r\nX: a\rb\r\nY: c\x00d\r\n\r\n',
    error: [8, 'Carriage return found in header'],
  },
  {
    name: 'NUL in one line, bare CR in a later one: the earlier line fails',
    input: 'HTTP/1.1 200 OK\r\nX: c\x00d\r\nY: a\rb\r\n\r\n',
    error: [8, 'Nul byte in header'],
  },
  {
    name: 'CR CR LF',
    input: 'HTTP/1.1 200 OK\r\nX: a\r\r\n\r\n',
    error: [8, 'Carriage return found in header'],
  },
  {
    name: 'header section over maxHeaderBytes',
    input: `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(100)}\r\n\r\n`,
    limits: { maxHeaderBytes: 64 },
    error: [56, 'Too large response headers: 122 > 64'],
  },
  {
    name: 'a head line of 102400 bytes is too large (100)',
    input: `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(102_400 - 5)}\r\n\r\n`,
    error: [100, 'A value or data field grew larger than allowed'],
  },
  {
    name: 'a head line of 102399 bytes is fine',
    input: `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(102_399 - 5)}\r\nContent-Length: 0\r\n\r\n`,
    check: (ev) => assert.equal(final(ev).headers[0]![1].length, 102_394),
  },
  {
    name: 'heads of 307200 bytes are fine, 307201 too large (56)',
    input: `HTTP/1.1 200 OK\r\n${`X: ${'a'.repeat(95)}\r\n`.repeat(3071)}${'Y'.repeat(1)}: ${'a'.repeat(79)}\r\n\r\n`,
    error: [56, 'Too large response headers: 307201 > 307200'],
  },
  {
    name: 'interim heads count toward maxHeaderBytes',
    input: 'HTTP/1.1 100 A\r\n\r\n'.repeat(3),
    limits: { maxHeaderBytes: 50 },
    error: [56, 'Too large response headers: 52 > 50'],
  },
  {
    name: 'header section exactly at maxHeaderBytes is fine',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', // 17 + 19 + 2 = 38
    limits: { maxHeaderBytes: 38 },
    check: (ev) => assert.equal(final(ev).headerBytes, 38),
  },
  {
    name: 'header section one byte over maxHeaderBytes',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    limits: { maxHeaderBytes: 37 },
    error: [56, 'Too large response headers: 38 > 37'],
  },
  {
    name: 'more fields than maxHeaderCount',
    input: 'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n',
    limits: { maxHeaderCount: 2 },
    error: [100, 'Too many response headers, 2 is max'],
  },
  {
    name: 'maxHeaderCount fields are fine',
    input: 'HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 0\r\n\r\n',
    limits: { maxHeaderCount: 2 },
    check: (ev) => assert.equal(final(ev).headers.length, 2),
  },

  // --- interim responses ---------------------------------------------------------------------
  {
    name: '100 Continue then 103 Early Hints then 200',
    input:
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx',
    check: (ev) => {
      const h = heads(ev);
      assert.deepEqual(
        h.map((e) => [e.status, e.interim, e.framing]),
        [
          [100, true, 'none'],
          [103, true, 'none'],
          [200, false, 'length'],
        ],
      );
      assert.deepEqual(h[1]!.headers, [['Link', '</a>; rel=preload']]);
      assert.equal(h[0]!.headerBytes, 25);
      assert.equal(body(ev), 'x');
      assert.equal(ev.length, 5);
    },
  },
  {
    name: 'interim response with Content-Length has no body',
    input: 'HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No\r\n\r\n',
    check: (ev) =>
      assert.deepEqual(
        heads(ev).map((e) => e.status),
        [100, 204],
      ),
  },
  {
    name: 'header fields of interim heads count toward maxHeaderCount',
    input: 'HTTP/1.1 103 A\r\nLink: a\r\n\r\nHTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n',
    limits: { maxHeaderCount: 2 },
    error: [100, 'Too many response headers, 2 is max'],
  },
  {
    name: '5000 header fields are fine (libcurl MAX_HTTP_RESP_HEADER_COUNT)',
    input: `HTTP/1.1 200 OK\r\n${'A: 1\r\n'.repeat(4999)}Content-Length: 0\r\n\r\n`,
    check: (ev) => assert.equal(final(ev).headers.length, 5000),
  },
  {
    name: '5001 header fields are too many',
    input: `HTTP/1.1 200 OK\r\n${'A: 1\r\n'.repeat(5000)}Content-Length: 0\r\n\r\n`,
    error: [100, 'Too many response headers, 5000 is max'],
  },
  {
    name: '101 is final, no body, connection not reusable, rest stays buffered',
    input: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00',
    check: (ev, r) => {
      assert.deepEqual([final(ev).interim, final(ev).framing], [false, 'none']);
      assert.equal(ends(ev)[0]!.keepAlive, false);
      assert.equal(body(ev), '');
      assert.equal(r.leftover, 2);
    },
  },

  // --- framing -------------------------------------------------------------------------------
  {
    name: 'HEAD: no body whatever Content-Length says',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n',
    methods: ['HEAD'],
    check: (ev) => {
      assert.deepEqual([final(ev).framing, final(ev).contentLength], ['none', undefined]);
      assert.equal(ends(ev)[0]!.keepAlive, true);
    },
  },
  {
    name: 'HEAD with chunked TE: no body',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
    methods: ['HEAD'],
    check: (ev) => assert.equal(final(ev).framing, 'none'),
  },
  {
    name: '204 and 304 have no body',
    input:
      'HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n',
    methods: ['GET', 'GET'],
    check: (ev) => {
      assert.deepEqual(
        heads(ev).map((h) => h.framing),
        ['none', 'none'],
      );
      assert.deepEqual(
        ends(ev).map((e) => e.keepAlive),
        [true, true],
      );
    },
  },
  {
    name: 'CONNECT 200 is a tunnel: no body, bytes after the head stay buffered',
    input: 'HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01',
    methods: ['CONNECT'],
    check: (ev, r) => {
      assert.equal(final(ev).framing, 'none');
      assert.equal(r.leftover, 3);
    },
  },
  {
    name: 'CONNECT 407 has a body',
    input: 'HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nno',
    methods: ['CONNECT'],
    check: (ev) => assert.equal(body(ev), 'no'),
  },
  {
    name: 'Content-Length: 0',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    check: (ev) =>
      assert.deepEqual(
        ev.map((e) => e.type),
        ['head', 'end'],
      ),
  },
  {
    name: 'repeated equal Content-Length values and fields',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 03\r\n\r\nabc',
    check: (ev) => assert.deepEqual([final(ev).contentLength, body(ev)], [3, 'abc']),
  },
  {
    name: 'Content-Length 2^53-1 accepted',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 9007199254740991\r\n\r\nab',
    check: (ev) => assert.equal(final(ev).contentLength, 2 ** 53 - 1),
    error: [18, 'end of response with 9007199254740989 bytes missing'],
  },
  // Content-Length as libcurl 8 reads it (curlx_str_numblanks per list item, all equal).
  ...[
    ['conflicting fields', 'Content-Length: 3\r\nContent-Length: 4'],
    ['conflicting list', 'Content-Length: 3, 4'],
    ['trailing letters', 'Content-Length: 3a'],
    ['trailing word', 'Content-Length: 3 x'],
    ['negative', 'Content-Length: -1'],
    ['plus sign', 'Content-Length: +1'],
    ['hex', 'Content-Length: 0x3'],
    ['empty', 'Content-Length:'],
    ['empty list item', 'Content-Length: 3,,3'],
    ['trailing comma', 'Content-Length: 3,'],
    ['NBSP padding (only blanks are skipped)', 'Content-Length: 3\xa0'],
    ['invalid even with chunked', 'Content-Length: nope\r\nTransfer-Encoding: chunked'],
  ].map(
    ([what, fields]): Case => ({
      name: `Content-Length ${what}`,
      input: `HTTP/1.1 200 OK\r\n${fields}\r\n\r\nabcd`,
      error: [8, 'Invalid Content-Length: value'],
    }),
  ),
  {
    name: 'Content-Length invalid on a HEAD response too',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n',
    methods: ['HEAD'],
    error: [8, 'Invalid Content-Length: value'],
  },
  {
    name: 'Content-Length not judged on 204, nor with ignoreContentLength',
    input: 'HTTP/1.1 204 No\r\nContent-Length: x\r\n\r\n',
    check: (ev) => assert.equal(final(ev).status, 204),
  },
  {
    name: 'Content-Length list with spaces and tabs',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3 ,\t3\r\nContent-Length: \t03 \r\n\r\nabc',
    check: (ev) => assert.equal(body(ev), 'abc'),
  },
  {
    name: 'Content-Length of 15 and 16 digits, equal to an earlier field or not',
    input:
      'HTTP/1.1 200 OK\r\nContent-Length: 000000000000003\r\nContent-Length: 0000000000000003\r\n\r\nabc',
    check: (ev) => assert.equal(body(ev), 'abc'),
  },
  {
    name: 'Content-Length of 15 digits unequal to an earlier field',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 000000000000004\r\n\r\nabc',
    error: [8, 'Invalid Content-Length: value'],
  },
  {
    name: 'Content-Length 2^63-1 is a length (then EOF)',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nab',
    check: (ev) => assert.equal(final(ev).framing, 'length'),
    error: [18, 'end of response with'],
  },
  {
    name: 'Content-Length beyond 2^63-1 overflows: read until close, flagged, not reusable',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nabc',
    check: (ev) => {
      const h = final(ev);
      assert.deepEqual([h.framing, h.contentLength, h.contentLengthOverflow], ['close', undefined, true]);
      assert.equal(body(ev), 'abc');
      assert.equal(ends(ev)[0]!.keepAlive, false);
    },
  },
  {
    name: 'no framing header: read to EOF, not reusable',
    input: 'HTTP/1.1 200 OK\r\nX: y\r\n\r\nuntil the end\r\n\r\nHTTP/1.1 200 OK\r\n\r\n',
    check: (ev) => {
      assert.deepEqual([final(ev).framing, final(ev).contentLength], ['close', undefined]);
      assert.equal(body(ev), 'until the end\r\n\r\nHTTP/1.1 200 OK\r\n\r\n');
      assert.equal(ends(ev)[0]!.keepAlive, false);
    },
  },
  {
    name: 'ignoreContentLength reads to EOF',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabcdef',
    ignoreContentLength: true,
    check: (ev) => {
      assert.equal(final(ev).framing, 'close');
      assert.equal(body(ev), 'abcdef');
      assert.equal(ends(ev)[0]!.keepAlive, false);
    },
  },
  {
    name: 'ignoreContentLength still decodes chunked',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n',
    ignoreContentLength: true,
    check: (ev) => assert.deepEqual([final(ev).framing, body(ev)], ['chunked', 'ab']),
  },
  {
    name: 'TE and CL: chunked wins, CL ignored, not reusable',
    input:
      'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    check: (ev) => {
      assert.deepEqual([final(ev).framing, final(ev).contentLength], ['chunked', undefined]);
      assert.equal(body(ev), 'abc');
      assert.equal(ends(ev)[0]!.keepAlive, false);
    },
  },
  // Transfer-Encoding as libcurl's unencoding stack takes it with transfer decoding off.
  {
    name: 'TE chunked repeated (list and fields): decoded once',
    input:
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n',
    check: (ev) => assert.deepEqual([final(ev).framing, body(ev)], ['chunked', 'z']),
  },
  {
    name: 'TE identity is skipped',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nhi',
    check: (ev) => assert.deepEqual([final(ev).framing, body(ev)], ['length', 'hi']),
  },
  {
    name: 'TE identity, chunked',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    check: (ev) => assert.deepEqual([final(ev).framing, body(ev)], ['chunked', 'hi']),
  },
  {
    name: 'TE gzip, chunked: unsolicited coding',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n',
    error: [61, 'Unsolicited Transfer-Encoding (gzip) found'],
  },
  {
    name: 'TE unknown coding',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\nz',
    error: [61, 'Unsolicited Transfer-Encoding (foo) found'],
  },
  {
    name: 'TE chunked, gzip: chunked not last',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n1\r\nz\r\n',
    error: [61, 'A Transfer-Encoding (gzip) was listed after chunked'],
  },
  {
    name: 'TE on a HEAD or 304 response is not judged',
    input: 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: foo\r\n\r\n',
    check: (ev) => assert.equal(final(ev).framing, 'none'),
  },

  // --- keep-alive ----------------------------------------------------------------------------
  {
    name: 'HTTP/1.0 without keep-alive is not reusable',
    input: 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx',
    check: (ev) => {
      assert.equal(final(ev).version, 10);
      assert.equal(ends(ev)[0]!.keepAlive, false);
    },
  },
  {
    name: 'HTTP/1.0 with Connection: Keep-Alive is reusable',
    input: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx',
    check: (ev) => assert.equal(ends(ev)[0]!.keepAlive, true),
  },
  {
    name: 'HTTP/1.0 keep-alive but close-delimited is not reusable',
    input: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nx',
    check: (ev) => assert.equal(ends(ev)[0]!.keepAlive, false),
  },
  {
    name: 'Connection token list with close (any case)',
    input: 'HTTP/1.1 200 OK\r\nConnection: Upgrade\r\nConnection: x, CLOSE \r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.equal(ends(ev)[0]!.keepAlive, false),
  },
  {
    name: 'Connection: close behind a vertical tab is not close',
    input: 'HTTP/1.1 200 OK\r\nConnection: a,\x0bclose\r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.equal(ends(ev)[0]!.keepAlive, true),
  },
  {
    name: 'Connection: closed is not close',
    input: 'HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n',
    check: (ev) => assert.equal(ends(ev)[0]!.keepAlive, true),
  },

  // --- chunked -------------------------------------------------------------------------------
  {
    name: 'chunked with extensions, quoted strings, upper-case hex, leading zeros, trailers',
    input:
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\n' +
      '0A ; q="a;b\\"c" ; x\r\n0123456789\r\n' +
      '0000\r\nX-Trailer:  t1 \r\nX-Two: t2\r\n\r\n',
    check: (ev) => {
      assert.equal(body(ev), 'hello0123456789');
      const end = ends(ev)[0]!;
      assert.deepEqual(end.trailers, [
        ['X-Trailer', 't1'],
        ['X-Two', 't2'],
      ]);
      assert.deepEqual(end.rawTrailerLines, ['X-Trailer:  t1 \r\n', 'X-Two: t2\r\n']);
      assert.equal(end.keepAlive, true);
    },
  },
  {
    name: 'chunked with LF-only line endings',
    input: 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n',
    check: (ev) => assert.equal(body(ev), 'abc'),
  },
  // Chunk sizes as libcurl's http_chunks.c reads them.
  {
    name: 'chunk size not hex',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    error: [56, 'chunk hex-length char not a hex digit: 0x7a'],
  },
  {
    name: 'chunk size empty',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n',
    error: [56, 'chunk hex-length char not a hex digit: 0xd'],
  },
  {
    name: 'chunk size then anything up to the LF is ignored',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n2zz\r\nhi\r\n0\r\n\r\n',
    check: (ev) => assert.equal(body(ev), 'hellohi'),
  },
  {
    name: 'chunk size negative',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n',
    error: [56, 'chunk hex-length char not a hex digit: 0x2d'],
  },
  {
    name: 'chunk size of 17 hex digits',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000002\r\nhi\r\n',
    error: [56, 'chunk hex-length longer than 16'],
  },
  {
    name: 'chunk size 2^63 overflows',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\n',
    error: [56, "invalid chunk size: '8000000000000000'"],
  },
  {
    name: 'chunk size 2^63-1 is accepted (then EOF)',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc',
    error: [18, 'transfer closed with outstanding read data remaining'],
    check: (ev) => assert.equal(body(ev), 'abc'),
  },
  {
    name: 'chunk size 2^53-1 is accepted (then EOF)',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1fffffffffffff\r\nabc',
    error: [18, 'transfer closed with outstanding read data remaining'],
    check: (ev) => assert.equal(body(ev), 'abc'),
  },
  {
    name: 'chunk-size line over maxChunkLineBytes',
    input: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;${'e'.repeat(100)}\r\nhello\r\n0\r\n\r\n`,
    limits: { maxChunkLineBytes: 64 },
    error: [8, 'Bad chunk size line: longer than 64'],
  },
  {
    name: 'chunk data not followed by CRLF',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n',
    error: [56, 'Malformed encoding found in chunked-encoding'],
  },
  {
    name: 'chunk data followed by CR then junk',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rX0\r\n\r\n',
    error: [56, 'Malformed encoding found in chunked-encoding'],
  },
  {
    name: 'chunk data followed by CR CR LF',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\r\n0\r\n\r\n',
    check: (ev) => assert.equal(body(ev), 'abc'),
  },
  {
    name: 'trailer obs-fold',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n',
    error: [8, 'obs-fold not allowed'],
  },
  {
    name: 'trailer invalid name',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX Y: a\r\n\r\n',
    error: [8, 'trailer name'],
  },
  {
    name: 'trailer section over maxHeaderBytes',
    input: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ${'a'.repeat(100)}\r\n\r\n`,
    limits: { maxHeaderBytes: 64 },
    error: [56, 'Too large response headers'],
  },
  {
    name: 'too many trailer fields',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n',
    limits: { maxHeaderCount: 2 },
    error: [100, 'Too many response headers, 2 is max'],
  },

  // --- EOF -----------------------------------------------------------------------------------
  { name: 'EOF before any byte', input: '', error: [52, 'Empty reply from server'] },
  {
    name: 'EOF inside the status line: nothing whole arrived',
    input: 'HTTP/1.1 20',
    error: [52, 'Empty reply from server'],
  },
  {
    name: 'EOF inside the fields',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n',
    error: [56, 'Connection closed in the middle of the response headers'],
  },
  {
    name: 'EOF after an interim response: an empty reply (libcurl deducts interim heads)',
    input: 'HTTP/1.1 100 Continue\r\n\r\n',
    error: [52, 'Empty reply from server'],
    check: (ev) => assert.equal(heads(ev).length, 1),
  },
  {
    name: 'EOF inside a Content-Length body',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcdefg',
    error: [18, 'end of response with 3 bytes missing'],
    check: (ev) => assert.equal(body(ev), 'abcdefg'),
  },
  {
    name: 'EOF inside chunk data',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
    error: [18, 'transfer closed with outstanding read data remaining'],
  },
  {
    name: 'EOF inside a chunk-size line',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n1',
    error: [18, 'transfer closed with outstanding read data remaining'],
  },
  {
    name: 'EOF between chunk data and its CRLF',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r',
    error: [18, 'transfer closed with outstanding read data remaining'],
  },
  {
    name: 'EOF before the last chunk',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n',
    error: [18, 'transfer closed with outstanding read data remaining'],
  },
  {
    name: 'EOF inside the trailers',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n',
    error: [18, 'transfer closed with outstanding read data remaining'],
  },
  {
    name: 'EOF ends a close-delimited body',
    input: 'HTTP/1.1 200 OK\r\n\r\nabc',
    check: (ev) =>
      assert.deepEqual(
        ev.map((e) => e.type),
        ['head', 'data', 'end'],
      ),
  },
  {
    name: 'EOF with no body on close framing',
    input: 'HTTP/1.1 500 Oops\r\n\r\n',
    check: (ev) =>
      assert.deepEqual(
        ev.map((e) => e.type),
        ['head', 'end'],
      ),
  },

  // --- several responses on one connection ---------------------------------------------------
  {
    name: 'pipelined length + chunked + close',
    input:
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n' +
      'HTTP/1.1 200 OK\r\n\r\nc',
    methods: ['GET', 'GET', 'GET'],
    check: (ev) => {
      assert.deepEqual(
        ev.map((e) => (e.type === 'data' ? e.data : e.type)).join(' '),
        'head a end head b end head c end',
      );
      assert.deepEqual(
        ends(ev).map((e) => e.keepAlive),
        [true, true, false],
      );
    },
  },
  {
    name: 'EOF before the second response on a kept-alive connection',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na',
    methods: ['GET', 'GET'],
    error: [52, 'Empty reply from server'],
  },
  {
    name: 'HEAD then GET on one connection',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
    methods: ['HEAD', 'GET'],
    check: (ev) => assert.equal(body(ev), 'abc'),
  },
];

describe('ResponseReader: table', () => {
  for (const c of CASES) test(c.name, () => runCase(c));
});

describe('ResponseReader: API', () => {
  test('CurlCode values used by the table are libcurl numbers', () => {
    assert.deepEqual(
      [Codes.WEIRD_SERVER_REPLY, Codes.PARTIAL_FILE, Codes.GOT_NOTHING, Codes.RECV_ERROR],
      [8, 18, 52, 56],
    );
  });

  test('body data events are views of the received chunk (no copy)', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    const chunk = bytes('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody');
    r.receiveData(chunk);
    const head = r.nextEvent();
    assert.ok(head !== NEED_DATA && head.type === 'head');
    const data = r.nextEvent();
    assert.ok(data !== NEED_DATA && data.type === 'data');
    assert.equal(data.data.buffer, chunk.buffer);
    assert.equal(data.data.byteOffset, chunk.length - 4);
    chunk[chunk.length - 1] = 0x21;
    assert.equal(data.data[3], 0x21);
  });

  test('rawLines: false keeps no raw lines, and changes nothing else (one chunk or line by line)', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A:  b \r\n\r\nhi';
    const heads = (rawLines: boolean, split: boolean) => {
      const r = new ResponseReader();
      r.startResponse({ method: 'GET', rawLines });
      if (split) for (const c of text) r.receiveData(bytes(c));
      else r.receiveData(bytes(text));
      const out: unknown[] = [];
      for (let e = r.nextEvent(); e !== NEED_DATA; e = r.nextEvent()) {
        if (e.type === 'head') out.push(e);
        if (e.type === 'end') break;
      }
      return out as Array<{ rawLines: string[]; headers: unknown; headerBytes: number; status: number }>;
    };
    for (const split of [false, true]) {
      const kept = heads(true, split);
      const none = heads(false, split);
      assert.deepEqual(
        kept.map((h) => h.rawLines),
        [
          ['HTTP/1.1 100 Continue\r\n', '\r\n'],
          ['HTTP/1.1 200 OK\r\n', 'Content-Length: 2\r\n', 'X-A:  b \r\n', '\r\n'],
        ],
      );
      assert.deepEqual(
        none.map((h) => h.rawLines),
        [[], []],
      );
      assert.deepEqual(
        none.map((h) => ({ ...h, rawLines: undefined })),
        kept.map((h) => ({ ...h, rawLines: undefined })),
      );
    }
  });

  test('a body chunk given whole comes back as the same object', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    r.receiveData(bytes('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'));
    assert.equal((r.nextEvent() as { type: string }).type, 'head');
    assert.equal(r.nextEvent(), NEED_DATA);
    const piece = bytes('abc');
    r.receiveData(piece);
    const ev = r.nextEvent();
    assert.ok(ev !== NEED_DATA && ev.type === 'data');
    assert.equal(ev.data, piece);
  });

  test('bytesReceived, bufferedBytes, sawAnyBytes', () => {
    const r = new ResponseReader();
    assert.deepEqual([r.bytesReceived, r.bufferedBytes, r.sawAnyBytes], [0, 0, false]);
    r.startResponse({ method: 'GET' });
    assert.equal(r.sawAnyBytes, false);
    assert.equal(r.nextEvent(), NEED_DATA);
    r.receiveData(bytes('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1'));
    r.receiveData(new Uint8Array(0));
    assert.deepEqual([r.bytesReceived, r.bufferedBytes, r.sawAnyBytes], [47, 47, true]);
    const types: string[] = [];
    for (let e = r.nextEvent(); e !== NEED_DATA; e = r.nextEvent()) types.push(e.type);
    assert.deepEqual(types, ['head', 'data', 'end']);
    // The idle connection holds unread input: the engine must not reuse it blindly.
    assert.deepEqual([r.bufferedBytes, r.sawAnyBytes], [8, true]);
    r.startResponse({ method: 'GET' });
    assert.equal(r.sawAnyBytes, true);
    r.receiveData(bytes(' 204 x\r\n\r\n'));
    assert.equal((r.nextEvent() as { status: number }).status, 204);
    assert.equal((r.nextEvent() as { type: string }).type, 'end');
    assert.deepEqual([r.bufferedBytes, r.sawAnyBytes], [0, false]);
    r.startResponse({ method: 'GET' });
    assert.equal(r.sawAnyBytes, false);
  });

  test('nextEvent before startResponse buffers and waits', () => {
    const r = new ResponseReader();
    r.receiveData(bytes('HTTP/1.1 204 x\r\n\r\n'));
    assert.equal(r.nextEvent(), NEED_DATA);
    r.startResponse({ method: 'GET' });
    assert.equal((r.nextEvent() as { status: number }).status, 204);
  });

  test('misuse: startResponse mid-response and receiveData after EOF throw plain Errors', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    assert.throws(
      () => r.startResponse({ method: 'GET' }),
      (e) => !(e instanceof ProtocolError),
    );
    r.receiveData(null);
    assert.throws(() => r.receiveData(bytes('x')), /after EOF/);
  });

  test('errors are sticky and startResponse after an error rethrows it', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    r.receiveData(bytes('nope\r\n'));
    let err: unknown;
    assert.throws(
      () => r.nextEvent(),
      (e) => {
        err = e;
        return e instanceof ProtocolError && e.code === 1 && e.name === 'ProtocolError';
      },
    );
    assert.throws(
      () => r.nextEvent(),
      (e) => e === err,
    );
    assert.throws(
      () => r.startResponse({ method: 'GET' }),
      (e) => e === err,
    );
    assert.equal(r.bufferedBytes, 0);
  });

  test('garbage is rejected at its first byte that cannot start HTTP/', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    r.receiveData(bytes('HT'));
    assert.equal(r.nextEvent(), NEED_DATA);
    r.receiveData(bytes('x'));
    assert.throws(() => r.nextEvent(), { code: 1, message: 'Received HTTP/0.9 when not allowed' });
  });

  test('a partial prefix then EOF is an empty reply', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    r.receiveData(bytes('HTT'));
    assert.equal(r.nextEvent(), NEED_DATA);
    r.receiveData(null);
    assert.throws(() => r.nextEvent(), { code: 52, message: 'Empty reply from server' });
  });

  test('a partial HTTP/1. prefix waits for more', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    r.receiveData(bytes('HTTP/'));
    assert.equal(r.nextEvent(), NEED_DATA);
    r.receiveData(bytes('1.1 200 OK\r\n\r\n'));
    assert.equal((r.nextEvent() as { status: number }).status, 200);
  });

  test('default limits are the documented ones', () => {
    assert.deepEqual(
      { ...H1_LIMITS },
      { maxHeaderBytes: 307200, maxHeaderLineBytes: 102400, maxHeaderCount: 5000, maxChunkLineBytes: 16384 },
    );
  });

  test('a large body arrives in as many data events as chunks, without copies', () => {
    const r = new ResponseReader();
    r.startResponse({ method: 'GET' });
    const total = 1 << 20;
    r.receiveData(bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`));
    assert.equal((r.nextEvent() as { type: string }).type, 'head');
    const piece = new Uint8Array(64 * 1024);
    let got = 0;
    let events = 0;
    let ended = 0;
    for (let i = 0; i < total / piece.length; i++) {
      r.receiveData(piece);
      for (let e = r.nextEvent(); e !== NEED_DATA; e = r.nextEvent()) {
        if (e.type === 'end') {
          ended++;
          break;
        }
        assert.equal(e.type, 'data');
        if (e.type === 'data') {
          assert.equal(e.data, piece);
          got += e.data.length;
          events++;
        }
      }
    }
    assert.deepEqual([got, events, ended], [total, 16, 1]);
  });
});
