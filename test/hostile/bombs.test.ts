// Decompression bombs (a 4 GiB brotli body of 3.6 KB, a 10 GiB gzip body of 10 MB, deflate, zstd
// where node:zlib has it, and stacked codings) through the Easy API, request() and fetch(), with
// the body unread and read slowly, each beside five good transfers on the same Multi: memory stays
// flat (decoding is pulled: a paused transfer decodes nothing more), the event loop keeps turning
// and the good transfers finish.
import assert from 'node:assert/strict';
import type { Socket as NetSocket } from 'node:net';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { Client, Easy, NodeDriver, PAUSE } from '../../src/index.js';
import { heldBytes, MAX_HELD_OUTPUT } from '../../src/multi/features/write.js';
import type { Transfer } from '../../src/multi/transfer.js';
import { type Bomb, brotliBomb, deflateBomb, gzipBomb, streamBomb } from '../helpers/bombs.js';
import type { RawServer } from '../helpers/http-server.js';
import { assertNoTcpLeft, goodServer, hostileServer, LoopWatch, sleep, tcpHandles } from './harness.js';

/**
 * RSS growth allowed while a bomb is being fetched: the transfer holds < 200 KiB by design, and a
 * brotli decoder its window (16 MiB for this bomb). Before decoding was pulled, a 64 KiB read of
 * the gzip bomb alone held 64 MiB, and the brotli bomb took the process past 2.4 GB.
 */
const RSS_BOUND_MIB = 40;
/**
 * The event loop's worst stall allowed meanwhile. Generous for shared CI machines: one brotli call
 * may refill its 16 MiB window (tens of ms); before, the brotli bomb blocked the loop for > 10 s.
 */
const STALL_BOUND_MS = 1000;
/** How long each case lets the bomb run unread or read slowly. */
const RUN_MS = 300;
/**
 * A slow reader reads on past RUN_MS until it got what its assertion asks for (on a loaded
 * machine 300 ms of wall clock may hold only a few turns of the loop), but not past this.
 */
const SLOW_READ_LIMIT_MS = 20_000;

