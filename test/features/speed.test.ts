// maxRecvSpeed / maxSendSpeed through the ratelimiting state (timer only, no socket interest) and
// lowSpeedLimit + lowSpeedTime (28).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';
import { AppLoop } from '../helpers/app-loop.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

let srv: TestServer;
const BIG = Buffer.alloc(600_000, 'x');

before(async () => {
  srv = await startHttpServer((req, res) => {
    if (req.url === '/big') {
      res.end(BIG);
      return;
    }
    if (req.url === '/stall') {
      res.writeHead(200, { 'Content-Length': 1000 });
      res.write('only ten b');
      return;
    }
    let n = 0;
    req.on('data', (d: Buffer) => {
      n += d.length;
    });
    req.on('end', () => res.end(`got ${n}`));
  });
});

after(async () => {
  await srv.close();
});

// The average is judged in virtual time, where the engine's sleeps are exact: on real sockets a
// loaded machine wakes the transfer late and the wall-clock average drops below the limit however
// right the engine's arithmetic is.
test('maxRecvSpeed keeps the measured average within 5% of the limit (virtual time)', async () => {
  const limit = 200_000;
  const net = new SimNetwork({ latencyMs: 1 });
  // A window as large as the body: reads as large as real sockets give, so a read running ahead
  // of the limit would show.
  net.listen('a.test', 80, (_q, r) => r.end(BIG), { windowBytes: 1 << 20 });
  const multi = net.createMulti();
  let got = 0;
  const easy = new Easy({
    url: 'http://a.test/big',
    maxRecvSpeed: limit,
    writeFunction: (c) => {
      got += c.length;
      return c.length;
    },
  });
  const t0 = net.now();
  multi.addHandle(easy);
  await net.run();
  const secs = (net.now() - t0) / 1000;
  assert.equal(multi.infoRead()?.result, CurlCode.OK);
  assert.equal(got, BIG.length);
  const avg = BIG.length / secs;
  assert.ok(
    avg <= limit * 1.05 && avg >= limit * 0.95,
    `average ${Math.round(avg)} B/s over ${secs.toFixed(2)} s`,
  );
  // The engine's own figure (size / total time, libcurl's CURLINFO_SPEED_DOWNLOAD) agrees.
  const { speedDownload } = easy.getInfo();
  assert.ok(speedDownload <= limit * 1.05 && speedDownload >= limit * 0.95, `speedDownload ${speedDownload}`);
  multi.close();
});

test('maxRecvSpeed on real sockets: the average never runs above the limit', async () => {
  const limit = 200_000;
  const r = await run({ url: `${srv.url}/big`, maxRecvSpeed: limit });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.length, BIG.length);
  // Measured on the engine's clock (size / total time); load can only make the transfer slower.
  assert.ok(r.info.speedDownload <= limit * 1.05, `speedDownload ${r.info.speedDownload} B/s`);
  assert.ok(r.info.totalTime >= (BIG.length / limit) * 0.95, `took ${r.info.totalTime} s`);
});

test('while rate limited the socket is not watched: REMOVE, then IN again after the timer', async () => {
  const loop = new AppLoop();
  const t0 = performance.now();
  loop.multi.addHandle(new Easy({ url: `${srv.url}/big`, maxRecvSpeed: 1_000_000 }));
  await loop.untilIdle();
  loop.close();
  assert.equal(loop.done[0]!.result, CurlCode.OK);
  assert.ok(performance.now() - t0 >= 550);
  const sock = loop.events.filter((e) => e.startsWith('socket'));
  assert.deepEqual(sock.slice(0, 3), ['socket s1 OUT', 'socket s1 IN', 'socket s1 REMOVE']);
  // Each sleep ends with IN announced again (if data is still to come): REMOVE and IN alternate.
  for (let i = 2; i < sock.length - 1; i++) assert.notEqual(sock[i], sock[i + 1]);
  // The sleep is a timer: one is armed after the first REMOVE, before the transfer is done.
  const firstRemove = loop.events.indexOf('socket s1 REMOVE');
  const done = loop.events.indexOf('done 0');
  assert.ok(loop.events.slice(firstRemove, done).includes('timer +'), loop.events.join(', '));
});

test('maxSendSpeed keeps an upload at the limit', async () => {
  const limit = 100_000;
  const size = 200_000;
  let off = 0;
  const t0 = performance.now();
  const r = await run({
    url: `${srv.url}/up`,
    upload: true,
    inFileSize: size,
    maxSendSpeed: limit,
    readFunction: (b) => {
      const n = Math.min(b.length, 16_384, size - off);
      b.fill(0x61, 0, n);
      off += n;
      return n;
    },
  });
  const secs = (performance.now() - t0) / 1000;
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.toString(), `got ${size}`);
  const avg = size / secs;
  assert.ok(avg <= limit * 1.1, `average ${Math.round(avg)} B/s over ${secs.toFixed(2)} s`);
  assert.ok(secs >= 1.4, `took ${secs.toFixed(2)} s`);
});

test('lowSpeedLimit + lowSpeedTime: a stalled transfer fails with 28 after that time', async () => {
  const t0 = performance.now();
  const r = await run({ url: `${srv.url}/stall`, lowSpeedLimit: 100, lowSpeedTime: 2 });
  const secs = (performance.now() - t0) / 1000;
  assert.equal(r.code, CurlCode.OPERATION_TIMEDOUT);
  assert.equal(r.error, 'Operation too slow. Less than 100 bytes/sec transferred the last 2 seconds');
  assert.ok(secs >= 1.9 && secs < 3.5, `failed after ${secs.toFixed(2)} s`);
});
