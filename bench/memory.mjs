// Heap held per idle pending transfer and per idle pooled connection (run with --expose-gc):
//   node --expose-gc bench/memory.mjs <baseUrl>
// Pending: maxTotalConnections 1 and a server that accepts and never answers, so one transfer
// holds the only slot and the rest wait in 'pending' (Easy + Transfer + heap entry + queue slot).
// Pooled: N transfers at once against nginx (one connection each), completed and removed; the
// connections sit idle in the pool (net.Socket + NodeSocket + filter chain + Connection + reader).
// Each figure is heapUsed after a full GC with them, minus heapUsed after a full GC without them.
import { createServer } from 'node:net';

const { Easy, Multi, Poll, SOCKET_TIMEOUT } = await import('../dist/src/index.js');
const baseUrl = process.argv[2];
const N_PENDING = 10_000;
const N_POOLED = 2_000;

function heap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** A Multi on Node's loop, as an application drives it; resolves `idle()` when nothing runs. */
function loopMulti(options) {
  let timeout;
  let immediate;
  let waiter;
  const multi = new Multi({
    ...options,
    socketFunction(_e, socket, what, socketp) {
      if (what === Poll.REMOVE) return void socket.unwatch();
      let ready = socketp;
      if (ready === undefined) {
        ready = (ev) => act(socket, ev);
        multi.assign(socket, ready);
      }
      socket.watch(what, ready);
    },
    timerFunction(ms) {
      clearTimeout(timeout);
      clearImmediate(immediate);
      if (ms === 0) immediate = setImmediate(() => act(SOCKET_TIMEOUT, 0));
      else if (ms > 0) timeout = setTimeout(() => act(SOCKET_TIMEOUT, 0), ms);
    },
  });
  const doneList = [];
  function act(s, ev) {
    multi.socketAction(s, ev);
    for (let m = multi.infoRead(); m !== undefined; m = multi.infoRead()) doneList.push(m);
    waiter?.();
  }
  return {
    multi,
    done: doneList,
    until: (pred) =>
      new Promise((resolve) => {
        waiter = () => {
          if (pred()) {
            waiter = undefined;
            resolve();
          }
        };
        waiter();
      }),
  };
}

async function pendingTransfer() {
  const silent = createServer(() => {});
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${silent.address().port}/`;
  const { multi } = loopMulti({ maxTotalConnections: 1 });
  const warm = new Easy({ url, writeFunction: (c) => c.length });
  multi.addHandle(warm);
  await new Promise((r) => setTimeout(r, 100));
  const before = heap();
  for (let i = 0; i < N_PENDING; i++) multi.addHandle(new Easy({ url, writeFunction: (c) => c.length }));
  await new Promise((r) => setTimeout(r, 200)); // every transfer ran once and went to 'pending'
  const after = heap();
  multi.close();
  silent.close();
  return (after - before) / N_PENDING;
}

async function pooledConnection() {
  const url = `${baseUrl}/1k.bin`;
  const { multi, done, until } = loopMulti({ maxConnects: N_POOLED * 2 });
  const before = heap();
  for (let i = 0; i < N_POOLED; i++) multi.addHandle(new Easy({ url, writeFunction: (c) => c.length }));
  await until(() => done.length === N_POOLED);
  let failed = 0;
  for (const m of done) {
    if (m.result !== 0) failed++;
    multi.removeHandle(m.easy);
  }
  done.length = 0;
  if (failed > 0) throw new Error(`${failed} transfers failed`);
  const idle = multi.pool.idleCount;
  const withIdle = heap();
  multi.close();
  await new Promise((r) => setTimeout(r, 200));
  const without = heap();
  void before;
  return { perConnection: (withIdle - without) / idle, idle };
}

const pending = await pendingTransfer();
const pooled = await pooledConnection();
process.stdout.write(
  `${JSON.stringify({ pendingBytes: pending, pooledBytes: pooled.perConnection, pooledIdle: pooled.idle, nPending: N_PENDING })}\n`,
);
process.exit(0);