const br4g = await brotliBomb(256);
const gzip10g = gzipBomb(640);
function bombServer(bomb: Bomb, coding = bomb.coding): Promise<RawServer> {
  return hostileServer((socket: NetSocket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nConnection: close\r\n\r\n`);
    streamBomb(socket, bomb);
  });
}

/** The bomb's server and a good one; `baseline`: TCP handles open before them. */
async function servers(
  bomb: Bomb,
  coding?: string,
): Promise<{ srv: RawServer; good: RawServer; baseline: number; close(): Promise<void> }> {
  const baseline = tcpHandles();
  const srv = await bombServer(bomb, coding);
  const good = await goodServer('x'.repeat(1000));
  return {
    srv,
    good,
    baseline,
    async close() {
      await srv.close();
      await good.close();
    },
  };
}

// Warm-up outside the measurements: the first fetch() loads Node's Response and streams.
{
  const g = await goodServer();
  const c = new Client();
  await (await c.fetch(g.url)).text();
  await (await c.request(g.url)).body.text();
  await c.close();
  await g.close();
}

function check(watch: LoopWatch, label: string): void {
  const growth = watch.growthMiB;
  watch.stop();
  assert.ok(growth < RSS_BOUND_MIB, `${label}: RSS grew ${growth.toFixed(1)} MiB (bound ${RSS_BOUND_MIB})`);
  assert.ok(
    watch.worstStallMs < STALL_BOUND_MS,
    `${label}: the event loop stalled ${watch.worstStallMs.toFixed(0)} ms`,
  );
}

async function easyCase(bomb: Bomb, mode: 'unread' | 'slow', coding = bomb.coding): Promise<void> {
  const { srv, good, close, baseline } = await servers(bomb, coding);
  const driver = new NodeDriver();
  const watch = new LoopWatch();
  let slow: NodeJS.Timeout | undefined;
  try {
    let allowance = 64 * 1024;
    let delivered = 0;
    const easy = new Easy({
      url: `${srv.url}/bomb`,
      acceptEncoding: '',
      writeFunction: (chunk: Buffer) => {
        if (allowance <= 0) return PAUSE;
        allowance -= chunk.length;
        delivered += chunk.length;
        return chunk.length;
      },
    });
    const bombDone = driver.add(easy);
    const goods = Array.from({ length: 5 }, () => driver.add(new Easy({ url: `${good.url}/ok` })));
    if (mode === 'slow') {
      slow = setInterval(() => {
        allowance = 64 * 1024;
        easy.pause(0);
      }, 10);
    }
    for (const m of await Promise.all(goods)) assert.equal(m.result, 0);
    await sleep(RUN_MS);
    if (mode === 'slow') {
      const limit = Date.now() + SLOW_READ_LIMIT_MS;
      while (delivered <= 2 * 64 * 1024 && Date.now() < limit) await sleep(10);
    }
    const t = easy._last as Transfer;
    if (mode === 'unread') {
      // Paused: nothing more is decoded, and what is held stays under the named bound.
      const decoded = t.req.bodyBytes;
      await sleep(50);
      assert.equal(t.req.bodyBytes, decoded, `${coding}: decoding went on while paused`);
      assert.ok(heldBytes(t) <= MAX_HELD_OUTPUT, `${coding}: ${heldBytes(t)} bytes held`);
      assert.ok(delivered >= 64 * 1024, `${coding}: the body started (${delivered} bytes)`);
    } else {
      // More than the first allowance: resuming went on decoding (how much depends on the load).
      assert.ok(delivered > 2 * 64 * 1024, `${coding}: the slow reader got ${delivered} bytes`);
    }
    clearInterval(slow);
    check(watch, `easy ${coding} ${mode}`);
    driver.remove(easy);
    void bombDone;
  } finally {
    clearInterval(slow);
    watch.stop();
    driver.close();
    await close();
  }
  await assertNoTcpLeft(baseline);
}

/** A promise-API slow reader stops after RUN_MS once it read more than 64 KiB (or at the limit). */
function slowReadDone(end: number, read: number): boolean {
  const now = Date.now();
  return (now > end && read > 64 * 1024) || now > end - RUN_MS + SLOW_READ_LIMIT_MS;
}

async function promiseCase(bomb: Bomb, api: 'request' | 'fetch', mode: 'unread' | 'slow'): Promise<void> {
  const { srv, good, close, baseline } = await servers(bomb);
  const client = new Client();
  const watch = new LoopWatch();
  try {
    let read = 0;
    const url = `${srv.url}/bomb`;
    const goods = Array.from({ length: 5 }, () =>
      client.request(`${good.url}/ok`).then((r) => r.body.text()),
    );
    if (api === 'request') {
      const r = await client.request(url, { acceptEncoding: '' });
      assert.equal(r.statusCode, 200);
      if (mode === 'slow') {
        const end = Date.now() + RUN_MS;
        for await (const chunk of r.body) {
          read += (chunk as Buffer).length;
          if (slowReadDone(end, read)) break;
          await sleep(10);
        }
      } else await sleep(RUN_MS);
      r.body.destroy();
    } else {
      const res = await client.fetch(url);
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      if (mode === 'slow') {
        const end = Date.now() + RUN_MS;
        while (!slowReadDone(end, read)) {
          const { value } = await reader.read();
          read += value!.length;
          await sleep(10);
        }
      } else await sleep(RUN_MS);
      await reader.cancel();
    }
    for (const text of await Promise.all(goods)) assert.equal(text.length, 1000);
    if (mode === 'slow') assert.ok(read > 64 * 1024, `${api} slow reader got ${read} bytes`);
    check(watch, `${api} ${bomb.coding} ${mode}`);
  } finally {
    watch.stop();
    await client.destroy();
    await close();
  }
  await assertNoTcpLeft(baseline);
}

for (const [name, bomb] of [
  ['4 GiB brotli', br4g],
  ['10 GiB gzip', gzip10g],
] as const) {
  for (const mode of ['unread', 'slow'] as const) {
    test(`${name} bomb, Easy, body ${mode}: flat memory, loop turning, five good transfers done`, () =>
      easyCase(bomb, mode));
    test(`${name} bomb, request(), body ${mode}: flat memory, loop turning, five good transfers done`, () =>
      promiseCase(bomb, 'request', mode));
    test(`${name} bomb, fetch(), body ${mode}: flat memory, loop turning, five good transfers done`, () =>
      promiseCase(bomb, 'fetch', mode));
  }
}

test('deflate bomb (1 GiB), Easy, unread: paused, nothing more decoded', () =>
  easyCase(deflateBomb(64), 'unread'));

test('stacked codings (gzip over a 4 GiB brotli bomb), Easy, unread and slow', async () => {
  const whole = Buffer.concat([br4g.head, ...Array<Buffer>(br4g.count).fill(br4g.repeat), br4g.tail]);
  const stacked: Bomb = { ...br4g, head: zlib.gzipSync(whole), repeat: Buffer.alloc(0), count: 0 };
  stacked.tail = Buffer.alloc(0);
  await easyCase(stacked, 'unread', 'br, gzip');
  await easyCase(stacked, 'slow', 'br, gzip');
});

const zstdSync = (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync;
test('zstd bomb (zstd frames repeated; where node:zlib has zstd, else gzip stands in)', async () => {
  if (zstdSync === undefined) {
    // Node 20 has no zstd: the engine does not offer it (Accept-Encoding) and the same checks run on gzip.
    await easyCase(gzipBomb(64), 'unread');
    return;
  }
  const frame = zstdSync(Buffer.alloc(16 * 1024 * 1024));
  const bomb: Bomb = {
    coding: 'zstd',
    head: Buffer.alloc(0),
    repeat: frame,
    count: 256,
    tail: Buffer.alloc(0),
    size: 0,
  };
  await easyCase(bomb, 'unread');
  await easyCase(bomb, 'slow');
});
