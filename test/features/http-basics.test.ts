// failOnError (22, the connection closed, headers delivered but no body), httpVersion 1.0 (request
// line, keep-alive only when an HTTP/1.0 answer says so) and nobody (HEAD).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { keptEncodedHead } from '../../src/conn/http1/session.js';
import { CurlCode, HttpVersion, NodeDriver } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { type RawHttpServer, reply, startRawHttp } from './raw-http.js';
import { run } from './run.js';

let srv: TestServer;
let raw: RawHttpServer;
const seen: Array<{ method: string; version: string; url: string; body: string; expect?: string }> = [];

before(async () => {
  srv = await startHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        version: req.httpVersion,
        url: req.url ?? '',
        body,
        ...(req.headers.expect === undefined ? {} : { expect: req.headers.expect }),
      });
      const m = /^\/status\/(\d+)$/.exec(req.url ?? '');
      if (m !== null) {
        res.writeHead(Number(m[1]), { 'X-Test': 'yes' });
        res.end('error page');
        return;
      }
      if (req.url === '/to-404') {
        res.writeHead(302, { Location: '/status/404' });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 1000 });
      res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(1000, 'b'));
    });
  });
  // HTTP/1.0 answers: keep-alive only when the path asks for it.
  raw = await startRawHttp((r) => {
    const keep = r.path === '/keep';
    r.socket.write(
      `HTTP/1.0 200 OK\r\nContent-Length: 2\r\n${keep ? 'Connection: keep-alive\r\n' : ''}\r\nok`,
    );
    if (!keep) r.socket.end();
  });
});

after(async () => {
  await srv.close();
  await raw.close();
});

test("failOnError: 404 is 22 with curl's message; header lines delivered, no body written", async () => {
  const r = await run({ url: `${srv.url}/status/404`, failOnError: true });
  assert.equal(r.code, CurlCode.HTTP_RETURNED_ERROR);
  assert.equal(r.error, 'The requested URL returned error: 404');
  assert.equal(r.info.responseCode, 404);
  assert.equal(r.headers[0], 'HTTP/1.1 404 Not Found\r\n');
  assert.ok(r.headers.includes('X-Test: yes\r\n'));
  assert.equal(r.headers.at(-1), '\r\n');
  assert.equal(r.body.length, 0);
});

test('failOnError: 400 and 500 fail, 399 and 304 do not; without it a 404 is OK with its body', async () => {
  for (const [status, code] of [
    [400, CurlCode.HTTP_RETURNED_ERROR],
    [500, CurlCode.HTTP_RETURNED_ERROR],
    [399, CurlCode.OK],
    [304, CurlCode.OK],
  ] as const) {
    const r = await run({ url: `${srv.url}/status/${status}`, failOnError: true });
    assert.equal(r.code, code, `status ${status}`);
  }
  const plain = await run({ url: `${srv.url}/status/404` });
  assert.equal(plain.code, CurlCode.OK);
  assert.equal(plain.body.toString(), 'error page');
});

test('failOnError: a 401 without credentials fails too', async () => {
  const r = await run({ url: `${srv.url}/status/401`, failOnError: true });
  assert.equal(r.code, CurlCode.HTTP_RETURNED_ERROR);
});

test('failOnError applies to the end of a redirect chain', async () => {
  const r = await run({ url: `${srv.url}/to-404`, failOnError: true, followLocation: true });
  assert.equal(r.code, CurlCode.HTTP_RETURNED_ERROR);
  assert.equal(r.info.redirectCount, 1);
});

test('failOnError closes the connection (libcurl), a success keeps it', async () => {
  const d = new NodeDriver();
  try {
    const before = srv.connections;
    const ok1 = await run({ url: `${srv.url}/a` }, d);
    const ok2 = await run({ url: `${srv.url}/a` }, d);
    assert.equal(ok2.info.numConnects, 0, 'reused after a success');
    const failed = await run({ url: `${srv.url}/status/500`, failOnError: true }, d);
    assert.equal(failed.code, CurlCode.HTTP_RETURNED_ERROR);
    const after = await run({ url: `${srv.url}/a` }, d);
    assert.equal(ok1.code, CurlCode.OK);
    assert.equal(after.code, CurlCode.OK);
    assert.equal(after.info.numConnects, 1, 'a new connection after the failure');
    assert.equal(srv.connections - before, 2);
  } finally {
    d.close();
  }
});

test('httpVersion 1.0: the request line says HTTP/1.0, no Expect, a 1.1 server closes after it', async () => {
  seen.length = 0;
  const d = new NodeDriver();
  try {
    const r = await run(
      { url: `${srv.url}/v10`, httpVersion: HttpVersion.V1_0, postFields: 'x'.repeat(2e6) },
      d,
    );
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(seen[0]!.version, '1.0');
    assert.equal(seen[0]!.body.length, 2e6);
    assert.equal(seen[0]!.expect, undefined);
    // Node answers a 1.0 request without keep-alive with Connection: close.
    assert.ok(r.headers.some((h) => /^connection: close/i.test(h)));
    const again = await run({ url: `${srv.url}/v10`, httpVersion: HttpVersion.V1_0 }, d);
    assert.equal(again.info.numConnects, 1);
    // Asking for keep-alive: Node keeps it, and so do we (the answer is HTTP/1.1).
    const k1 = await run(
      { url: `${srv.url}/v10`, httpVersion: HttpVersion.V1_0, httpHeader: ['Connection: keep-alive'] },
      d,
    );
    const k2 = await run(
      { url: `${srv.url}/v10`, httpVersion: HttpVersion.V1_0, httpHeader: ['Connection: keep-alive'] },
      d,
    );
    assert.equal(k1.code, CurlCode.OK);
    assert.equal(k2.info.numConnects, 0);
  } finally {
    d.close();
  }
});

