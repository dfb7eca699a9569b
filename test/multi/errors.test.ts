// Bad input ends one transfer with a precise code and a message naming host, phase and cause;
// every other transfer carries on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, EasyError } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import {
  closedPort,
  onRequestHead,
  type RawServer,
  startHttpServer,
  startRawServer,
  type TestServer,
} from '../helpers/http-server.js';
import { offlineTransport } from '../helpers/offline-dns.js';

let good: TestServer;
let raw: RawServer;
const rawReplies: Record<string, string | ((s: import('node:net').Socket) => void)> = {
  '/garbage': 'SSH-2.0-OpenSSH\r\n\r\n',
  '/nothing': '',
  '/partial': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this',
  '/badchunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n',
  '/conflict': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
  '/reset': (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc');
    setTimeout(() => s.resetAndDestroy(), 20);
  },
  // The reset right behind the bytes: the client reads both in one poll (as on a loaded machine).
  '/reset-behind': (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc');
    s.resetAndDestroy();
  },
};
before(async () => {
  good = await startHttpServer((_req, res) => res.end('fine'));
  raw = await startRawServer((socket) => {
    onRequestHead(
      socket,
      (path) => {
        const reply = rawReplies[path];
        if (typeof reply === 'function') reply(socket);
        else socket.end(reply ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      },
      { once: true },
    );
  });
});
after(async () => {
  await good.close();
  await raw.close();
});

// Lookups are answered in-process: unknown names fail without a DNS query leaving the machine.
const transport = offlineTransport({ 'api.test': ['127.0.0.1'] });

async function runOne(
  url: string,
  extra = {},
): Promise<{ code: number; message: string; okBeside: boolean }> {
  const loop = new AppLoop({ transport });
  const bad = new Easy({ url, ...extra });
  let body = '';
  const beside = new Easy({ url: `${good.url}/`, writeFunction: (c) => void (body += c.toString()) });
  loop.multi.addHandle(bad);
  loop.multi.addHandle(beside);
  await loop.untilIdle();
  const mine = loop.done.find((d) => d.easy === bad);
  const other = loop.done.find((d) => d.easy === beside);
  loop.close();
  return {
    code: mine!.result,
    message: bad.errorBuffer,
    okBeside: other?.result === CurlCode.OK && body === 'fine',
  };
}

const cases: Array<[string, () => string, number, RegExp]> = [
  [
    'garbage instead of a status line',
    () => `${raw.url}/garbage`,
    CurlCode.UNSUPPORTED_PROTOCOL,
    /Received HTTP\/0\.9 when not allowed/,
  ],
  ['closed before any byte', () => `${raw.url}/nothing`, CurlCode.GOT_NOTHING, /Empty reply from server/],
  [
    'body cut short',
    () => `${raw.url}/partial`,
    CurlCode.PARTIAL_FILE,
    /end of response with 91 bytes missing/,
  ],
  [
    'bad chunk size',
    () => `${raw.url}/badchunk`,
    CurlCode.RECV_ERROR,
    /chunk hex-length char not a hex digit: 0x7a/,
  ],
  ['conflicting Content-Length', () => `${raw.url}/conflict`, CurlCode.WEIRD_SERVER_REPLY, /Content-Length/],
  [
    'reset mid-body',
    () => `${raw.url}/reset`,
    CurlCode.RECV_ERROR,
    /127\.0\.0\.1 port \d+: Connection reset by peer/,
  ],
  [
    'reset right behind the bytes read before it',
    () => `${raw.url}/reset-behind`,
    CurlCode.RECV_ERROR,
    /127\.0\.0\.1 port \d+: Connection reset by peer/,
  ],
  [
    'a scheme the engine does not speak',
    () => 'ftp://127.0.0.1/',
    CurlCode.UNSUPPORTED_PROTOCOL,
    /^Protocol "ftp" is disabled$/,
  ],
  [
    'a scheme libcurl does not know',
    () => 'foo://127.0.0.1/',
    CurlCode.UNSUPPORTED_PROTOCOL,
    /^Protocol "foo" not supported$/,
  ],
  [
    'four slashes',
    () => 'http:////127.0.0.1/',
    CurlCode.URL_MALFORMAT,
    /^URL rejected: Unsupported number of slashes following scheme$/,
  ],
  ['no host', () => 'http://', CurlCode.URL_MALFORMAT, /URL/],
];

for (const [name, url, code, message] of cases) {
  test(`${name}: ${code}`, async () => {
    const r = await runOne(url());
    assert.equal(r.code, code, r.message);
    assert.match(r.message, message);
    assert.ok(r.okBeside, 'the transfer beside it succeeded');
  });
}

test('connection refused: 7, naming host and port', async () => {
  const port = await closedPort();
  const r = await runOne(`http://127.0.0.1:${port}/`);
  assert.equal(r.code, CurlCode.COULDNT_CONNECT);
  assert.match(
    r.message,
    new RegExp(
      `Failed to connect to 127\\.0\\.0\\.1 port ${port} after \\d+ ms: Could not connect to server`,
    ),
  );
  assert.ok(r.okBeside);
});

test('unknown host: 6', async () => {
  const r = await runOne('http://no-such-host.test/');
  assert.equal(r.code, CurlCode.COULDNT_RESOLVE_HOST);
  assert.match(r.message, /Could not resolve host: no-such-host\.test/);
  assert.ok(r.okBeside);
});

test('a name the resolver knows goes through the lookup step (a watched lookup socket)', async () => {
  const r = await runOne(`http://api.test:${good.port}/`);
  assert.equal(r.code, CurlCode.OK, r.message);
});

test('a throwing write callback: 23 with the cause; the other transfer carries on', async () => {
  const boom = new Error('disk full');
  const r = await runOne(`${good.url}/`, {
    writeFunction: () => {
      throw boom;
    },
  });
  assert.equal(r.code, CurlCode.WRITE_ERROR);
  assert.match(r.message, /writeFunction threw: Error: disk full/);
  assert.ok(r.okBeside);
});

test('a write callback taking fewer bytes: 23', async () => {
  const r = await runOne(`${good.url}/`, { writeFunction: () => 1 });
  assert.equal(r.code, CurlCode.WRITE_ERROR);
  assert.match(r.message, /passed 4 returned 1/);
});

test('failOnError: 22 for a 404', async () => {
  const r = await runOne(`${raw.url}/missing`, { failOnError: true });
  assert.equal(r.code, CurlCode.HTTP_RETURNED_ERROR);
  assert.match(r.message, /returned error: 404/);
});

test('bad options are refused at the call', () => {
  assert.throws(
    () => new Easy({ nope: 1 } as never),
    (e: unknown) => e instanceof EasyError && e.code === CurlCode.UNKNOWN_OPTION,
  );
  assert.throws(
    () => new Easy({ timeoutMs: 'soon' } as never),
    (e: unknown) => e instanceof EasyError && e.code === CurlCode.BAD_FUNCTION_ARGUMENT,
  );
  assert.throws(
    () => new Easy({ url: 'http://x/' }).setOptions({ port: 70000 }),
    (e: unknown) => e instanceof EasyError && e.code === CurlCode.BAD_FUNCTION_ARGUMENT,
  );
});
