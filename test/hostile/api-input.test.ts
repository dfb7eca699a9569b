// Bad input to the promise API: every case rejects with a TscurlError carrying a CurlCode at the
// call (phase 'setup'), never a bare TypeError from inside; CR/LF anywhere in a header is refused
// before any connection. Byte bodies are sent from the caller's memory, not copied.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { Client, Easy, TscurlError } from '../../src/index.js';

const srv = createServer((q, s) => {
  let n = 0;
  q.on('data', (d: Buffer) => {
    n += d.length;
  });
  q.on('end', () => s.end(String(n)));
});
let connections = 0;
srv.on('connection', () => connections++);
await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/`;

type Call = (c: Client) => Promise<unknown>;
const bad = <T>(v: unknown) => v as T;
const cases: [string, number, Call][] = [
  ['request: method a number', 43, (c) => c.request(url, { method: bad(42) })],
  ['request: method a symbol', 43, (c) => c.request(url, { method: bad(Symbol('x')) })],
  ['fetch: method a symbol', 43, (c) => c.fetch(url, { method: bad(Symbol('x')) })],
  ['request: headers a number', 43, (c) => c.request(url, { headers: bad(42) })],
  ['request: a header pair of one', 43, (c) => c.request(url, { headers: bad([['a']]) })],
  ['fetch: headers a number', 43, (c) => c.fetch(url, { headers: bad(42) })],
  ['request: CR/LF in a header value', 43, (c) => c.request(url, { headers: { 'x-a': 'a\r\nx-b: 1' } })],
  ['fetch: LF in a header value', 43, (c) => c.fetch(url, { headers: { 'x-a': 'a\nx-b: 1' } })],
  ['request: CR/LF in a header name', 43, (c) => c.request(url, { headers: { 'x\r\na': 'b' } })],
  ['request: CR/LF in userAgent', 43, (c) => c.request(url, { userAgent: 'a\r\nx-b: 1' })],
  ['request: CR/LF in referer', 43, (c) => c.request(url, { referer: 'a\nx-b: 1' })],
  ['request: CR/LF in cookie', 43, (c) => c.request(url, { cookie: 'a=b\r\nx-b: 1' })],
  ['fetch: CR/LF in options.userAgent', 43, (c) => c.fetch(url, { options: { userAgent: 'a\r\nx: 1' } })],
  ['request: CR/LF in xoauth2Bearer', 43, (c) => c.request(url, { xoauth2Bearer: 't\r\nx-b: 1' })],
  ['request: LF in acceptEncoding', 43, (c) => c.request(url, { acceptEncoding: 'gzip\nx-b: 1' })],
  ['request: CR in range', 43, (c) => c.request(url, { range: '0-1\rx-b: 1' })],
  [
    'request: CR/LF in a proxyHeader line',
    43,
    (c) => c.request(url, { proxyHeader: ['a: b', 'c: d\r\ne: f'] }),
  ],
  ['fetch: CR/LF in options.cookie', 43, (c) => c.fetch(url, { options: { cookie: 'a=b\r\nx: 1' } })],
  [
    'request: xferInfoFunction not a function',
    43,
    (c) => c.request(url, { xferInfoFunction: bad('x'), noProgress: false }),
  ],
  ['request: debugFunction not a function', 43, (c) => c.request(url, { debugFunction: bad(42) })],
  ['request: malformed resolve entry', 49, (c) => c.request(url, { resolve: ['garbage'] })],
  ['request: resolve entry with a bad port', 49, (c) => c.request(url, { resolve: ['h:abc:127.0.0.1'] })],
  [
    'request: resolve entry with a host name for address',
    49,
    (c) => c.request(url, { resolve: ['h:80:example.com'] }),
  ],
  ['fetch: malformed resolve entry', 49, (c) => c.fetch(url, { options: { resolve: ['h'] } })],
  ['request: signal not an AbortSignal', 43, (c) => c.request(url, { signal: bad({}) })],
  ['fetch: signal not an AbortSignal', 43, (c) => c.fetch(url, { signal: bad({ aborted: false }) })],
  ['request: highWaterMark a string', 43, (c) => c.request(url, { highWaterMark: bad('x') })],
];

for (const [name, code, call] of cases) {
  test(`${name}: TscurlError ${code} at the call, phase setup, nothing connected`, async () => {
    const client = new Client();
    const before = connections;
    try {
      await assert.rejects(call(client), (e: unknown) => {
        assert.ok(e instanceof TscurlError, `got ${String(e)}`);
        assert.equal(e.name, 'TscurlError');
        assert.equal(e.curlCode, code, e.message);
        assert.equal(e.phase, 'setup', e.message);
        return true;
      });
      assert.equal(connections, before, 'no connection was opened');
    } finally {
      await client.close();
    }
  });
}

test('maxDecodedSize given as undefined: no limit, and not passed on as an Easy option', async () => {
  const client = new Client();
  try {
    const r = await client.request(url, { maxDecodedSize: bad<number>(undefined) });
    assert.equal(r.statusCode, 200);
    await r.body.dump();
  } finally {
    await client.close();
  }
});

test('a client default header with LF fails each call the same way', async () => {
  const client = new Client({ defaults: { headers: { x: 'a\nb' } } });
  await assert.rejects(client.request(url), { name: 'TscurlError', curlCode: 43, phase: 'setup' });
  await client.close();
});

test('a malformed resolve entry is refused by the Easy too (49)', () => {
  assert.throws(() => new Easy({ resolve: ['x:1'] }), { name: 'EasyError', code: 49 });
  assert.doesNotThrow(() => new Easy({ resolve: ['-x:1', '+h:80:127.0.0.1,[::1]', '*:0:10.0.0.1'] }));
});

/**
 * A server in a child process that answers each request with the number of body bytes it got. The
 * 100 MiB it receives must not count in this process's arrayBuffers: received chunks are garbage
 * that Node 26 collects later than Node 20, and they would pass for a copy made by the client.
 */
async function countingServerProcess(): Promise<{ url: string; stop: () => void }> {
  const script = `
    const srv = require('node:http').createServer((q, s) => {
      let n = 0;
      q.on('data', (d) => { n += d.length; });
      q.on('end', () => s.end(String(n)));
    });
    srv.listen(0, '127.0.0.1', () => process.stdout.write(srv.address().port + '\\n'));
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { url: `http://127.0.0.1:${line.toString().trim()}/`, stop: () => child.stdin.end() };
}

test('a 100 MiB Buffer body is sent without copying it (arrayBuffers does not double)', async () => {
  const server = await countingServerProcess();
  const client = new Client();
  const body = Buffer.alloc(100 * 1024 * 1024, 1);
  globalThis.gc?.();
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 5);
  try {
    const r = await client.request(server.url, { method: 'PUT', body });
    assert.equal(await r.body.text(), String(body.length));
    const r2 = await client.fetch(server.url, {
      method: 'POST',
      body: new Uint8Array(body.buffer, body.byteOffset, body.length),
    });
    assert.equal(await r2.text(), String(body.length));
  } finally {
    clearInterval(sampler);
    await client.close();
    server.stop();
  }
  const grown = (peak - base) / 1048576;
  // Only this process's memory is counted, so a copy of the body (or of 10 MiB of it) shows.
  assert.ok(grown < 10, `arrayBuffers grew ${grown.toFixed(0)} MiB while sending a 100 MiB body`);
});

test('after', () => {
  srv.close();
});
