// request() / fetch() with the Easy options underneath: each one checked for its effect as seen by
// the server or the caller, and the error it gives (code, curlCode, host and phase in the message).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, HttpVersion, TscurlError } from '../../src/index.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { type Echo, routes } from './routes.js';

const BIG = 256 * 1024;
let server: TestServer;
let client: Client;
let A = '';

before(async () => {
  const common = routes(() => A);
  server = await startHttpServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/version') res.end(req.httpVersion);
    else if (p === '/big') {
      res.writeHead(200, { 'content-length': String(BIG) });
      res.end(Buffer.alloc(BIG, 0x62));
    } else common(req, res);
  });
  A = server.url;
  client = new Client();
});
after(async () => {
  await client.close();
  await server.close();
});

async function rejection(p: Promise<unknown>): Promise<TscurlError> {
  const e = await p.then(
    () => assert.fail('resolved'),
    (x: unknown) => x,
  );
  assert.ok(e instanceof TscurlError, `not a TscurlError: ${String(e)}`);
  return e;
}

describe('Easy options through request() and fetch()', () => {
  test('httpVersion: HTTP/1.0 on the wire', async () => {
    const r = await client.request(`${A}/version`, { httpVersion: HttpVersion.V1_0 });
    assert.equal(await r.body.text(), '1.0');
    const res = await client.fetch(`${A}/version`, { options: { httpVersion: HttpVersion.V1_0 } });
    assert.equal(await res.text(), '1.0');
    assert.equal(await (await client.request(`${A}/version`)).body.text(), '1.1');
  });

  test("acceptEncoding: '' asks for every coding and decodes; request() leaves the body alone without it", async () => {
    const decoded = await client.request(`${A}/gzip`, { acceptEncoding: '' });
    assert.equal(decoded.headers['content-encoding'], 'gzip');
    assert.equal(await decoded.body.text(), 'compressed '.repeat(100));
    const plain = await client.request(`${A}/gzip`);
    assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding sent');
    await plain.body.dump();
  });

  test('maxRecvSpeed limits the download rate', async () => {
    const started = performance.now();
    const r = await client.request(`${A}/big`, { maxRecvSpeed: 1024 * 1024 });
    assert.equal((await r.body.bytes()).length, BIG);
    const ms = performance.now() - started;
    // 256 KiB at 1 MiB/s: about 250 ms (without the limit: a few ms).
    assert.ok(ms > 150, `took ${ms.toFixed(0)} ms`);
  });

  test('maxSendSpeed limits the upload rate', async () => {
    const started = performance.now();
    const r = await client.request(`${A}/echo`, {
      method: 'POST',
      body: new Uint8Array(BIG),
      maxSendSpeed: 1024 * 1024,
    });
    assert.equal(((await r.body.json()) as Echo).body.length, BIG);
    const ms = performance.now() - started;
    assert.ok(ms > 150, `took ${ms.toFixed(0)} ms`);
  });

  test('followLocation / maxRedirs: the engine follows; past the limit TOO_MANY_REDIRECTS (47)', async () => {
    const r = await client.request(`${A}/chain/3`, { followLocation: true });
    assert.equal(r.statusCode, 200);
    assert.equal(((await r.body.json()) as Echo).path, '/echo');
    assert.equal(r.info.redirectCount, 3);
    const e = await rejection(client.request(`${A}/chain/5`, { followLocation: true, maxRedirs: 2 }));
    assert.equal(e.code, 'TOO_MANY_REDIRECTS');
    assert.equal(e.curlCode, 47);
    assert.match(e.message, /host 127\.0\.0\.1:\d+/);
  });

  test('failOnError: HTTP_RETURNED_ERROR (22) for a 404', async () => {
    const e = await rejection(client.request(`${A}/status/404`, { failOnError: true }));
    assert.equal(e.code, 'HTTP_RETURNED_ERROR');
    assert.equal(e.curlCode, 22);
    assert.match(e.message, /404/);
  });

  test('followLocation and failOnError each on their own, and together', async () => {
    // Following without failOnError: a 404 at the end is the response.
    const followed = await client.request(`${A}/redirect/302?to=/status/404`, { followLocation: true });
    assert.equal(followed.statusCode, 404);
    assert.equal(await followed.body.text(), 'status 404');
    // failOnError without following: the 302 is the response; a 404 fails.
    const kept = await client.request(`${A}/redirect/302?to=/status/404`, { failOnError: true });
    assert.equal(kept.statusCode, 302);
    assert.equal(await kept.body.text(), 'redirect body');
    const e = await rejection(
      client.request(`${A}/redirect/302?to=/status/404`, { followLocation: true, failOnError: true }),
    );
    assert.equal(e.curlCode, 22);
  });

  test('failOnError through fetch: the call rejects, no Response', async () => {
    const e = await rejection(client.fetch(`${A}/status/500`, { options: { failOnError: true } }));
    assert.equal(e.curlCode, 22);
    assert.ok(e instanceof TypeError);
    const ok = await client.fetch(`${A}/text`, { options: { failOnError: true } });
    assert.equal(await ok.text(), 'hello, world');
  });

  test('a body that fails while nobody reads it errors later reads, with no uncaught error', async () => {
    const r = await client.request(`${A}/truncated`);
    await new Promise((resolve) => setTimeout(resolve, 80)); // the server cuts it after 20 ms
    const e = await rejection(r.body.text());
    assert.equal(e.code, 'PARTIAL_FILE');
  });

  test('maxFileSize: FILESIZE_EXCEEDED (63)', async () => {
    const e = await rejection(client.request(`${A}/big`, { maxFileSize: 1000 }));
    assert.equal(e.code, 'FILESIZE_EXCEEDED');
    assert.equal(e.curlCode, 63);
  });

  test('xferInfoFunction reports progress (noProgress: false)', async () => {
    let last = 0;
    const r = await client.request(`${A}/big`, {
      noProgress: false,
      xferInfoFunction: (_dlTotal, dlNow) => {
        last = dlNow;
      },
    });
    await r.body.dump();
    assert.equal(last, BIG);
  });

  test('a GET with a body (request() allows it) is still a GET', async () => {
    const r = await client.request(`${A}/echo`, { body: 'q' });
    const e = (await r.body.json()) as Echo;
    assert.equal(e.method, 'GET');
    assert.equal(e.body, 'q');
  });

  test('error messages name the host and the phase', async () => {
    const refused = await rejection(client.request('http://127.0.0.1:1/'));
    assert.equal(refused.phase, 'connect');
    assert.equal(refused.host, '127.0.0.1:1');
    assert.match(refused.message, /host 127\.0\.0\.1:1, phase connect/);
    assert.ok(refused.cause instanceof Error);
    const timedOut = await rejection(client.request(`${A}/hang`, { timeoutMs: 50 }));
    assert.equal(timedOut.code, 'OPERATION_TIMEDOUT');
    assert.match(timedOut.message, new RegExp(`host 127\\.0\\.0\\.1:${server.port}, phase timeout`));
    assert.equal(timedOut.side, 'remote');
    const cut = await client.request(`${A}/truncated`);
    const partial = await rejection(cut.body.text());
    assert.equal(partial.code, 'PARTIAL_FILE');
    assert.match(partial.message, /host 127\.0\.0\.1:\d+, phase /);
  });
});
