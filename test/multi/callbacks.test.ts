// The exact sequence of socket and timer callbacks: what each announces, when the timer is
// armed, changed and deleted, during socketAction, adds and removals.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CurlCode, Easy, MultiCode, MultiError } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
const stalled = new Set<import('node:http').ServerResponse>();
before(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === '/stall') {
      stalled.add(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  });
});
after(async () => {
  for (const r of stalled) r.destroy();
  await server.close();
});

function easy(
  path = '/',
  extra: ConstructorParameters<typeof Easy>[0] = {},
): { easy: Easy; body: () => string } {
  const chunks: Buffer[] = [];
  const e = new Easy({ url: server.url + path, writeFunction: (c) => void chunks.push(c), ...extra });
  return { easy: e, body: () => Buffer.concat(chunks).toString() };
}

describe('one transfer, start to end', () => {
  test('timer 0 on add, OUT while connecting, IN while waiting, REMOVE at the end', async () => {
    const loop = new AppLoop();
    const t = easy();
    loop.multi.addHandle(t.easy);
    await loop.untilIdle();
    assert.deepEqual(loop.events, [
      'timer 0',
      'socket s1 OUT',
      'timer +',
      'socket s1 IN',
      'timer -1',
      'socket s1 REMOVE',
      'done 0',
    ]);
    assert.equal(t.body(), 'hello');
    const info = t.easy.getInfo();
    assert.equal(info.responseCode, 200);
    assert.equal(info.numConnects, 1);
    assert.equal(info.sizeDownload, 5);
    assert.equal(info.primaryIp, '127.0.0.1');
    assert.equal(info.primaryPort, server.port);
    assert.ok(info.totalTime >= info.starttransferTime && info.starttransferTime >= info.pretransferTime);
    assert.ok(info.pretransferTime >= info.connectTime && info.connectTime >= info.namelookupTime);
    assert.equal(loop.watchedCount, 0);
    assert.equal(loop.timerArmed, false);
    loop.close();
  });

  test('a second transfer reuses the pooled connection: REMOVE, then the socket is announced again', async () => {
    const loop = new AppLoop();
    const before = server.connections;
    const a = easy();
    loop.multi.addHandle(a.easy);
    await loop.untilIdle();
    loop.multi.removeHandle(a.easy);
    loop.events.length = 0;
    const b = easy();
    loop.multi.addHandle(b.easy);
    await loop.untilIdle();
    assert.deepEqual(loop.events, ['timer 0', 'socket s1 IN', 'timer -1', 'socket s1 REMOVE', 'done 0']);
    assert.equal(server.connections - before, 1);
    assert.equal(b.easy.getInfo().numConnects, 0);
    assert.equal(b.body(), 'hello');
    loop.close();
  });
});

describe('removal', () => {
  test('mid-transfer: REMOVE for its socket, timer deleted, no done message, others carry on', async () => {
    const loop = new AppLoop();
    const stuck = easy('/stall', { timeoutMs: 60_000 });
    loop.multi.addHandle(stuck.easy);
    while (!loop.events.includes('socket s1 IN')) await new Promise((r) => setTimeout(r, 5));
    loop.events.length = 0;
    loop.multi.removeHandle(stuck.easy);
    assert.deepEqual(loop.events, ['socket s1 REMOVE', 'timer -1']);
    assert.equal(loop.multi.runningHandles, 0);
    assert.equal(loop.multi.messagesInQueue, 0);
    loop.multi.removeHandle(stuck.easy); // twice is fine
    const ok = easy();
    loop.multi.addHandle(ok.easy);
    await loop.untilIdle();
    assert.equal(ok.body(), 'hello');
    assert.equal(ok.easy.getInfo().numConnects, 1, 'the stalled connection was closed, not pooled');
    loop.close();
  });

  test('removeHandle purges the queued done message', async () => {
    const loop = new AppLoop();
    const a = easy();
    loop.multi.addHandle(a.easy);
    // Drive without reading messages.
    loop.multi.socketAction(-1, 0);
    while (loop.multi.runningHandles > 0) await new Promise((r) => setTimeout(r, 5));
    loop.close();
  });
});

describe('timer', () => {
  test('an application timer that fires early is re-armed', async () => {
    const loop = new AppLoop();
    const t = easy('/stall', { timeoutMs: 300 });
    loop.multi.addHandle(t.easy);
    while (!loop.events.includes('socket s1 IN')) await new Promise((r) => setTimeout(r, 5));
    loop.events.length = 0;
    loop.act(-1, 0); // fires long before the 300 ms deadline
    assert.deepEqual(loop.events, ['timer +']);
    await loop.untilIdle();
    assert.equal(loop.done[0]?.result, CurlCode.OPERATION_TIMEDOUT);
    assert.match(t.easy.errorBuffer, /Operation timed out after \d+ milliseconds with 0 bytes received/);
    loop.close();
  });
});

