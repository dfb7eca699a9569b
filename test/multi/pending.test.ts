// Connection limits: transfers wait in PENDING, move on one at a time in FIFO order, and their
// timeouts keep running while they wait.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { CurlCode, Easy } from '../../src/index.js';
import { AppLoop } from '../helpers/app-loop.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let a: TestServer;
let b: TestServer;
const held: ServerResponse[] = [];
before(async () => {
  const handler = (name: string) => (req: import('node:http').IncomingMessage, res: ServerResponse) => {
    if (req.url === '/stall') {
      held.push(res);
      return;
    }
    res.end(`${name}${req.url}`);
  };
  a = await startHttpServer(handler('a'));
  b = await startHttpServer(handler('b'));
});
after(async () => {
  for (const r of held) r.destroy();
  await a.close();
  await b.close();
});

function get(url: string, order: string[], extra = {}): Easy {
  return new Easy({ url, writeFunction: (c) => void order.push(c.toString()), ...extra });
}

test('maxHostConnections 1: three transfers share one connection, in order', async () => {
  const loop = new AppLoop({ maxHostConnections: 1 });
  const order: string[] = [];
  const before = a.connections;
  for (const p of ['/1', '/2', '/3']) loop.multi.addHandle(get(a.url + p, order));
  await loop.untilIdle();
  assert.deepEqual(order, ['a/1', 'a/2', 'a/3']);
  assert.equal(a.connections - before, 1);
  assert.deepEqual(
    loop.done.map((d) => d.result),
    [0, 0, 0],
  );
  loop.close();
});

test('maxTotalConnections 1: hosts take turns in FIFO order; the idle connection is evicted', async () => {
  const loop = new AppLoop({ maxTotalConnections: 1 });
  const order: string[] = [];
  for (const url of [`${a.url}/1`, `${b.url}/1`, `${a.url}/2`, `${b.url}/2`])
    loop.multi.addHandle(get(url, order));
  await loop.untilIdle();
  assert.deepEqual(order, ['a/1', 'b/1', 'a/2', 'b/2']);
  assert.equal(loop.multi.pool.size, 1);
  loop.close();
});

test('a pending transfer times out while it waits, and the others carry on', async () => {
  const loop = new AppLoop({ maxTotalConnections: 1 });
  const order: string[] = [];
  const blocker = get(`${a.url}/stall`, order, { timeoutMs: 400 });
  const waiter = get(`${b.url}/x`, order, { timeoutMs: 100 });
  loop.multi.addHandle(blocker);
  loop.multi.addHandle(waiter);
  const t0 = Date.now();
  while (loop.done.length < 1) await new Promise((r) => setTimeout(r, 5));
  assert.equal(loop.done[0]?.easy, waiter);
  assert.equal(loop.done[0]?.result, CurlCode.OPERATION_TIMEDOUT);
  assert.ok(Date.now() - t0 < 380, 'the waiter timed out on its own deadline, not after the blocker');
  await loop.untilIdle();
  assert.equal(loop.done[1]?.result, CurlCode.OPERATION_TIMEDOUT);
  loop.close();
});

test('removing a transfer frees its slot for a pending one', async () => {
  const loop = new AppLoop({ maxTotalConnections: 1 });
  const order: string[] = [];
  const blocker = get(`${a.url}/stall`, order);
  const next = get(`${b.url}/after`, order);
  loop.multi.addHandle(blocker);
  loop.multi.addHandle(next);
  while (!loop.events.includes('socket s1 IN')) await new Promise((r) => setTimeout(r, 5));
  loop.multi.removeHandle(blocker);
  await loop.untilIdle();
  assert.deepEqual(order, ['b/after']);
  loop.close();
});

test("exact callbacks: the second transfer waits pending, then reuses the first one's socket", async () => {
  const loop = new AppLoop({ maxHostConnections: 1 });
  const order: string[] = [];
  loop.multi.addHandle(get(`${a.url}/x`, order));
  loop.multi.addHandle(get(`${a.url}/y`, order)); // same earliest deadline: no timer call
  await loop.untilIdle();
  assert.deepEqual(loop.events, [
    'timer 0',
    'socket s1 OUT', // the first transfer connects; the second goes pending
    'timer +', // both connect timeouts (the pending one's keeps running), same deadline
    'socket s1 IN', // request sent
    'socket s1 REMOVE', // first response done: the connection goes idle...
    'socket s1 IN', // ...the pending transfer is woken in the same call and reuses it
    'timer -1', // no deadline left
    'done 0',
    'socket s1 REMOVE',
    'done 0',
  ]);
  assert.deepEqual(order, ['a/x', 'a/y']);
  loop.close();
});