test('an HTTP/1.0 answer closes unless it says Connection: keep-alive', async () => {
  const d = new NodeDriver();
  try {
    const a = await run({ url: `${raw.url}/close` }, d);
    const b = await run({ url: `${raw.url}/close` }, d);
    assert.equal(a.code, CurlCode.OK, a.error);
    assert.equal(a.info.httpVersion, HttpVersion.V1_0);
    assert.equal(b.info.numConnects, 1);
    const c = await run({ url: `${raw.url}/keep` }, d);
    const e = await run({ url: `${raw.url}/keep` }, d);
    assert.equal(c.body.toString(), 'ok');
    assert.equal(c.info.numConnects, 1);
    assert.equal(e.info.numConnects, 0);
  } finally {
    d.close();
  }
});

test('nobody: a HEAD, the announced size as contentLengthDownload, no body, connection kept', async () => {
  seen.length = 0;
  const d = new NodeDriver();
  try {
    const r = await run({ url: `${srv.url}/file`, nobody: true }, d);
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(seen[0]!.method, 'HEAD');
    assert.equal(r.info.effectiveMethod, 'HEAD');
    assert.equal(r.info.contentLengthDownload, 1000);
    assert.equal(r.info.sizeDownload, 0);
    assert.equal(r.body.length, 0);
    assert.ok(r.headers.includes('Content-Length: 1000\r\n'));
    const next = await run({ url: `${srv.url}/file` }, d);
    assert.equal(next.body.length, 1000);
    assert.equal(next.info.numConnects, 0);
  } finally {
    d.close();
  }
});

test('nobody wins over postFields: HEAD without a body', async () => {
  seen.length = 0;
  const r = await run({ url: `${srv.url}/file`, nobody: true, postFields: 'abc' });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(seen[0]!.method, 'HEAD');
  assert.equal(seen[0]!.body, '');
});

test('each request of a Multi sends its own head: host, agent, method, target and version in turn', async () => {
  const server = await startRawHttp((r) => reply(r.socket, '200 OK', { 'Content-Length': '2' }, 'ok'));
  const d = new NodeDriver();
  try {
    const { port } = new URL(server.url);
    const resolve = [`a.test:${port}:127.0.0.1`, `b.test:${port}:127.0.0.1`];
    const calls = [
      { host: 'a.test', userAgent: 'one/1', path: '/' },
      { host: 'b.test', userAgent: 'two/2', path: '/' },
      { host: 'a.test', userAgent: 'one/1', path: '/' },
      { host: 'a.test', userAgent: 'two/2', path: '/' },
      { host: 'b.test', userAgent: 'one/1', path: '/' },
      { host: 'b.test', userAgent: 'one/1', path: '/other' },
      { host: 'b.test', userAgent: 'one/1', path: '/other', nobody: true },
      { host: 'b.test', userAgent: 'one/1', path: '/other', http10: true },
      { host: 'b.test', userAgent: 'one/1', path: '/other' },
    ];
    for (const c of calls) {
      const r = await run(
        {
          url: `http://${c.host}:${port}${c.path}`,
          resolve,
          userAgent: c.userAgent,
          ...(c.nobody === true ? { nobody: true } : {}),
          ...(c.http10 === true ? { httpVersion: HttpVersion.V1_0 } : {}),
        },
        d,
      );
      assert.equal(r.code, CurlCode.OK, r.error);
    }
    assert.deepEqual(
      server.requests.map((r) => [
        r.head.slice(0, r.head.indexOf('\r\n')),
        r.header('Host'),
        r.header('User-Agent'),
        r.header('Accept'),
      ]),
      calls.map((c) => [
        `${c.nobody === true ? 'HEAD' : 'GET'} ${c.path} HTTP/1.${c.http10 === true ? 0 : 1}`,
        `${c.host}:${port}`,
        c.userAgent,
        '*/*',
      ]),
    );
  } finally {
    d.close();
    await server.close();
  }
});

test('a request head with credentials, a cookie or a header of its own is not kept after its request', async () => {
  const server = await startRawHttp((r) => reply(r.socket, '200 OK', { 'Content-Length': '2' }, 'ok'));
  const d = new NodeDriver();
  const text = (b: Uint8Array | undefined) =>
    b === undefined ? undefined : Buffer.from(b).toString('latin1');
  try {
    const url = `${server.url}/plain`;
    const plain = await run({ url, userAgent: 'kept/1' }, d);
    assert.equal(plain.code, CurlCode.OK, plain.error);
    // A head of shared fields only is kept for the next request (the memo works at all).
    assert.match(text(keptEncodedHead()) ?? '', /^GET \/plain HTTP\/1.1\r\n/);
    for (const own of [
      { userPwd: 'user:secret' },
      { cookie: 'session=secret' },
      { httpHeader: ['X-Token: secret'] },
    ]) {
      const r = await run({ url, userAgent: 'kept/1', ...own }, d);
      assert.equal(r.code, CurlCode.OK, r.error);
      assert.equal(keptEncodedHead(), undefined, JSON.stringify(own));
    }
    // The next plain request is sent (and kept) as before.
    const again = await run({ url, userAgent: 'kept/1' }, d);
    assert.equal(again.code, CurlCode.OK, again.error);
    assert.match(text(keptEncodedHead()) ?? '', /User-Agent: kept\/1\r\n/);
    assert.equal(server.requests.length, 5);
  } finally {
    d.close();
    await server.close();
  }
});