describe('callbacks that fail', () => {
  for (const mode of ['returns -1', 'throws'] as const) {
    test(`socket callback ${mode}: the call fails with ABORTED_BY_CALLBACK and every transfer ends with 42`, async () => {
      const boom = new Error('app bug');
      const loop = new AppLoop(
        {},
        {
          onSocket: () => {
            if (mode === 'throws') throw boom;
            return -1;
          },
        },
      );
      const a = easy('/stall');
      const b = easy('/stall');
      loop.multi.addHandle(a.easy);
      loop.multi.addHandle(b.easy);
      assert.throws(
        () => loop.multi.socketAction(-1, 0),
        (e: unknown) => e instanceof MultiError && e.code === MultiCode.ABORTED_BY_CALLBACK,
      );
      const results = [loop.multi.infoRead()?.result, loop.multi.infoRead()?.result];
      assert.deepEqual(results, [CurlCode.ABORTED_BY_CALLBACK, CurlCode.ABORTED_BY_CALLBACK]);
      assert.equal(loop.multi.runningHandles, 0);
      assert.throws(
        () => loop.multi.addHandle(easy().easy),
        (e: unknown) => e instanceof MultiError && e.code === MultiCode.ABORTED_BY_CALLBACK,
      );
      if (mode === 'throws') assert.equal((a.easy.error as Error).cause, boom);
      loop.multi.removeHandle(a.easy);
      loop.multi.removeHandle(b.easy);
      loop.clearTimer();
      loop.close();
    });
  }

  test('timer callback returning -1 inside addHandle rolls the add back', () => {
    let fail = true;
    const loop = new AppLoop({}, { onTimer: () => (fail ? -1 : 0) });
    const a = easy();
    assert.throws(
      () => loop.multi.addHandle(a.easy),
      (e: unknown) => e instanceof MultiError && e.code === MultiCode.ABORTED_BY_CALLBACK,
    );
    assert.equal(loop.multi.runningHandles, 0);
    assert.equal(loop.multi.messagesInQueue, 0);
    fail = false;
    loop.multi.addHandle(a.easy); // not added before, so this works
    assert.equal(loop.multi.runningHandles, 1);
    loop.close();
  });
});

describe('recursive API calls are refused inside every callback', () => {
  const calls = {
    socketAction: (l: AppLoop) => l.multi.socketAction(-1, 0),
    addHandle: (l: AppLoop) => l.multi.addHandle(new Easy({ url: server.url })),
    removeHandle: (l: AppLoop) => l.multi.removeHandle(new Easy({ url: server.url })),
    perform: (l: AppLoop) => l.multi.perform(),
    close: (l: AppLoop) => l.multi.close(),
    setOptions: (l: AppLoop) => l.multi.setOptions({ maxConnects: 3 }),
  };
  for (const where of ['socket', 'timer', 'write', 'header'] as const) {
    test(`from the ${where} callback`, async () => {
      const seen: string[] = [];
      let loop!: AppLoop;
      const probe = () => {
        for (const [name, call] of Object.entries(calls)) {
          try {
            call(loop);
            seen.push(`${name}: allowed`);
          } catch (e) {
            seen.push(`${name}: ${e instanceof MultiError ? e.codeName : String(e)}`);
          }
        }
        assert.equal(loop.multi.infoRead(), undefined); // allowed
        seen.push('done');
      };
      let probed = false;
      const once = () => {
        if (!probed) {
          probed = true;
          probe();
        }
      };
      loop = new AppLoop(
        {},
        {
          onSocket: () => {
            if (where === 'socket') once();
            return 0;
          },
          onTimer: () => {
            if (where === 'timer') once();
            return 0;
          },
        },
      );
      const t = easy('/', {
        writeFunction: (c) => {
          if (where === 'write') once();
          return c.length;
        },
        headerFunction: () => {
          if (where === 'header') once();
        },
      });
      loop.multi.addHandle(t.easy);
      await loop.untilIdle();
      assert.deepEqual(seen, [...Object.keys(calls).map((n) => `${n}: RECURSIVE_API_CALL`), 'done']);
      assert.equal(loop.done[0]?.result, CurlCode.OK);
      loop.close();
    });
  }
});
