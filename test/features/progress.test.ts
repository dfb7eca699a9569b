// xferInfoFunction (CURLOPT_XFERINFOFUNCTION with CURLOPT_NOPROGRESS false): called on progress,
// at least once a second while nothing moves, once more at the end; non-zero / true / a throw
// aborts with 42. Transfers without the callback arm no timer for it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { run } from './run.js';

let srv: TestServer;
const BODY = Buffer.alloc(50_000, 'p');

before(async () => {
  srv = await startHttpServer((req, res) => {
    if (req.url === '/slow') {
      // Head at once, the body after a pause longer than two progress intervals.
      res.writeHead(200, { 'Content-Length': 10 });
      res.flushHeaders();
      setTimeout(() => res.end('0123456789'), 2300);
      return;
    }
    if (req.url === '/pause1500') {
      res.writeHead(200, { 'Content-Length': 2 });
      res.flushHeaders();
      setTimeout(() => res.end('ok'), 1500);
      return;
    }
    if (req.method === 'PUT') {
      let n = 0;
      req.on('data', (d: Buffer) => {
        n += d.length;
      });
      req.on('end', () => res.end(`got ${n}`));
      return;
    }
    res.end(BODY);
  });
});

after(async () => {
  await srv.close();
});

type Call = [number, number, number, number];

test('called with (dlTotal, dlNow, ulTotal, ulNow), the last call with the final counters', async () => {
  const calls: Call[] = [];
  const r = await run({
    url: `${srv.url}/big`,
    noProgress: false,
    xferInfoFunction: (a, b, c, d) => {
      calls.push([a, b, c, d]);
      return 0;
    },
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.ok(calls.length >= 2, `${calls.length} calls`);
  assert.deepEqual(calls.at(-1), [BODY.length, BODY.length, 0, 0]);
  // Counters never go back.
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i]![1] >= calls[i - 1]![1]);
});

test('at least once a second while the server sends nothing', async () => {
  const times: number[] = [];
  const stalled: number[] = [];
  const t0 = performance.now();
  const r = await run({
    url: `${srv.url}/slow`,
    noProgress: false,
    xferInfoFunction: (total, now) => {
      times.push(performance.now() - t0);
      if (total === 10 && now === 0) stalled.push(performance.now() - t0);
      return 0;
    },
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  // Head known, no body yet: the 2.3 s gap is covered by calls at most about a second apart.
  assert.ok(stalled.length >= 3, `calls while stalled: ${stalled.map(Math.round).join(', ')}`);
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i]! - times[i - 1]! < 1300, `gap before call ${i}: ${times.map(Math.round).join(', ')}`);
  }
});

test('noProgress unset (default true): the callback is never called', async () => {
  let calls = 0;
  const r = await run({
    url: `${srv.url}/big`,
    xferInfoFunction: () => {
      calls++;
      return 0;
    },
  });
  assert.equal(r.code, CurlCode.OK);
  assert.equal(calls, 0);
});

test('a non-zero return aborts with 42 "Callback aborted"; so does true', async () => {
  for (const ret of [1, -1, true] as const) {
    let calls = 0;
    const r = await run({
      url: `${srv.url}/slow`,
      noProgress: false,
      xferInfoFunction: () => (++calls === 2 ? ret : 0),
    });
    assert.equal(r.code, CurlCode.ABORTED_BY_CALLBACK, `return ${String(ret)}`);
    assert.equal(r.error, 'Callback aborted');
    assert.equal(calls, 2);
    assert.equal(r.body.length, 0);
  }
});

test('a throw aborts with 42 and keeps the thrown value as cause', async () => {
  const boom = new Error('boom');
  const r = await run({
    url: `${srv.url}/big`,
    noProgress: false,
    xferInfoFunction: () => {
      throw boom;
    },
  });
  assert.equal(r.code, CurlCode.ABORTED_BY_CALLBACK);
  assert.match(r.error, /^Callback aborted/);
  assert.equal((r.easy.error as Error & { cause?: unknown }).cause, boom);
});

test('upload counters: ulTotal is inFileSize, the last ulNow all of it', async () => {
  const size = 300_000;
  let off = 0;
  const calls: Call[] = [];
  const r = await run({
    url: `${srv.url}/up`,
    upload: true,
    inFileSize: size,
    // Several runs while the body goes out (a loopback socket would take it all at once).
    maxSendSpeed: 1_000_000,
    readFunction: (b) => {
      const n = Math.min(b.length, size - off);
      b.fill(0x61, 0, n);
      off += n;
      return n;
    },
    noProgress: false,
    xferInfoFunction: (a, b, c, d) => {
      calls.push([a, b, c, d]);
    },
  });
  assert.equal(r.code, CurlCode.OK, r.error);
  assert.equal(r.body.toString(), `got ${size}`);
  const last = calls.at(-1)!;
  assert.deepEqual([last[2], last[3]], [size, size]);
  assert.ok(
    calls.some(([, , , ul]) => ul > 0 && ul < size),
    'a call while the body was going out',
  );
});

/** The timer callbacks arming a timer (not deleting one) made between the request going out and the transfer ending. */
async function timersDuringStall(opts: ConstructorParameters<typeof Easy>[0]): Promise<string[]> {
  const loop = new AppLoop();
  loop.multi.addHandle(new Easy({ url: `${srv.url}/pause1500`, ...opts }));
  await loop.untilIdle();
  loop.close();
  assert.equal(loop.done[0]!.result, CurlCode.OK);
  const from = loop.events.indexOf('socket s1 IN');
  const to = loop.events.indexOf('done 0');
  return loop.events.slice(from, to).filter((e) => e.startsWith('timer') && e !== 'timer -1');
}

test('no timer is armed for progress unless the transfer has the callback', async () => {
  assert.deepEqual(await timersDuringStall({}), []);
  // xferInfoFunction set but noProgress left true: no timer either.
  assert.deepEqual(await timersDuringStall({ xferInfoFunction: () => 0 }), []);
  let calls = 0;
  const withCb = await timersDuringStall({
    noProgress: false,
    xferInfoFunction: () => {
      calls++;
    },
  });
  assert.ok(withCb.includes('timer +'), withCb.join(', '));
  assert.ok(calls >= 2);
});
