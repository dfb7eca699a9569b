// The protocol-agnostic features over HTTP/2 (h2c with prior knowledge against node:http2):
// redirects, auth, cookies, decoding, ranges, pause, rate limits, timeouts and getInfo, each run
// on a multiplexed connection.
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { CurlCode, Easy, HttpVersion, NodeDriver, PAUSE, Pause } from '../../src/index.js';
import { run } from '../features/run.js';
import { type H2cServer, startH2cServer } from '../helpers/h2c-server.js';

let server: H2cServer;
let base = '';
const BIG = Buffer.alloc(4 * 1024 * 1024, 0x63);

before(async () => {
  server = await startH2cServer((stream, h) => {
    const path = String(h[':path']);
    const send = (status: number, headers: http2.OutgoingHttpHeaders, body: string | Buffer = '') => {
      stream.respond({ ':status': status, ...headers });
      stream.end(body);
    };
    if (path === '/redirect') return send(302, { location: '/target' });
    if (path === '/target') return send(200, {}, 'arrived');
    if (path === '/auth') {
      const ok = h.authorization === `Basic ${Buffer.from('u:p').toString('base64')}`;
      return ok ? send(200, {}, 'welcome') : send(401, { 'www-authenticate': 'Basic realm="x"' }, 'no');
    }
    if (path === '/set-cookie') return send(200, { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] }, 'set');
    if (path === '/get-cookie') return send(200, {}, String(h.cookie ?? ''));
    if (path === '/gzip') return send(200, { 'content-encoding': 'gzip' }, zlib.gzipSync('decoded over h2'));
    if (path === '/range') {
      const m = /bytes=(\d+)-(\d+)/.exec(String(h.range));
      const body = 'abcdefghijklmnopqrstuvwxyz';
      if (!m) return send(200, {}, body);
      return send(
        206,
        { 'content-range': `bytes ${m[1]}-${m[2]}/26` },
        body.slice(Number(m[1]), Number(m[2]) + 1),
      );
    }
    if (path === '/big') return send(200, { 'content-length': BIG.length }, BIG);
    if (path === '/stall') {
      stream.respond({ ':status': 200 });
      stream.write('x');
      return;
    }
    return send(200, {}, `hello ${path}`);
  });
  base = server.base;
});

after(() => server.close());

const H2 = { httpVersion: HttpVersion.V2_PRIOR_KNOWLEDGE } as const;

describe('features over HTTP/2', () => {
  test('redirect followed on the same connection', async () => {
    const r = await run({ ...H2, url: `${base}/redirect`, followLocation: true });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'arrived');
    assert.equal(r.info.redirectCount, 1);
    assert.equal(r.info.numConnects, 1);
  });

  test('basic auth', async () => {
    const r = await run({ ...H2, url: `${base}/auth`, userPwd: 'u:p' });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'welcome');
  });

  test('cookies set by one response are sent with the next', async () => {
    const driver = new NodeDriver();
    try {
      const easy = { ...H2, cookieFile: '' };
      const a = await run({ ...easy, url: `${base}/set-cookie` }, driver);
      assert.equal(a.code, CurlCode.OK, a.error);
      a.easy.setOptions({ url: `${base}/get-cookie` });
      const chunks: Buffer[] = [];
      a.easy.setOptions({
        writeFunction: (c) => {
          chunks.push(Buffer.from(c));
          return c.length;
        },
      });
      const m = await driver.add(a.easy);
      assert.equal(m.result, CurlCode.OK);
      assert.equal(Buffer.concat(chunks).toString(), 'a=1; b=2');
    } finally {
      driver.close();
    }
  });

  test('content decoding', async () => {
    const r = await run({ ...H2, url: `${base}/gzip`, acceptEncoding: '' });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.body.toString(), 'decoded over h2');
  });

  test('range', async () => {
    const r = await run({ ...H2, url: `${base}/range`, range: '2-5' });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.equal(r.info.responseCode, 206);
    assert.equal(r.body.toString(), 'cdef');
  });

  test('pause holds the stream by flow control, the other streams carry on, CONT resumes it', async () => {
    const driver = new NodeDriver();
    try {
      let got = 0;
      let paused = false;
      const slow = new Easy({
        ...H2,
        url: `${base}/big`,
        writeFunction: (c) => {
          if (!paused && got > 0) {
            paused = true;
            return PAUSE;
          }
          got += c.length;
          return c.length;
        },
      });
      const slowDone = driver.add(slow);
      // While it is paused, other transfers on the same connection complete.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(paused, true);
      const before = got;
      const others = await Promise.all([1, 2, 3].map((i) => run({ ...H2, url: `${base}/o${i}` }, driver)));
      assert.ok(others.every((o) => o.code === CurlCode.OK));
      assert.ok(
        others.every((o) => o.info.numConnects === 0),
        'the others reused the paused one connection',
      );
      // Bounded: a paused stream holds at most its window (1 MiB) and what was in flight.
      assert.ok(got - before === 0);
      slow.pause(Pause.CONT);
      const m = await slowDone;
      assert.equal(m.result, CurlCode.OK);
      assert.equal(got, BIG.length);
    } finally {
      driver.close();
    }
  });

  test('maxRecvSpeed limits an h2 download', async () => {
    const t0 = Date.now();
    const r = await run({ ...H2, url: `${base}/big`, maxRecvSpeed: 8 * 1024 * 1024 });
    assert.equal(r.code, CurlCode.OK, r.error);
    assert.ok(Date.now() - t0 >= 300, `took ${Date.now() - t0} ms`);
  });

  test('timeouts: a stalled h2 response ends with 28 and only its stream is reset', async () => {
    const r = await run({ ...H2, url: `${base}/stall`, timeoutMs: 300 });
    assert.equal(r.code, CurlCode.OPERATION_TIMEDOUT);
    assert.match(r.error, /Operation timed out after \d+ milliseconds with 1 bytes received/);
  });

  test('getInfo: httpVersion 2, sizes, times, primary address', async () => {
    const r = await run({ ...H2, url: `${base}/info` });
    assert.equal(r.code, CurlCode.OK, r.error);
    const i = r.info;
    assert.equal(i.httpVersion, HttpVersion.V2_0);
    assert.equal(i.sizeDownload, 'hello /info'.length);
    assert.equal(i.primaryIp, '127.0.0.1');
    assert.ok(i.totalTime >= i.starttransferTime && i.starttransferTime > 0);
    assert.ok(i.headerSize > 0);
  });
});
