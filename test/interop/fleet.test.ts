// The fleet against Debian's redis-server (started here on a free loopback port, data in a temp
// dir): tscurl --queue-add, --queue workers as separate processes, --queue-status. A worker
// SIGKILLed mid-run loses no job and duplicates no result; a worker started before any job waits;
// bad jobs end as failed results (43/48) and the worker carries on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { command, parseQueue, type Redis, redisClient } from '../../src/fleet/queue.js';
import { queueStatus } from '../../src/fleet/status.js';
import { addJobs, assertOnceEach, results, sleep, startWorker, until } from '../helpers/fleet.js';
import { startHttpServer, type TestServer } from '../helpers/http-server.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';

let http: TestServer;
before(async () => {
  http = await startHttpServer((req, res) => {
    res.end(`ok ${req.url}`);
  });
});
after(() => http.close());

describe('fleet (redis-server)', () => {
  let redis: RedisServer;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = redisClient(parseQueue(`${redis.url}/x`), () => {});
    await client.connect();
  });
  after(async () => {
    await client.quit().catch(() => {});
    await redis.stop();
  });

  test('a worker started before any job waits, then works; bad jobs end as failed results 43/48', async () => {
    const queue = `${redis.url}/early`;
    const q = parseQueue(queue);
    const w = startWorker(queue, ['--queue-parallel', '4']);
    try {
      await until(
        'the worker to join the group',
        20_000,
        async () => (await queueStatus(client, q)).workers.length === 1,
      );
      await sleep(300);
      const good = await addJobs(queue, [
        '--id-prefix',
        'g',
        `${http.url}/good/[1-20]`,
        '--',
        '-H',
        'x-test: 1',
      ]);
      assert.equal(good.code, 0, good.stderr);
      const bad = [
        'this is not json',
        '[1,2]',
        '{"id":"no-url"}',
        '{"id":"bad-arg","url":"URL","args":["--no-such-option"]}',
        '{"id":"bad-easy","url":"URL","options":{"noSuchOption":1}}',
        '{"id":"bad-type","url":"URL","options":{"timeoutMs":"soon"}}',
        '{"id":"bad-body","url":"URL","body":42}',
      ].map((l) => l.replace('URL', `${http.url}/bad`));
      const added = await addJobs(queue, ['-'], `${bad.join('\n')}\n`);
      assert.equal(added.code, 0, added.stderr);
      await until('27 results', 30_000, async () => (await queueStatus(client, q)).results === 27);
      const rs = await results(client, q);
      const byId = new Map(rs.map((r) => [r.id, r]));
      for (let i = 1; i <= 20; i++) {
        const r = byId.get(`g${i}`)!;
        assert.equal(r.outcome, 'done');
        assert.equal(r.status, 200);
        assert.equal(Buffer.from(r.body!.inline!, 'base64').toString(), `ok /good/${i}`);
        assert.ok(r.info!.totalTime! > 0);
      }
      const codes = Object.fromEntries(rs.filter((r) => !r.id.startsWith('g')).map((r) => [r.id, r.code]));
      assert.equal(codes['no-url'], 43);
      assert.equal(codes['bad-arg'], 48);
      assert.equal(codes['bad-easy'], 48);
      assert.equal(codes['bad-type'], 43);
      assert.equal(codes['bad-body'], 43);
      const unparsed = rs.filter((r) => /^\d+-\d+$/.test(r.id));
      assert.deepEqual(
        unparsed.map((r) => r.code),
        [43, 43],
      );
      assert.equal(w.child.exitCode, null, 'the worker is still running');
      const s = await queueStatus(client, q);
      assert.equal(s.done, 20);
      assert.equal(s.failed, 7);
      assert.equal(s.waiting + s.running, 0);
    } finally {
      w.child.kill('SIGTERM');
      assert.equal(await w.exited, 0, w.stderr);
    }
  });

  test('10,000 jobs, 3 workers, one SIGKILLed mid-run: every job exactly one result', async () => {
    const queue = `${redis.url}/tenk`;
    const q = parseQueue(queue);
    const add = await addJobs(queue, ['--id-prefix', 'k', '--body', 'discard', `${http.url}/[1-10000]`]);
    assert.equal(add.code, 0, add.stderr);
    const opts = ['--queue-parallel', '50', '--queue-claim-idle', '1000', '--queue-idle-exit', '3000'];
    const workers = [0, 1, 2].map((i) => startWorker(queue, [...opts, '--queue-consumer', `w${i}`]));
    try {
      await until('3,000 results', 60_000, async () => (await queueStatus(client, q)).done >= 3000);
      const before = (await queueStatus(client, q)).workers.find((w) => w.name === 'w0');
      workers[0]!.child.kill('SIGKILL');
      assert.ok((before?.running ?? 0) > 0, 'the killed worker held jobs');
      const codes = await Promise.all([workers[1]!.exited, workers[2]!.exited]);
      assert.deepEqual(codes, [0, 0], workers[1]!.stderr + workers[2]!.stderr);
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
    }
    const rs = await results(client, q);
    assertOnceEach(
      rs,
      Array.from({ length: 10_000 }, (_, i) => `k${i + 1}`),
    );
    assert.ok(
      rs.every((r) => r.code === 0 && r.status === 200),
      'every transfer succeeded',
    );
    assert.ok(
      rs.some((r) => r.deliveries > 1 && r.worker !== 'w0'),
      "the killed worker's jobs were claimed by the others",
    );
    const s = await queueStatus(client, q);
    assert.equal(s.running, 0);
    assert.equal(s.waiting, 0);
    assert.equal(await command(client, ['XLEN', q.jobs]), 0);
  });
});
