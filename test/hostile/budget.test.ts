// One socketAction does bounded work for one transfer, in decoded and delivered bytes: a bomb
// whose body is read as fast as it decodes yields after MAX_DECODE_PER_RUN and goes on from the
// timer, so five small transfers beside it finish at once and its own timeoutMs ends it on time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Easy, NodeDriver } from '../../src/index.js';
import { MAX_DECODE_PER_RUN } from '../../src/multi/features/write.js';
import { brotliBomb, gzipBomb, streamBomb } from '../helpers/bombs.js';
import { assertNoTcpLeft, goodServer, hostileServer, tcpHandles } from './harness.js';

for (const [name, make] of [
  ['10 GiB gzip', async () => gzipBomb(640)],
  ['4 GiB brotli', () => brotliBomb(256)],
] as const) {
  test(`${name} bomb read at full speed beside five small transfers: they finish at once, its timeoutMs on time`, async () => {
    const bomb = await make();
    const baseline = tcpHandles();
    const srv = await hostileServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: ${bomb.coding}\r\n\r\n`);
      streamBomb(socket, bomb);
    });
    const good = await goodServer('y'.repeat(500));
    const driver = new NodeDriver();
    // The five small transfers alone first (warm, no bomb): on a loaded machine they take a while
    // by themselves, and beside the bomb they may take at most a few times that (the old engine
    // made them wait for the whole bomb: 78 s for the brotli one).
    const aloneStart = performance.now();
    await Promise.all(Array.from({ length: 5 }, () => driver.add(new Easy({ url: `${good.url}/warm` }))));
    const alone = performance.now() - aloneStart;
    const smallLimit = Math.max(800, 4 * alone);
    let decoded = 0;
    let biggestRun = 0;
    let runStart = 0;
    // 3 s: 10% of it (300 ms) leaves room for a loaded machine, where one brotli call refilling
    // its 16 MiB window can take a few hundred ms; the old engine missed it by over a minute.
    const timeoutMs = 3000;
    const t0 = performance.now();
    const bombEasy = new Easy({
      url: `${srv.url}/bomb`,
      acceptEncoding: '',
      timeoutMs,
      writeFunction: (chunk: Buffer) => {
        decoded += chunk.length;
        return chunk.length;
      },
    });
    // Decoded bytes delivered within one socketAction call.
    const multi = driver.multi;
    const socketAction = multi.socketAction.bind(multi);
    multi.socketAction = (socket, events) => {
      runStart = decoded;
      try {
        return socketAction(socket, events);
      } finally {
        biggestRun = Math.max(biggestRun, decoded - runStart);
      }
    };
    try {
      const bombDone = driver.add(bombEasy).then((m) => ({ code: m.result, at: performance.now() - t0 }));
      const small = Array.from({ length: 5 }, () =>
        driver
          .add(new Easy({ url: `${good.url}/small` }))
          .then((m) => ({ code: m.result, at: performance.now() - t0 })),
      );
      for (const s of await Promise.all(small)) {
        assert.equal(s.code, 0);
        assert.ok(
          s.at < smallLimit,
          `a small transfer took ${s.at.toFixed(0)} ms beside the bomb (${alone.toFixed(0)} ms alone)`,
        );
      }
      const b = await bombDone;
      assert.equal(b.code, 28, 'the bomb ends with OPERATION_TIMEDOUT');
      assert.ok(
        b.at >= timeoutMs && b.at < timeoutMs * 1.1,
        `timeoutMs ${timeoutMs} fired after ${b.at.toFixed(0)} ms`,
      );
      assert.ok(decoded > 16 * MAX_DECODE_PER_RUN, `the bomb went on across runs (${decoded} bytes)`);
      assert.ok(biggestRun <= MAX_DECODE_PER_RUN + 16 * 1024, `one turn delivered ${biggestRun} bytes`);
    } finally {
      driver.close();
      await srv.close();
      await good.close();
    }
    await assertNoTcpLeft(baseline);
  });
}
