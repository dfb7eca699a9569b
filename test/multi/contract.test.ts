// Smaller points of the multi_socket contract: assign, infoRead / messagesInQueue, adding and
// re-adding, the resolve option and DNS cache, pool liveness and age.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CurlCode, Easy, MultiCode, MultiError, NodeDriver, Poll } from '../../src/index.js';
import { SimNetwork } from '../../src/sim.js';
import { AppLoop } from '../helpers/app-loop.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';

let server: TestServer;
before(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === '/close-later') {
      res.end('bye');
      // Close the kept-alive connection shortly after the response, while it sits in the pool.
      setTimeout(() => req.socket.destroy(), 30);
      return;
    }
    res.end('ok');
  });
});
after(async () => server.close());

test('assign: socketp is handed to later callbacks for that socket until REMOVE; unknown socket is BAD_SOCKET', async () => {
  const seen: unknown[] = [];
  const loop = new AppLoop(
    {},
    {
      onSocket: (_easy, socket, what) => {
        seen.push(what === Poll.REMOVE ? 'REMOVE' : what);
        if (what === Poll.OUT) loop.multi.assign(socket, { mine: socket.fd });
        return 0;
      },
    },
  );
  const orig = loop.multi;
  const e = new Easy({ url: `${server.url}/` });
  orig.addHandle(e);
  await loop.untilIdle();
  assert.deepEqual(seen, [Poll.OUT, Poll.IN, 'REMOVE']);
  assert.throws(
    () => orig.assign(123456789, 1),
    (err: unknown) => err instanceof MultiError && err.code === MultiCode.BAD_SOCKET,
  );
  loop.close();
});

test('socketp arrives as the fourth callback argument', async () => {
  const got: unknown[] = [];
  // The AppLoop does not expose socketp; check it through a Multi of our own.
  const { Multi } = await import('../../src/index.js');
  let timer: NodeJS.Timeout | undefined;
  const multi = new Multi({
    socketFunction: (_e, socket, what, socketp) => {
      got.push([what, socketp]);
      if (what === Poll.OUT) multi.assign(socket, 'tag');
      if (what === Poll.REMOVE) socket.unwatch();
      else socket.watch(what, (ev) => step(socket, ev));
    },
    timerFunction: (ms) => {
      clearTimeout(timer);
      if (ms >= 0) timer = setTimeout(() => step(-1, 0), ms);
    },
  });
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const step = (s: Parameters<typeof multi.socketAction>[0], ev: number) => {
    if (multi.socketAction(s, ev) === 0) resolve();
  };
  multi.addHandle(new Easy({ url: `${server.url}/` }));
  await done;
  assert.deepEqual(got, [
    [Poll.OUT, undefined],
    [Poll.IN, 'tag'],
    [Poll.REMOVE, 'tag'],
  ]);
  clearTimeout(timer);
  multi.close();
});

test('ADDED_ALREADY; a finished handle stays added until removed and can then be re-added', async () => {
  const loop = new AppLoop();
  const e = new Easy({ url: `${server.url}/` });
  loop.multi.addHandle(e);
  assert.throws(
    () => loop.multi.addHandle(e),
    (err: unknown) => err instanceof MultiError && err.code === MultiCode.ADDED_ALREADY,
  );
  await loop.untilIdle();
  assert.throws(
    () => loop.multi.addHandle(e),
    (err: unknown) => err instanceof MultiError && err.code === MultiCode.ADDED_ALREADY,
  );
  assert.equal(loop.multi.easyHandles.length, 1);
  loop.multi.removeHandle(e);
  loop.multi.addHandle(e);
  await loop.untilIdle();
  assert.deepEqual(
    loop.done.map((d) => d.result),
    [0, 0],
  );
  loop.close();
});

test('a transfer added and not run yet: its due time is kept through a pause, and leaves with it when removed', async () => {
  const { Multi, Pause, SOCKET_TIMEOUT } = await import('../../src/index.js');
  const timers: number[] = [];
  const multi = new Multi({ socketFunction: () => {}, timerFunction: (ms) => void timers.push(ms) });
  const a = new Easy({ url: `${server.url}/` });
  const b = new Easy({ url: `${server.url}/` });
  multi.addHandle(a);
  multi.addHandle(b);
  assert.deepEqual(timers, [0]);
  // Paused and resumed before its first run: it is still due, and so is the other one.
  a.pause(Pause.ALL);
  a.pause(Pause.CONT);
  // Removed before its first run: nothing of it stays due.
  multi.removeHandle(b);
  assert.equal(multi.runningHandles, 1);
  multi.socketAction(SOCKET_TIMEOUT);
  assert.equal(a.getInfo().numConnects, 1, 'the paused transfer ran');
  assert.equal(b.getInfo().numConnects, 0);
  multi.removeHandle(a);
  assert.equal(timers.at(-1), -1, 'no deadline left once both are gone');
  // One added and removed before any run: the timer is cancelled.
  const c = new Easy({ url: `${server.url}/` });
  multi.addHandle(c);
  assert.equal(timers.at(-1), 0);
  multi.removeHandle(c);
  assert.equal(timers.at(-1), -1);
  // Run by perform() rather than by its due time: it is due no more (its connect timeout is next).
  const d = new Easy({ url: `${server.url}/` });
  multi.addHandle(d);
  multi.perform();
  assert.ok(timers.at(-1)! > 0, `timer after perform(): ${timers.at(-1)}`);
  multi.removeHandle(d);
  multi.close();
});

