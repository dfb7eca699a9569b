// getInfo(): every CURLINFO field that applies to HTTP, checked against one known exchange (a
// POST redirected with 302 to a GET answered with known headers), plus osErrno of a refused connect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, type DoneMessage, Easy, HttpVersion, Multi, NodeDriver } from '../../src/index.js';
import { NO_REQUEST_YET, SingleRequest } from '../../src/multi/single-request.js';
import { NodeTransport } from '../../src/transport/node/transport.js';
import { closedPort, startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

let srv: TestServer;
const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';

before(async () => {
  srv = await startHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/start') {
        setTimeout(() => {
          res.writeHead(302, { Location: '/final', 'Content-Length': 0 });
          res.end();
        }, 20);
        return;
      }
      if (req.url === '/bare') {
        res.writeHead(200, { 'Content-Length': 2 });
        res.end('ok');
        return;
      }
      setTimeout(() => {
        res.writeHead(200, {
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': 11,
          'Retry-After': '120',
          'Last-Modified': LAST_MODIFIED,
        });
        res.end('hello world');
      }, 20);
    });
  });
});

after(async () => {
  await srv.close();
});

test('getInfo: each field against a known exchange', async () => {
  const heads: string[] = [];
  const priv = { mine: true };
  const r = await run({
    url: `${srv.url}/start`,
    postFields: 'hello',
    followLocation: true,
    filetime: true,
    private: priv,
    debugFunction: (type, data) => {
      if (type === 'header-out') heads.push(String(data));
    },
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  const i = r.info;
  const checked = new Set<string>();
  const is = (k: keyof typeof i, v: unknown) => {
    checked.add(k);
    assert.deepEqual(i[k], v, k);
  };
  const check = (k: keyof typeof i, ok: (v: never) => boolean) => {
    checked.add(k);
    assert.ok(ok(i[k] as never), `${k} = ${String(i[k])}`);
  };
  is('responseCode', 200);
  is('httpVersion', HttpVersion.V1_1);
  is('effectiveUrl', `${srv.url}/final`);
  is('effectiveMethod', 'GET'); // a 302 turns the POST into a GET
  is('scheme', 'HTTP');
  is('contentType', 'text/plain; charset=utf-8');
  // Phase times: in order, each summed over both requests; the redirect took at least 20 ms.
  const order = ['namelookupTime', 'connectTime', 'pretransferTime', 'starttransferTime'] as const;
  for (const k of order) check(k, (v: number) => v >= 0 && v <= i.totalTime);
  check('appconnectTime', (v: number) => v === 0); // no TLS
  check('totalTime', (v: number) => v >= 0.04 && v < 5);
  check('redirectTime', (v: number) => v >= 0.02 && v <= i.totalTime);
  for (const k of [...order, 'appconnectTime', 'totalTime', 'redirectTime'] as const) {
    check(`${k}T` as keyof typeof i, (v: number) => v === Math.round(i[k] * 1e6));
  }
  is('sizeDownload', 11);
  is('sizeUpload', 0); // sizes start over with the GET
  check('speedDownload', (v: number) => v === Math.round(11 / i.totalTime));
  is('speedUpload', 0);
  is(
    'headerSize',
    r.headers.reduce((n, h) => n + Buffer.byteLength(h, 'latin1'), 0),
  );
  is(
    'requestSize',
    heads.reduce((n, h) => n + Buffer.byteLength(h, 'latin1'), 0),
  );
  assert.equal(heads.length, 2);
  is('contentLengthDownload', 11);
  is('contentLengthUpload', -1);
  is('numConnects', 1); // the GET reused the connection
  is('redirectCount', 1);
  is('redirectUrl', null);
  is('primaryIp', '127.0.0.1');
  is('primaryPort', srv.port);
  is('localIp', '127.0.0.1');
  check('localPort', (v: number) => v > 0 && v < 65536);
  is('result', CurlCode.OK);
  is('private', priv);
  is('retryAfter', 120);
  is('filetime', Date.parse(LAST_MODIFIED) / 1000);
  is('httpConnectCode', 0);
  is('proxyAuthAvail', 0);
  is('proxyError', 0);
  is('usedProxy', 0);
  is('conditionUnmet', 0);
  is('osErrno', 0);
  check('xferId', (v: number) => Number.isInteger(v) && v >= 0);
  check('connId', (v: number) => Number.isInteger(v) && v >= 0); // both requests on one connection
  is('queueTimeT', 0); // no connection limit to wait for
  check('startTime', (v: number) => v > 0 && v <= performance.now() - i.totalTime * 1000);
  is('httpAuthAvail', 0);
  is('httpAuthUsed', 0);
  is('sslVerifyResult', 0); // no TLS
  is('proxySslVerifyResult', 0); // no HTTPS proxy
  is('certInfo', []);
  // Every field of EasyInfo was looked at.
  assert.deepEqual([...checked].sort(), Object.keys(i).sort());

  // Without the filetime option there is no file time; a refused connect has its errno.
  const plain = await run({ url: `${srv.url}/final` });
  assert.equal(plain.info.filetime, -1);
  const refused = await run({ url: `http://127.0.0.1:${await closedPort()}/` });
  assert.equal(refused.code, CurlCode.COULDNT_CONNECT);
  assert.equal(refused.info.osErrno, 111); // ECONNREFUSED
});

test('a transfer before its first request reads a shared empty request, which nothing writes', async () => {
  // Failing in setup (a malformed URL), removed before it ran, read by getInfo() while added.
  const bad = await run({ url: 'http://[::1' });
  assert.equal(bad.code, CurlCode.URL_MALFORMAT);
  const multi = new Multi();
  const waiting = new Easy({ url: `${srv.url}/bare` });
  multi.addHandle(waiting);
  assert.equal(waiting.getInfo().effectiveMethod, 'GET');
  assert.equal(waiting.getInfo().sizeDownload, 0);
  multi.removeHandle(waiting);
  multi.close();
  const ok = await run({ url: `${srv.url}/bare`, postFields: 'x' });
  assert.equal(ok.code, CurlCode.OK, ok.error);
  assert.equal(ok.info.effectiveMethod, 'POST');
  assert.deepEqual({ ...NO_REQUEST_YET }, { ...new SingleRequest() });
});

test('getInfo: a transfer that never set a rarely used field reads its default', async () => {
  // Such fields live in a record made when the first of them is set: a transfer without one reads
  // shared defaults, which another transfer's values (Retry-After, the file time, the times of a
  // redirect) must not have reached.
  const first = await run({ url: `${srv.url}/start`, followLocation: true, filetime: true });
  assert.equal(first.code, CurlCode.OK, first.error);
  const bare = await run({ url: `${srv.url}/bare`, filetime: true });
  assert.equal(bare.code, CurlCode.OK, bare.error);
  const i = bare.easy.getInfo();
  assert.equal(i.retryAfter, 0);
  assert.equal(i.filetime, -1);
  assert.equal(i.redirectCount, 0);
  assert.equal(i.redirectTime, 0);
  assert.equal(i.httpConnectCode, 0);
  assert.equal(i.proxyError, 0);
  assert.equal(i.proxyAuthAvail, 0);
  assert.equal(i.queueTimeT, 0);
  assert.equal(i.proxySslVerifyResult, 0);
  assert.ok(i.namelookupTime <= i.totalTime);
  const again = first.easy.getInfo();
  assert.equal(again.retryAfter, 120);
  assert.equal(again.filetime, Date.parse(LAST_MODIFIED) / 1000);
  assert.ok(again.redirectTime >= 0.02);
});

/**
 * A NodeDriver on a transport whose clock reads are counted (`clock.reads`); `next()` is the next
 * done message. Handles stay added after they complete (addHandle + onDone), as an application's
 * loop has them.
 */
function countingClockDriver() {
  const clock = { reads: 0 };
  const base = new NodeTransport();
  const transport = Object.assign(Object.create(base) as NodeTransport, {
    now(): number {
      clock.reads++;
      return base.now();
    },
  });
  const waiting: ((m: DoneMessage) => void)[] = [];
  const driver = new NodeDriver({ transport, onDone: (m) => waiting.shift()?.(m) });
  const next = () => new Promise<DoneMessage>((resolve) => waiting.push(resolve));
  const easy = () => new Easy({ url: `${srv.url}/final`, writeFunction: (c) => c.length });
  return { clock, driver, next, easy };
}

test('getInfo of a finished transfer reads no clock: its times end at its end', async () => {
  const { clock, driver, next, easy: newEasy } = countingClockDriver();
  try {
    const easy = newEasy();
    const done = next();
    driver.addHandle(easy);
    assert.equal((await done).result, CurlCode.OK);
    const before = clock.reads;
    const first = easy.getInfo();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = easy.getInfo();
    assert.equal(clock.reads, before, 'getInfo() read the clock');
    assert.equal(second.totalTimeT, first.totalTimeT);
    assert.ok(first.totalTimeT > 0);
  } finally {
    driver.close();
  }
});

test('removing a finished transfer reads no clock when nothing waits and no deadline changes', async () => {
  const { clock, driver, next, easy } = countingClockDriver();
  try {
    const first = easy();
    let done = next();
    driver.addHandle(first);
    assert.equal((await done).result, CurlCode.OK);
    let before = clock.reads;
    driver.multi.removeHandle(first);
    assert.equal(clock.reads, before, 'removeHandle() of a finished transfer read the clock');
    // A second transfer on the pooled connection: its removal mid-transfer does read it (the
    // transfer's end time), and the one after that completes as before.
    const second = easy();
    driver.addHandle(second);
    before = clock.reads;
    driver.multi.removeHandle(second);
    assert.ok(clock.reads > before, 'removeHandle() of a running transfer read no clock');
    const third = easy();
    done = next();
    driver.addHandle(third);
    assert.equal((await done).result, CurlCode.OK);
    assert.ok(third.getInfo().totalTimeT > 0);
  } finally {
    driver.close();
  }
});

test('getInfo: requests on a kept connection report its addresses, and a new connection its own', async () => {
  const driver = new NodeDriver();
  try {
    const first = await run({ url: `${srv.url}/bare` }, driver);
    const second = await run({ url: `${srv.url}/bare` }, driver);
    assert.equal(second.info.numConnects, 0); // the kept connection
    for (const r of [first, second]) {
      assert.equal(r.code, CurlCode.OK, r.error);
      assert.equal(r.info.primaryIp, '127.0.0.1');
      assert.equal(r.info.primaryPort, srv.port);
      assert.equal(r.info.localIp, '127.0.0.1');
    }
    assert.equal(second.info.localPort, first.info.localPort);
    const fresh = await run({ url: `${srv.url}/bare`, freshConnect: true }, driver);
    assert.equal(fresh.info.numConnects, 1);
    assert.equal(fresh.info.primaryPort, srv.port);
    assert.notEqual(fresh.info.localPort, first.info.localPort);
  } finally {
    driver.close();
  }
});
