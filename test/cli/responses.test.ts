// Malformed and unusual responses end to end: a raw server sends exact bytes, tscurl must end with
// curl 8's exit code, output and message. Where the installed curl (7.88) already behaves like
// curl 8 (`same`), the command also runs through /usr/bin/curl and exit code and stdout must match.
// The others are pinned to curl 8's documented behaviour (lib/http.c, lib/http_chunks.c).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type RawHttpServer, startRawHttp } from '../features/raw-http.js';
import { curl, haveCurl, tscurl } from './helpers.js';

interface Case {
  name: string;
  /** The response bytes (latin1), sent after the request head; the connection then closes. */
  reply: string | Buffer;
  args?: string[];
  code: number;
  stdout?: string;
  /** A substring of tscurl's stderr (curl 8's message). */
  message?: string;
  /** curl 7.88 gives the same exit code and stdout. */
  same?: boolean;
}

const ok = (head: string, body = 'hi') =>
  `HTTP/1.1 200 OK\r\n${head}Content-Length: ${body.length}\r\n\r\n${body}`;
const chunked = (chunks: string) => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`;
const gzip = (text: string) => gzipSync(text).toString('latin1');

const cases: Case[] = [
  // Status lines.
  {
    name: 'not HTTP: 0.9 refused',
    reply: 'garbage\r\n\r\n',
    code: 1,
    message: 'Received HTTP/0.9 when not allowed',
    same: true,
  },
  { name: 'leading empty line', reply: `\r\n${ok('')}`, code: 1, message: 'HTTP/0.9', same: true },
  {
    name: 'HTTP/1.2',
    reply: 'HTTP/1.2 200 OK\r\n\r\n',
    code: 1,
    message: 'Unsupported HTTP/1 subversion in response',
    same: true,
  },
  {
    name: 'HTTP/1.10',
    reply: 'HTTP/1.10 200 OK\r\n\r\n',
    code: 1,
    message: 'Unsupported HTTP/1 subversion',
    same: true,
  },
  {
    name: 'huge version number',
    reply: 'HTTP/99999999999999999999.1 200\r\n\r\n',
    code: 1,
    message: 'Unsupported HTTP version in response',
    same: true,
  },
  {
    name: 'HTTP/4',
    reply: 'HTTP/4 200 OK\r\n\r\n',
    code: 1,
    message: 'Unsupported HTTP version in response',
    same: true,
  },
  {
    name: 'HTTP/2 line on a new connection',
    reply: 'HTTP/2 200\r\nContent-Length: 2\r\n\r\nhi',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'two-digit code',
    reply: 'HTTP/1.1 20 OK\r\n\r\n',
    code: 1,
    message: 'Unsupported HTTP/1 subversion',
    same: true,
  },
  {
    name: 'four-digit code',
    reply: 'HTTP/1.1 2000 OK\r\n\r\n',
    code: 1,
    message: 'Unsupported HTTP/1 subversion',
    same: true,
  },
  {
    name: 'code glued to reason',
    reply: 'HTTP/1.1 200OK\r\n\r\n',
    code: 1,
    message: 'Unsupported HTTP/1 subversion',
  },
  {
    name: 'code below 100',
    reply: 'HTTP/1.1 099 x\r\n\r\n',
    code: 1,
    message: 'Unsupported response code in HTTP response',
    same: true,
  },
  {
    name: 'code 999',
    reply: 'HTTP/1.1 999 x\r\nContent-Length: 2\r\n\r\nhi',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'tabs around the code',
    reply: 'HTTP/1.1\t200\tOK\r\nContent-Length: 2\r\n\r\nhi',
    code: 0,
    stdout: 'hi',
  },
  {
    name: 'lower-case http/: 200 alias',
    reply: 'http/1.1 404 x\r\nContent-Length: 2\r\n\r\nhi',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'NUL in the status line',
    reply: 'HTTP/1.1 200 O\x00K\r\n\r\n',
    code: 8,
    message: 'Nul byte in header',
    same: true,
  },
  // Header lines.
  { name: 'first header line with leading blanks', reply: ok(' X-A: b\r\n'), code: 0, stdout: 'hi' },
  {
    name: 'first header line with blanks, no colon',
    reply: ok(' X-A b\r\n'),
    code: 8,
    message: 'Header without colon',
    same: true,
  },
  { name: 'folded header', reply: ok('X-A: b\r\n c\r\n'), code: 0, stdout: 'hi', same: true },
  {
    name: 'header without colon',
    reply: ok('NoColon\r\n'),
    code: 8,
    message: 'Header without colon',
    same: true,
  },
  { name: 'odd names accepted', reply: ok('Bad Name: x\r\n: y\r\n'), code: 0, stdout: 'hi', same: true },
  { name: 'NUL in a value', reply: ok('X: a\x00b\r\n'), code: 8, message: 'Nul byte in header', same: true },
  {
    name: 'stray CR in a value',
    reply: ok('X: a\rb\r\n'),
    code: 8,
    message: 'Carriage return found in header',
  },
  {
    name: 'LF-only line ends',
    reply: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nhi',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'a header line of 102400 bytes',
    reply: ok(`X: ${'a'.repeat(102_395)}\r\n`),
    code: 100,
    message: 'A value or data field grew larger than allowed',
  },
  {
    name: 'heads over 300 KiB',
    reply: ok(`X: ${'a'.repeat(95)}\r\n`.repeat(3100)),
    code: 56,
    message: 'Too large response headers: ',
  },
  {
    name: '5001 header fields',
    reply: ok('A: 1\r\n'.repeat(5001)),
    code: 100,
    message: 'Too many response headers, 5000 is max',
  },
  {
    name: 'two different Location fields: the first one counts',
    reply:
      'HTTP/1.1 302 Found\r\nLocation: http://a.test/x\r\nLocation: http://b.test/y\r\nContent-Length: 0\r\n\r\n',
    args: ['-w', '%{redirect_url}'],
    code: 0,
    stdout: 'http://a.test/x',
    same: true,
  },
  {
    name: 'two equal Location fields',
    reply:
      'HTTP/1.1 302 Found\r\nLocation: http://a.test/x\r\nLocation: http://a.test/x\r\nContent-Length: 0\r\n\r\n',
    args: ['-w', '%{redirect_url}'],
    code: 0,
    stdout: 'http://a.test/x',
    same: true,
  },
  // Content-Length.
  {
    name: 'CL negative',
    reply: ok('Content-Length: -1\r\n'),
    code: 8,
    message: 'Invalid Content-Length: value',
    same: true,
  },
  {
    name: 'CL with trailing letters',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 2abc\r\n\r\nhi',
    code: 8,
    message: 'Invalid Content-Length: value',
  },
  {
    name: 'CL with trailing spaces',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 2  \r\n\r\nhi',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'CL list of equal values',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nhi',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'CL list of different values',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nhi',
    code: 8,
    message: 'Invalid Content-Length: value',
  },
  { name: 'two equal CL fields', reply: ok('Content-Length: 2\r\n'), code: 0, stdout: 'hi', same: true },
  {
    name: 'two different CL fields',
    reply: ok('Content-Length: 1\r\n'),
    code: 8,
    message: 'Invalid Content-Length: value',
  },
  {
    name: 'CL out of range: read until close',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhi',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'CL out of range with --max-filesize',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhi',
    args: ['--max-filesize', '10'],
    code: 63,
    message: 'Maximum file size exceeded',
    same: true,
  },
  {
    name: 'CL over --max-filesize',
    reply: ok('', 'x'.repeat(20)),
    args: ['--max-filesize', '10'],
    code: 63,
    same: true,
  },
  {
    name: '--max-filesize against a chunked body: the allowed bytes, then 63',
    reply: chunked('5\r\nhello\r\n0\r\n\r\n'),
    args: ['--max-filesize', '3'],
    code: 63,
    stdout: 'hel',
    message: 'Exceeded the maximum allowed file size (3) with 3 bytes',
  },
  {
    name: '--ignore-content-length',
    reply: ok('', 'hello').replace('Content-Length: 5', 'Content-Length: 2'),
    args: ['--ignore-content-length'],
    code: 0,
    stdout: 'hello',
    same: true,
  },
  {
    name: 'body cut short of its Content-Length',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi',
    code: 18,
    stdout: 'hi',
    message: 'end of response with 3 bytes missing',
    same: true,
  },
  // Transfer-Encoding and chunks.
  {
    name: 'TE gzip, chunked',
    reply: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    code: 61,
    message: 'Unsolicited Transfer-Encoding (gzip) found',
    same: true,
  },
  {
    name: 'TE chunked, gzip',
    reply: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    code: 61,
    message: 'A Transfer-Encoding (gzip) was listed after chunked',
    same: true,
  },
  {
    name: 'TE unknown',
    reply: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\nhi',
    code: 61,
    message: 'Unsolicited Transfer-Encoding (foo) found',
    same: true,
  },
  {
    name: 'TE chunked twice',
    reply: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'TE identity, chunked',
    reply: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'chunk size not hex',
    reply: chunked('zz\r\nhi\r\n0\r\n\r\n'),
    code: 56,
    message: 'chunk hex-length char not a hex digit: 0x7a',
    same: true,
  },
  {
    name: 'chunk size then junk',
    reply: chunked('2zz\r\nhi\r\n0\r\n\r\n'),
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'chunk size of 17 digits',
    reply: chunked('00000000000000002\r\nhi\r\n0\r\n\r\n'),
    code: 56,
    message: 'chunk hex-length longer than 16',
    same: true,
  },
  {
    name: 'chunk size overflow',
    reply: chunked('8000000000000000\r\nhi\r\n'),
    code: 56,
    message: "invalid chunk size: '8000000000000000'",
    same: true,
  },
  {
    name: 'chunk data without CRLF',
    reply: chunked('2\r\nhiX\r\n0\r\n\r\n'),
    code: 56,
    stdout: 'hi',
    message: 'Malformed encoding found in chunked-encoding',
    same: true,
  },
  {
    name: 'chunked body cut short',
    reply: chunked('5\r\nhel'),
    code: 18,
    stdout: 'hel',
    message: 'transfer closed with outstanding read data remaining',
    same: true,
  },
  // Bodies where there should be none, codings, interim responses.
  {
    name: 'HEAD answered with a body',
    reply: ok(''),
    args: ['-I'],
    code: 0,
    stdout: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n',
    same: true,
  },
  {
    name: '204 with a body',
    reply: 'HTTP/1.1 204 No\r\nContent-Length: 2\r\n\r\nhi',
    code: 0,
    stdout: '',
    same: true,
  },
  {
    name: 'Content-Encoding: none',
    reply: ok('Content-Encoding: none\r\n'),
    args: ['--compressed'],
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: 'two gzip members: the first is written, then 23',
    reply: ok('Content-Encoding: gzip\r\n', gzip('first,') + gzip('second')),
    args: ['--compressed'],
    code: 23,
    stdout: 'first,',
    message: 'Failed writing received data to disk/application',
    same: true,
  },
  {
    name: 'a gzip member, then zero bytes',
    reply: ok('Content-Encoding: gzip\r\n', `${gzip('first,')}\0\0`),
    args: ['--compressed'],
    code: 23,
    stdout: 'first,',
    same: true,
  },
  {
    name: 'unknown Content-Encoding with --compressed',
    reply: ok('Content-Encoding: foo\r\n'),
    args: ['--compressed'],
    code: 61,
    message: 'Unrecognized content encoding type',
    same: true,
  },
  {
    name: '103 then 200',
    reply: `HTTP/1.1 103 Early\r\nLink: </a>\r\n\r\n${ok('')}`,
    code: 0,
    stdout: 'hi',
    same: true,
  },
  {
    name: '102 then 200 with -i',
    reply: `HTTP/1.1 102 Processing\r\n\r\n${ok('')}`,
    args: ['-i'],
    code: 0,
    stdout: `HTTP/1.1 102 Processing\r\n\r\n${ok('')}`,
    same: true,
  },
  {
    name: '100 and then nothing',
    reply: 'HTTP/1.1 100 Continue\r\n\r\n',
    code: 52,
    message: 'Empty reply from server',
    same: true,
  },
  {
    name: 'cut inside the header fields (curl 7.88: 0 or 18)',
    reply: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n',
    code: 56,
    message: 'Connection closed in the middle of the response headers',
  },
  {
    name: 'cut inside the status line',
    reply: 'HTTP/1.1 200 O',
    code: 52,
    message: 'Empty reply from server',
    same: true,
  },
];

let server: RawHttpServer;
const replies = new Map<string, string | Buffer>();
before(async () => {
  server = await startRawHttp((r) => {
    const reply = replies.get(r.path) ?? 'HTTP/1.1 500 no case\r\n\r\n';
    r.socket.end(typeof reply === 'string' ? Buffer.from(reply, 'latin1') : reply);
  });
});
after(() => server.close());

describe('responses judged as curl 8 judges them', { concurrency: 4 }, () => {
  for (const [i, c] of cases.entries()) {
    test(c.name, async () => {
      const path = `/r${i}`;
      replies.set(path, c.reply);
      const args = [...(c.args ?? []), '-sS', `${server.url}${path}`];
      const b = await tscurl(args);
      const ctx = `\ntscurl stderr: ${b.stderr}`;
      assert.equal(b.code, c.code, `exit code${ctx}`);
      if (c.stdout !== undefined) assert.equal(b.stdout.toString('latin1'), c.stdout, `stdout${ctx}`);
      if (c.message !== undefined) assert.ok(b.stderr.includes(c.message), `message${ctx}`);
      if (c.same) {
        assert.ok(haveCurl, '/usr/bin/curl is installed here and in CI');
        const a = await curl(args);
        assert.equal(b.code, a.code, `exit code vs curl\ncurl stderr: ${a.stderr}${ctx}`);
        assert.equal(b.stdout.toString('latin1'), a.stdout.toString('latin1'), 'stdout vs curl');
      }
    });
  }
});
