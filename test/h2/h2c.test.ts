// HTTP/2 end to end over cleartext TCP with prior knowledge (h2c), against node:http2 as the
// real server: responses, multiplexing over one connection, uploads with flow control, stream
// resets and GOAWAY.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { CurlCode, Easy, HttpVersion, NodeDriver } from '../../src/index.js';
import { run } from '../features/run.js';
import { AppLoop } from '../helpers/app-loop.js';
import { type H2cServer, startH2cServer } from '../helpers/h2c-server.js';

let server: H2cServer;
let base = '';

before(async () => {
  server = await startH2cServer((stream, headers) => {
    const path = headers[':path'] ?? '/';
    if (path === '/reset') {
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    if (path === '/echo') {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        const body = Buffer.concat(parts);
        stream.respond({
          ':status': 200,
          'content-length': body.length,
          'x-method': String(headers[':method']),
        });
        stream.end(body);
      });
      return;
    }
    if (path.startsWith('/big/')) {
      const n = Number(path.slice(5));
      stream.respond({ ':status': 200, 'content-length': n });
      stream.end(Buffer.alloc(n, 0x61));
      return;
    }
    if (path === '/trailers') {
      stream.respond({ ':status': 200 }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-done': 'yes' }));
      stream.end('body');
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': path });
    stream.end(`hello ${path}`);
  });
  base = server.base;
});

after(() => server.close());

const H2 = { httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE } as const;

describe('h2c prior knowledge against node:http2', () => {
  test('GET: status, headers as curl shows them, body, httpVersion 2', async () => {
    const r = await run({ ...H2, url: `${base}/x` });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'hello /x');
    assert.equal(r.headers[0], 'HTTP/2 200 \r\n');
    assert.ok(r.headers.includes('x-path: /x\r\n'));
    assert.equal(r.headers.at(-1), '\r\n');
    assert.equal(r.info.httpVersion, HttpVersion.V2_0);
    assert.equal(r.info.responseCode, 200);
  });

  test('POST body sent as DATA, echoed back; trailers reach the header callback', async () => {
    const r = await run({ ...H2, url: `${base}/echo`, postFields: Buffer.from('a=1&b=2') });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'a=1&b=2');
    const t = await run({ ...H2, url: `${base}/trailers` });
    assert.equal(t.code, CurlCode.OK, t.error);
    assert.equal(t.body.toString(), 'body');
    assert.ok(t.headers.includes('x-done: yes\r\n'), JSON.stringify(t.headers));
  });

  test('a 3 MiB upload and a 5 MiB download go through the flow-control windows', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x62);
    const up = await run({ ...H2, url: `${base}/echo`, postFields: big });
    assert.equal(up.code, CurlCode.OK, up.error);
    assert.equal(up.body.length, big.length);
    const down = await run({ ...H2, url: `${base}/big/${5 * 1024 * 1024}` });
    assert.equal(down.code, CurlCode.OK, down.error);
    assert.equal(down.body.length, 5 * 1024 * 1024);
  });

  test('RST_STREAM from the server ends that transfer with 92 naming the error code', async () => {
    const r = await run({ ...H2, url: `${base}/reset` });
    assert.equal(r.code, CurlCode.HTTP2_STREAM);
    assert.match(r.error, /HTTP\/2 stream 1 was not closed cleanly: INTERNAL_ERROR \(err 2\)/);
  });

  test('one socket registration for the connection however many streams it carries', async () => {
    const loop = new AppLoop({ maxHostConnections: 1 });
    for (let i = 0; i < 100; i++)
      loop.multi.addHandle(new Easy({ ...H2, url: `${base}/s${i}`, writeFunction: (c) => c.length }));
    await loop.untilIdle(20_000);
    assert.equal(loop.done.length, 100);
    assert.ok(loop.done.every((d) => d.result === CurlCode.OK));
    const sockets = new Set(loop.events.filter((e) => e.startsWith('socket ')).map((e) => e.split(' ')[1]));
    assert.deepEqual([...sockets], ['s1']);
    // IN or INOUT while the streams run, REMOVE once: not one registration per stream.
    const registrations = loop.events.filter((e) => e.startsWith('socket s1 ') && !e.endsWith('REMOVE'));
    assert.ok(registrations.length < 20, `${registrations.length} socket callbacks for 100 streams`);
    loop.close();
  });

  test('multiplexing: 200 transfers with maxHostConnections 1 share one connection, numConnects adds to 1', async () => {
    const driver = new NodeDriver({ maxHostConnections: 1 });
    try {
      const easies = Array.from({ length: 200 }, (_, i) => {
        const chunks: Buffer[] = [];
        const e = new Easy({
          ...H2,
          url: `${base}/m${i}`,
          writeFunction: (c) => {
            chunks.push(Buffer.from(c));
            return c.length;
          },
        });
        return { e, chunks };
      });
      const msgs = await Promise.all(easies.map(({ e }) => driver.add(e)));
      assert.ok(msgs.every((m) => m.result === CurlCode.OK));
      easies.forEach(({ chunks }, i) => {
        assert.equal(Buffer.concat(chunks).toString(), `hello /m${i}`);
      });
      const connects = easies.reduce((n, { e }) => n + e.getInfo().numConnects, 0);
      assert.equal(connects, 1);
    } finally {
      driver.close();
    }
  });
});