test('messagesInQueue counts unread messages; infoRead pops one at a time', async () => {
  const loop = new AppLoop();
  loop.act = function (socket, events) {
    // Like AppLoop.act, but leave messages unread.
    try {
      this.multi.socketAction(socket, events);
    } catch (e) {
      this.errors.push(e);
    }
  };
  for (let i = 0; i < 3; i++) loop.multi.addHandle(new Easy({ url: `${server.url}/${i}` }));
  while (loop.multi.runningHandles > 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(loop.multi.messagesInQueue, 3);
  const first = loop.multi.infoRead();
  assert.equal(first?.msg, 'done');
  assert.equal(loop.multi.messagesInQueue, 2);
  const second = loop.multi.infoRead()!;
  loop.multi.removeHandle(loop.multi.easyHandles.find((e) => e !== first?.easy && e !== second.easy)!);
  assert.equal(loop.multi.messagesInQueue, 0, 'removeHandle purged the last one');
  assert.equal(loop.multi.infoRead(), undefined);
  loop.close();
});

test('resolve option: a made-up name goes to the given address, without DNS', async () => {
  const driver = new NodeDriver();
  let body = '';
  const e = new Easy({
    url: `http://api.example.invalid:${server.port}/`,
    resolve: [`api.example.invalid:${server.port}:127.0.0.1`],
    writeFunction: (c) => void (body += c),
  });
  const m = await driver.add(e);
  assert.equal(m.result, CurlCode.OK, e.errorBuffer);
  assert.equal(body, 'ok');
  assert.equal(e.getInfo().primaryIp, '127.0.0.1');
  driver.close();
});

test('an idle pooled connection the server closed is not reused', async () => {
  const driver = new NodeDriver();
  const before = server.connections;
  const a = new Easy({ url: `${server.url}/close-later` });
  assert.equal((await driver.add(a)).result, CurlCode.OK);
  await new Promise((r) => setTimeout(r, 100));
  const b = new Easy({ url: `${server.url}/` });
  assert.equal((await driver.add(b)).result, CurlCode.OK, b.errorBuffer);
  assert.equal(b.getInfo().numConnects, 1);
  assert.equal(server.connections - before, 2);
  driver.close();
});

// In virtual time: on real sockets a loaded machine can let more than the limit pass between two
// transfers, and the "fresh" connection would be old by the time the next one looks for it.
test('maxIdleAgeMs: an idle connection older than the limit is not reused, a younger one is', async () => {
  const net = new SimNetwork({ latencyMs: 1 });
  net.listen('a.test', 80, (_q, r) => r.end('ok'));
  const multi = net.createMulti({ maxIdleAgeMs: 20 });
  const get = async (): Promise<Easy> => {
    const e = new Easy({ url: 'http://a.test/', writeFunction: (c) => c.length });
    multi.addHandle(e);
    await net.run();
    assert.equal(multi.infoRead()?.result, CurlCode.OK);
    multi.removeHandle(e);
    return e;
  };
  assert.equal((await get()).getInfo().numConnects, 1);
  await net.advance(21);
  assert.equal((await get()).getInfo().numConnects, 1, 'idle for 21 ms: not reused');
  await net.advance(19);
  assert.equal((await get()).getInfo().numConnects, 0, 'a fresh idle connection is reused');
  await net.advance(60);
  assert.equal((await get()).getInfo().numConnects, 1, 'idle for 60 ms: not reused');
  multi.close();
});

test('forbidReuse and freshConnect', async () => {
  const driver = new NodeDriver();
  await driver.add(new Easy({ url: `${server.url}/`, forbidReuse: true }));
  const b = new Easy({ url: `${server.url}/` });
  await driver.add(b);
  assert.equal(b.getInfo().numConnects, 1, 'the forbidReuse connection was closed');
  const c = new Easy({ url: `${server.url}/`, freshConnect: true });
  await driver.add(c);
  assert.equal(c.getInfo().numConnects, 1);
  driver.close();
});
